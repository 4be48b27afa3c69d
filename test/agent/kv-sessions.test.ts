import t from "tap";
import { Agent, ValueTooLargeError, InvalidArgumentError, SessionInvalidError } from "../../lib/index.js";
import { waitFor } from "./helpers.js";

t.test("kv: put, get, flags, list, keys with a separator, delete", async (t) => {
  const agent = await Agent.start({ node: "n1" });
  t.teardown(() => agent.close());
  t.equal(await agent.kv.get("missing"), undefined);
  t.equal(await agent.kv.put("app/config/a", "1", { flags: 42 }), true);
  await agent.kv.put("app/config/b", Buffer.from([0, 1, 2]));
  await agent.kv.put("app/name", "disco");
  const a = await agent.kv.get("app/config/a");
  t.match(a, { key: "app/config/a", flags: 42, lockIndex: 0, session: undefined });
  t.equal(a?.value.toString(), "1");
  t.ok(a!.createIndex > 0 && a!.modifyIndex === a!.createIndex);
  t.same((await agent.kv.get("app/config/b"))?.value, Buffer.from([0, 1, 2]), "bytes round-trip");
  t.same((await agent.kv.list("app/")).map((p) => p.key), ["app/config/a", "app/config/b", "app/name"]);
  t.same(await agent.kv.keys("app/", { separator: "/" }), ["app/config/", "app/name"]);
  t.equal(await agent.kv.delete("app/name"), true);
  t.equal(await agent.kv.get("app/name"), undefined);
  t.equal(await agent.kv.delete("app/", { recurse: true }), true);
  t.same(await agent.kv.list("app/"), []);
});

t.test("kv: compare-and-set by ModifyIndex; cas 0 creates only", async (t) => {
  const agent = await Agent.start({ node: "n1" });
  t.teardown(() => agent.close());
  t.equal(await agent.kv.put("k", "v1", { cas: 0 }), true, "cas 0 creates");
  t.equal(await agent.kv.put("k", "v2", { cas: 0 }), false, "cas 0 refuses an existing key");
  const { modifyIndex } = (await agent.kv.get("k"))!;
  t.equal(await agent.kv.put("k", "v2", { cas: modifyIndex + 100 }), false, "stale index loses");
  t.equal((await agent.kv.get("k"))?.value.toString(), "v1", "nothing written by a lost CAS");
  t.equal(await agent.kv.put("k", "v2", { cas: modifyIndex }), true);
  t.equal(await agent.kv.delete("k", { cas: modifyIndex }), false, "delete-cas with an old index loses");
  t.equal(await agent.kv.delete("k", { cas: (await agent.kv.get("k"))!.modifyIndex }), true);
});

t.test("kv: bad input is a typed error and nothing is written", async (t) => {
  const agent = await Agent.start({ node: "n1" });
  t.teardown(() => agent.close());
  await t.rejects(agent.kv.put("big", Buffer.alloc(512 * 1024 + 1)), ValueTooLargeError);
  t.equal(await agent.kv.get("big"), undefined);
  t.equal(await agent.kv.put("edge", Buffer.alloc(512 * 1024)), true, "exactly 512 KiB is allowed");
  await t.rejects(agent.kv.put("", "x"), { name: "InvalidArgumentError", field: "key" });
  await t.rejects(agent.kv.put("k", 5 as unknown as string), { name: "InvalidArgumentError", field: "value" });
  await t.rejects(agent.kv.put("k", "x", { cas: -1 }), { name: "InvalidArgumentError", field: "cas" });
  await t.rejects(agent.kv.put("k", "x", { flags: 1.5 }), InvalidArgumentError);
  await t.rejects(agent.kv.put("k", "x", { acquire: "no-such-session" }), SessionInvalidError);
  t.equal(await agent.kv.get("k"), undefined);
});

t.test("kv: transactions apply all or nothing", async (t) => {
  const agent = await Agent.start({ node: "n1" });
  t.teardown(() => agent.close());
  await agent.kv.put("t/a", "1");
  const bad = await agent.kv.txn([
    { verb: "set", key: "t/b", value: Buffer.from("2") },
    { verb: "check-not-exists", key: "t/a" },
  ]);
  t.equal(bad.ok, false);
  t.equal(await agent.kv.get("t/b"), undefined, "the set before the failed check was not applied");
  const good = await agent.kv.txn([
    { verb: "set", key: "t/b", value: Buffer.from("2") },
    { verb: "get", key: "t/a" },
  ]);
  t.equal(good.ok, true);
  t.equal((await agent.kv.get("t/b"))?.value.toString(), "2");
});

