import t from "tap";
import { inst, insts, makeResolver, ManualFeed } from "./helpers.js";
import { Resolver } from "../../lib/resolver/resolver.js";
import { ManualClock } from "../../lib/util/clock.js";
import { SeededRng } from "../../lib/util/rng.js";
import type { Instance } from "../../lib/resolver/instance.js";

t.test("resolver: ready() waits for the first non-empty set; pick() before it throws NoInstancesError", async (t) => {
  const { resolver, feed } = makeResolver({});
  t.throws(() => resolver.pick(), { name: "NoInstancesError", service: "web", code: "NO_INSTANCES" });
  let ready = false;
  const p = resolver.ready().then(() => (ready = true));
  feed.push([]);
  await Promise.resolve();
  t.notOk(ready, "an empty set does not make it ready");
  feed.push(insts(2));
  await p;
  t.ok(ready);
  await resolver.ready(); // already ready: resolves at once
  t.ok(["i0", "i1"].includes(resolver.pick().id));
  feed.push([]);
  t.throws(() => resolver.pick(), { name: "NoInstancesError" }, "empty again");
});

t.test("resolver: ready() rejects AbortedError on abort and ClosedError on close", async (t) => {
  const { resolver } = makeResolver({});
  const ac = new AbortController();
  const aborted = resolver.ready({ signal: ac.signal });
  ac.abort(new Error("bored"));
  await t.rejects(aborted, { name: "AbortedError", code: "ABORTED" });
  await t.rejects(resolver.ready({ signal: AbortSignal.abort() }), { name: "AbortedError" });
  const pending = resolver.ready();
  resolver.close();
  await t.rejects(pending, { name: "ClosedError" });
  await t.rejects(resolver.ready(), { name: "ClosedError" });
});

t.test("resolver: pick() counts one in flight and report() ends it, never below 0", async (t) => {
  const { resolver } = makeResolver({}, insts(1));
  const a = resolver.pick();
  resolver.pick();
  t.equal(resolver.stats(a)!.inFlight, 2);
  resolver.report(a, { ok: true, latencyMs: 5 });
  resolver.report({ ...a }, { ok: true }); // a copy finds the instance by key
  t.equal(resolver.stats(a)!.inFlight, 0);
  resolver.report(a, { ok: true });
  t.equal(resolver.stats(a)!.inFlight, 0, "floor 0");
  resolver.report(inst(77), { ok: false }); // not in the set: ignored
  t.equal(resolver.stats(inst(77)), undefined);
});

t.test("resolver: in-flight counts survive a set change for instances that stay", async (t) => {
  const { resolver, feed } = makeResolver({}, insts(2));
  for (let i = 0; i < 10; i++) resolver.pick();
  const before = resolver.instances().map((i) => resolver.stats(i)!.inFlight);
  feed.push([...insts(2), inst(2)]);
  t.same(resolver.instances().slice(0, 2).map((i) => resolver.stats(i)!.inFlight), before);
  t.equal(resolver.stats(inst(2))!.inFlight, 0);
});

t.test("resolver: report() refuses a malformed outcome naming the field", async (t) => {
  const { resolver } = makeResolver({}, insts(1));
  const a = resolver.pick();
  t.throws(() => resolver.report(a, { ok: "yes" } as never), { name: "InvalidArgumentError", field: "outcome.ok" });
  t.throws(() => resolver.report(a, null as never), { name: "InvalidArgumentError", field: "outcome.ok" });
  t.throws(() => resolver.report(a, { ok: true, latencyMs: -1 }), { name: "InvalidArgumentError", field: "outcome.latencyMs" });
  t.throws(() => resolver.report(a, { ok: true, latencyMs: Infinity }), { name: "InvalidArgumentError", field: "outcome.latencyMs" });
  t.throws(() => resolver.report(undefined as never, { ok: true }), { name: "InvalidArgumentError", field: "instance" });
  t.equal(resolver.stats(a)!.inFlight, 1, "nothing applied");
});

t.test("resolver: 'change' fires on the first set (even empty) and then only on real changes", async (t) => {
  const { resolver, feed } = makeResolver({});
  const seen: string[][] = [];
  resolver.on("change", (set) => seen.push(set.map((i) => `${i.id}:${i.port}`)));
  feed.push([]);
  feed.push([]);
  feed.push([inst(1), inst(0)]);
  feed.push([inst(0), inst(1)].map((i) => ({ ...i, tags: [...i.tags], meta: { ...i.meta } }))); // same, new objects
  feed.push([inst(0), inst(1, { port: 1 })]);
  feed.push([inst(0), inst(1, { port: 1, meta: { zone: "b" } })]);
  feed.push([inst(0), inst(1, { port: 1, meta: { zone: "b" }, tags: ["v2"] })]);
  feed.push([inst(0), inst(1, { port: 1, meta: { zone: "b" }, tags: ["v2"], status: "warning" })]);
  feed.push([inst(0), inst(1, { port: 1, meta: { zone: "b" }, tags: ["v2"], status: "warning", weights: { passing: 1, warning: 5 } })]);
  t.same(seen.map((s) => s.join(",")), ["", "i0:8000,i1:8001", "i0:8000,i1:1", "i0:8000,i1:1", "i0:8000,i1:1", "i0:8000,i1:1", "i0:8000,i1:1"]);
});

