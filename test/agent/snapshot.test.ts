import t from "tap";
import fc from "fast-check";
import { Agent } from "../../lib/index.js";
import { Catalog } from "../../lib/catalog/catalog.js";
import { decodeCommand, encodeCommand } from "../../lib/catalog/commands.js";
import { CatalogState } from "../../lib/catalog/state.js";
import { SNAPSHOT_RESTORE_BYTES_MAX } from "../../lib/agent/snapshot.js";
import { ManualTimers } from "../../lib/util/timers.js";
import { command, readAll, replay, SCOPES } from "../catalog/gen.js";
import { bytes, reg, serf } from "../catalog/helpers.js";
import { freePorts, waitFor } from "./helpers.js";

/** readAll without what a restore restamps (modify indexes, the log index, scope indexes). */
const dataOf = (s: CatalogState): string => {
  const all = JSON.parse(readAll(s)) as Record<string, unknown>;
  delete all["last"];
  delete all["indexes"];
  return JSON.stringify(all, (k, v: unknown) => (k === "modifyIndex" ? undefined : v));
};

t.test("restore (property): the state becomes the snapshot's, every index is the restore's, and replicas stay identical", async (t) => {
  t.doesNotThrow(() => fc.assert(
    fc.property(fc.array(command, { maxLength: 40 }), fc.array(command, { maxLength: 40 }), fc.array(command, { maxLength: 20 }), (head, middle, tail) => {
      // Logs start at index 2: index 1 is what an untouched scope answers (see CatalogState).
      const fresh = (): CatalogState => replay(head, new CatalogState(), 1);
      const snapshot = fresh().snapshot();
      const expected = dataOf(CatalogState.restore(snapshot));
      const a = replay(middle, fresh());
      const b = replay(middle, fresh());
      const before = Math.max(...SCOPES.map((sc) => a.scopeIndex(sc)));
      const at = Math.max(a.lastIndex, 1) + 1;
      const outcome = a.apply(at, { op: "restore", snapshot, nowMs: 0 });
      b.apply(at, decodeCommand(encodeCommand({ op: "restore", snapshot, nowMs: 0 })));
      if (!outcome.result.ok || dataOf(a) !== expected) return false;
      if (!SCOPES.every((sc) => a.scopeIndex(sc) === at) || at <= before) return false;
      replay(tail, a);
      replay(tail, b);
      return Buffer.from(a.snapshot()).equals(Buffer.from(b.snapshot())) && readAll(a) === readAll(b);
    }),
    { numRuns: 100 },
  ), "100 random histories");
});

t.test("restore: a corrupt snapshot is an error result that changes nothing; decode refuses a restore without bytes", async (t) => {
  const s = replay([reg("n1", { service: "web" }, [serf()]), { op: "kv-set", key: "k", value: bytes("v"), nowMs: 0 }], new CatalogState(), 1);
  const before = readAll(s);
  const good = s.snapshot();
  const corrupt = Uint8Array.from(good);
  corrupt[corrupt.length - 1] ^= 0xff;
  for (const snapshot of [corrupt, good.subarray(0, 6), new Uint8Array(0)]) {
    const outcome = s.apply(s.lastIndex + 1, { op: "restore", snapshot });
    t.match(outcome, { result: { ok: false, error: /snapshot refused/ }, touched: [] });
  }
  t.match(s.apply(s.lastIndex + 1, { op: "restore", snapshot: "x" as unknown as Uint8Array }).result, { ok: false });
  t.equal(readAll(s).replace(/"last":\d+/, ""), before.replace(/"last":\d+/, ""), "nothing changed but the applied index");
  t.throws(() => decodeCommand(encodeCommand({ op: "restore" } as never)), { name: "MalformedPacketError" });
  t.throws(() => decodeCommand(encodeCommand({ op: "restore", snapshot: good, nowMs: "x" } as never)), { name: "MalformedPacketError" });
  t.same(decodeCommand(encodeCommand({ op: "restore", snapshot: good })), { op: "restore", snapshot: Buffer.from(good) });
});