t.test("kv: watch wakes on its key only", async (t) => {
  const agent = await Agent.start({ node: "n1" });
  t.teardown(() => agent.close());
  const ac = new AbortController();
  const seen: (string | undefined)[] = [];
  const done = (async () => {
    for await (const pair of agent.kv.watch("w/key", { signal: ac.signal })) {
      seen.push(pair?.value.toString());
      if (seen.length === 3) ac.abort();
    }
  })();
  await waitFor(() => seen.length === 1, 2000, "the initial value");
  for (let i = 0; i < 5; i++) await agent.kv.put(`w/other${i}`, "x");
  await new Promise((r) => setTimeout(r, 50));
  t.equal(seen.length, 1, "writes to other keys do not wake the watch");
  await agent.kv.put("w/key", "one");
  await waitFor(() => seen.length === 2, 2000, "the first change");
  await agent.kv.delete("w/key");
  await done;
  t.same(seen, [undefined, "one", undefined]);
});

t.test("sessions and locks: one holder at a time, release hands over, destroy releases", async (t) => {
  const agent = await Agent.start({ node: "n1" });
  t.teardown(() => agent.close());
  const first = agent.lock("service/leader", { value: "first", lockDelay: "0s" });
  const second = agent.lock("service/leader", { value: "second", lockDelay: "0s" });
  await first.acquire();
  t.ok(first.isHeld);
  let secondHeld = false;
  const pending = second.acquire().then(() => (secondHeld = true));
  await new Promise((r) => setTimeout(r, 100));
  t.equal(secondHeld, false, "the second waits while the first holds");
  const held = await agent.kv.get("service/leader");
  t.equal(held?.value.toString(), "first");
  t.equal(held?.lockIndex, 1);
  await first.release();
  await pending;
  t.ok(second.isHeld);
  t.equal((await agent.kv.get("service/leader"))?.value.toString(), "second");
  t.equal((await agent.kv.get("service/leader"))?.lockIndex, 2);
  await second.release();
  t.equal((await agent.kv.get("service/leader"))?.session, undefined);
});

t.test("sessions: destroying the holder releases the key and starts its lock delay; lost event fires", async (t) => {
  const agent = await Agent.start({ node: "n1" });
  t.teardown(() => agent.close());
  const id = await agent.session.create({ name: "s", lockDelay: "300ms" });
  t.equal(agent.session.info(id).name, "s");
  t.equal(await agent.kv.put("lk", "v", { acquire: id }), true);
  t.equal((await agent.kv.get("lk"))?.session, id);
  const other = await agent.session.create({ lockDelay: "0s" });
  t.equal(await agent.kv.put("lk", "w", { acquire: other }), false, "held by another session");
  await agent.session.destroy(id);
  t.equal((await agent.kv.get("lk"))?.session, undefined, "released on destroy (behavior release)");
  t.equal(await agent.kv.put("lk", "w", { acquire: other }), false, "lock delay blocks an immediate re-acquire");
  await waitFor(async () => agent.kv.put("lk", "w", { acquire: other }), 2000, "acquire after the lock delay");
  const del = await agent.session.create({ behavior: "delete" });
  await agent.kv.put("gone", "v", { acquire: del });
  await agent.session.destroy(del);
  t.equal(await agent.kv.get("gone"), undefined, "behavior delete removes the key");

  const lock = agent.lock("lost-key", { lockDelay: "0s" });
  await lock.acquire();
  let lost = false;
  lock.on("lost", () => (lost = true));
  await agent.kv.delete("lost-key");
  await waitFor(() => lost, 2000, "the lost event");
  t.notOk(lock.isHeld);
  await lock.release();
});

t.test("sessions: bad options are typed errors", async (t) => {
  const agent = await Agent.start({ node: "n1" });
  t.teardown(() => agent.close());
  await t.rejects(agent.session.create({ ttl: "1s" }), { name: "InvalidArgumentError", field: "ttl" });
  await t.rejects(agent.session.create({ ttl: "soon" }), { name: "InvalidArgumentError", field: "ttl" });
  await t.rejects(agent.session.create({ behavior: "explode" as "delete" }), { name: "InvalidArgumentError", field: "behavior" });
  await t.rejects(agent.session.renew("nope"), SessionInvalidError);
  t.same(agent.session.list(), []);
});

t.test("lock: acquire honours an AbortSignal", async (t) => {
  const agent = await Agent.start({ node: "n1" });
  t.teardown(() => agent.close());
  const a = agent.lock("busy", { lockDelay: "0s" });
  await a.acquire();
  const b = agent.lock("busy");
  // The library's timers are unref'd (it never holds the host's loop open); this test holds it.
  const keepAlive = setTimeout(() => {}, 5000);
  t.teardown(() => clearTimeout(keepAlive));
  await t.rejects(b.acquire({ signal: AbortSignal.timeout(100) }), { name: "AbortedError" });
  t.notOk(b.isHeld);
  await a.release();
});