t.test("resolver: 'change' is emitted after the policy is rebuilt, with frozen instances whose identity is kept", async (t) => {
  const { resolver, feed } = makeResolver({ policy: "round-robin" }, insts(1));
  const first = resolver.instances()[0]!;
  t.ok(Object.isFrozen(first) && Object.isFrozen(first.tags) && Object.isFrozen(resolver.instances()));
  let pickedInside: string | undefined;
  resolver.on("change", () => (pickedInside = resolver.pick().id));
  feed.push([inst(1)]);
  t.equal(pickedInside, "i1", "the listener's pick already sees the new set");
  feed.push([inst(1), inst(0)]);
  const raw = inst(2);
  feed.push([inst(0), inst(1), raw]);
  t.equal(resolver.instances()[0], resolver.instances()[0]);
  (raw as { port: number }).port = 1; // the feed mutating its own object changes nothing
  t.equal(resolver.instances()[2]!.port, 8002);
  const objects = resolver.instances();
  feed.push([inst(0), inst(1), inst(2, { port: 5 })]);
  t.equal(resolver.instances()[0], objects[0], "unchanged instances keep their object");
  t.not(resolver.instances()[2], objects[2]);
});

t.test("resolver: instances are sorted by key and de-duplicated (last wins)", async (t) => {
  const { resolver, feed } = makeResolver({});
  feed.push([inst(3), inst(1), inst(2), inst(1, { port: 4242 })]);
  t.same(resolver.instances().map((i) => i.id), ["i1", "i2", "i3"]);
  t.equal(resolver.instances()[0]!.port, 4242);
});

t.test("resolver: a malformed push emits 'error' and keeps the last set", async (t) => {
  const { resolver, feed } = makeResolver({}, insts(2));
  const errors: Error[] = [];
  resolver.on("error", (e) => errors.push(e));
  feed.push([{ ...inst(5), port: "80" } as unknown as Instance]);
  feed.push([{ ...inst(5), weights: undefined } as unknown as Instance]);
  feed.push([null as unknown as Instance]);
  feed.push("nope" as unknown as Instance[]);
  t.same(errors.map((e) => (e as { field?: string }).field), ["instances[0].port", "instances[0].weights", "instances[0]", "instances"]);
  t.equal(resolver.instances().length, 2);
});

t.test("resolver: feed failures and listener throws become 'error' events, never reach the feed", async (t) => {
  const { resolver, feed } = makeResolver({});
  const errors: string[] = [];
  resolver.on("error", (e) => errors.push(e.message));
  feed.fail(new Error("catalog unreachable"));
  resolver.on("change", () => {
    throw new Error("listener bug");
  });
  t.doesNotThrow(() => feed.push(insts(1)));
  t.same(errors, ["catalog unreachable", "listener bug"]);
  resolver.removeAllListeners("error");
  resolver.on("error", () => {
    throw new Error("error listener bug");
  });
  t.doesNotThrow(() => feed.push(insts(2)));
  t.equal(resolver.instances().length, 2);
});

t.test("resolver: close() stops the feed once, ends everything, and later calls behave", async (t) => {
  const { resolver, feed } = makeResolver({}, insts(3));
  const picked = resolver.pick();
  resolver.close();
  resolver.close();
  t.equal(feed.stops, 1);
  t.throws(() => resolver.pick(), { name: "ClosedError", code: "CLOSED" });
  t.same(resolver.instances(), []);
  t.doesNotThrow(() => resolver.report(picked, { ok: true }), "late completions are ignored");
  t.doesNotThrow(() => feed.push(insts(5)));
  t.doesNotThrow(() => feed.fail(new Error("late")));
  t.same(resolver.instances(), []);
});

t.test("resolver: a feed that pushes synchronously from start(), and close() from inside a push", async (t) => {
  const feed = new ManualFeed();
  feed.initial = insts(2);
  const resolver = new Resolver("web", {}, feed, { clock: new ManualClock(), rng: new SeededRng(1) });
  await resolver.ready();
  t.equal(resolver.instances().length, 2);
  const feed2 = new ManualFeed();
  feed2.initial = insts(1);
  const r2 = new Resolver("web", {}, feed2, {});
  r2.on("change", () => r2.close());
  feed2.push(insts(3));
  t.throws(() => r2.pick(), { name: "ClosedError" });
  t.equal(feed2.stops, 1);
  const feed3 = {
    start(push: (i: Instance[]) => void) {
      push(insts(1));
      return () => {
        throw new Error("stop failed");
      };
    },
  };
  const r3 = new Resolver("web", {}, feed3);
  t.doesNotThrow(() => r3.close(), "a feed whose stop throws does not break close()");
});

t.test("resolver: the constructor validates the service name and options", async (t) => {
  t.throws(() => new Resolver("", {}, new ManualFeed()), { name: "InvalidArgumentError", field: "service" });
  t.throws(() => new Resolver("web", { policy: "nope" as never }, new ManualFeed()), { name: "InvalidArgumentError", field: "policy" });
});

t.test("resolver: NoInstancesError explains itself by state", async (t) => {
  const { resolver, feed } = makeResolver({ passingOnly: false });
  t.throws(() => resolver.pick(), /known yet/);
  feed.push([]);
  t.throws(() => resolver.pick(), /"web": no instances/);
  const passing = makeResolver({});
  passing.feed.push([]);
  t.throws(() => passing.resolver.pick(), /no passing instances/);
});