t.test("restore wakes blocking waiters on every scope it changed, with a larger index", async (t) => {
  const timers = new ManualTimers();
  const catalog = new Catalog({ timers });
  catalog.apply(2, reg("n1", { service: "web" }, [serf()]));
  catalog.apply(3, { op: "kv-set", key: "cfg", value: bytes("old"), nowMs: 0 });
  const snapshot = catalog.snapshot();
  catalog.apply(4, { op: "kv-set", key: "cfg", value: bytes("new"), nowMs: 0 });
  catalog.apply(5, reg("n2", { service: "db" }, [serf()]));
  const kv = catalog.hub.wait({ kind: "kv", key: "cfg" }, 4, { timeoutMs: 60_000 });
  const db = catalog.hub.wait({ kind: "service", name: "db" }, 5, { timeoutMs: 60_000 });
  const prefix = catalog.hub.wait({ kind: "kv", key: "c", prefix: true }, 4, { timeoutMs: 60_000 });
  t.same(catalog.apply(6, { op: "restore", snapshot, nowMs: 0 }), { ok: true });
  t.same(await Promise.all([kv, db, prefix]), [6, 6, 6], "woken at once with the restore's index");
  t.equal(catalog.state.kvGet("cfg")?.value.toString(), "old", "the value is back");
  t.same(catalog.state.serviceNodes("db"), [], "what came after the snapshot is gone");
  t.match(catalog.state.kvGet("cfg"), { createIndex: 3, modifyIndex: 6 }, "restamped: a CAS on the pre-restore index fails");
  t.equal(catalog.hub.size, 0);
});

async function raftCluster(t: Tap.Test, size: number): Promise<Agent[]> {
  const ports = await freePorts(size);
  const addrs = ports.map((p) => `127.0.0.1:${p}`);
  const agents = await Promise.all(addrs.map((rpc, i) => Agent.start({
    mode: "raft", server: true, node: `s${i}`, rpc, join: addrs.filter((a) => a !== rpc), bootstrapExpect: size,
  })));
  t.teardown(() => Promise.all(agents.map((a) => a.close())));
  const keepAlive = setInterval(() => {}, 1000);
  t.teardown(() => clearInterval(keepAlive));
  await waitFor(() => agents.every((a) => a.raft.leader() !== undefined), 10_000, "a leader");
  return agents;
}

t.test("raft: a restore through any server is applied by every replica at one index; writes go on after it", async (t) => {
  const agents = await raftCluster(t, 3);
  const [s0, s1, s2] = agents as [Agent, Agent, Agent];
  await s0.kv.put("app/version", "1");
  await s0.register({ name: "api", port: 9000 });
  const saved = await s1.saveSnapshot();
  t.ok(saved.index > 0 && saved.data.length > 0, `saved at index ${saved.index}`);
  await s0.kv.put("app/version", "2");
  await s0.kv.put("app/extra", "x");
  await s2.register({ name: "late", port: 1 });
  await s2.restoreSnapshot(saved.data);
  for (const a of agents) {
    await waitFor(async () => (await a.kv.get("app/version", { consistency: "stale" }))?.value.toString() === "1", 5000, `${a.node} to apply the restore`);
    t.equal(await a.kv.get("app/extra", { consistency: "stale" }), undefined, `${a.node}: the later key is gone`);
  }
  t.match((await s1.catalog.service("api")).map((e) => e.node.node), ["s0"], "a registration from the snapshot is back");
  t.match((await s1.catalog.service("late")).map((e) => e.node.node), ["s2"], "the restoring agent wrote its own services back");
  const after = await s1.saveSnapshot();
  t.ok(after.index > saved.index, "the index kept going up");
  t.equal(await s1.kv.put("app/version", "3"), true, "writes go on");
  t.equal((await s2.kv.get("app/version"))?.value.toString(), "3");
});

t.test("restoreSnapshot refuses what is not a snapshot, or too large, before proposing anything", async (t) => {
  const agent = await Agent.start({ node: "n1" });
  t.teardown(() => agent.close());
  await agent.kv.put("k", "v");
  const { index } = await agent.saveSnapshot({ consistency: "stale" });
  await t.rejects(agent.restoreSnapshot(Buffer.from("not a snapshot")), { name: "InvalidArgumentError", message: /not a disco snapshot/ });
  await t.rejects(agent.restoreSnapshot(Buffer.alloc(SNAPSHOT_RESTORE_BYTES_MAX + 1)), { name: "ValueTooLargeError" });
  await t.rejects(agent.restoreSnapshot("x" as unknown as Uint8Array), { name: "InvalidArgumentError" });
  t.equal((await agent.saveSnapshot()).index, index, "nothing was written");
  const gossip = await Agent.start({ mode: "gossip", node: "g", bind: "127.0.0.1:0", gossipProfile: "local" });
  t.teardown(() => gossip.close());
  await t.rejects(gossip.restoreSnapshot((await agent.saveSnapshot()).data), { name: "ConsensusRequiredError" });
});
