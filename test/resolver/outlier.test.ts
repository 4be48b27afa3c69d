import t from "tap";
import { inst, insts, makeResolver, tally } from "./helpers.js";
import { OUTLIER_DEFAULTS, OutlierDetector } from "../../lib/resolver/outlier.js";
import type { Instance } from "../../lib/resolver/instance.js";
import type { Resolver } from "../../lib/resolver/resolver.js";

function fail(resolver: Resolver, instance: Instance, times: number): void {
  for (let i = 0; i < times; i++) resolver.report(instance, { ok: false });
}

function byId(resolver: Resolver, id: string): Instance {
  return resolver.instances().find((i) => i.id === id)!;
}

t.test("outlier: defaults follow Envoy and gRFC A50 (5 failures, 30 s × n, max 300 s, 10%, 10 s interval)", async (t) => {
  t.same({ ...OUTLIER_DEFAULTS }, {
    consecutiveFailures: 5, baseEjectionMs: 30_000, maxEjectionMs: 300_000, maxEjectionPercent: 10, intervalMs: 10_000,
  });
});

t.test("outlier: 5 consecutive failures eject an instance; picks avoid it until 30 s pass", async (t) => {
  const { resolver, clock } = makeResolver({ policy: "round-robin" }, insts(10));
  const bad = byId(resolver, "i3");
  fail(resolver, bad, 4);
  t.notOk(resolver.stats(bad)!.ejected, "4 failures are not enough");
  fail(resolver, bad, 1);
  t.ok(resolver.stats(bad)!.ejected, "the 5th ejects");
  t.notOk(tally(resolver, 90).has("i3"), "no pick while ejected");
  clock.advance(29_999);
  t.notOk(tally(resolver, 90).has("i3"));
  clock.advance(1);
  t.notOk(resolver.stats(bad)!.ejected || false, "back once the base ejection time has passed");
  t.equal(tally(resolver, 100).get("i3"), 10, "back in the rotation");
});

t.test("outlier: a success ends the failure run", async (t) => {
  const { resolver } = makeResolver({}, insts(10));
  const x = byId(resolver, "i1");
  fail(resolver, x, 4);
  resolver.report(x, { ok: true });
  fail(resolver, x, 4);
  t.notOk(resolver.stats(x)!.ejected);
  fail(resolver, x, 1);
  t.ok(resolver.stats(x)!.ejected);
});

t.test("outlier: ejection time grows with each ejection (base × n) up to maxEjectionMs (gRFC A50)", async (t) => {
  const { resolver, clock } = makeResolver({ outlier: { baseEjectionMs: "30s", maxEjectionMs: "75s" } }, insts(10));
  const x = byId(resolver, "i0");
  const ejectionLength = (): number => {
    fail(resolver, x, 5);
    let waited = 0;
    while (resolver.stats(x)!.ejected) {
      clock.advance(1000);
      waited += 1000;
      resolver.pick();
    }
    return waited;
  };
  t.equal(ejectionLength(), 30_000, "1st: 30 s");
  t.equal(ejectionLength(), 60_000, "2nd: 60 s");
  t.equal(ejectionLength(), 75_000, "3rd: 90 s capped at 75 s");
});

t.test("outlier: a long healthy spell shrinks the multiplier by one per interval", async (t) => {
  const { resolver, clock } = makeResolver({}, insts(10));
  const x = byId(resolver, "i0");
  fail(resolver, x, 5);
  clock.advance(30_000);
  resolver.pick();
  fail(resolver, x, 5); // at once: 2nd ejection
  clock.advance(59_999);
  resolver.pick();
  t.ok(resolver.stats(x)!.ejected, "second ejection lasts 60 s");
  clock.advance(1);
  resolver.pick();
  clock.advance(20_000); // two intervals healthy: multiplier 2 → 0
  fail(resolver, x, 5);
  clock.advance(30_000);
  resolver.pick();
  t.notOk(resolver.stats(x)!.ejected, "third ejection is back to 30 s");
});

t.test("outlier: never more than max(1, 10%) of the set is ejected at once (maxEjectionPercent)", async (t) => {
  const { resolver } = makeResolver({}, insts(20));
  const set = resolver.instances();
  for (const x of set.slice(0, 5)) fail(resolver, x, 5);
  t.equal(set.filter((x) => resolver.stats(x)!.ejected).length, 2, "10% of 20");
  const small = makeResolver({}, insts(5)).resolver;
  for (const x of small.instances()) fail(small, x, 5);
  t.equal(small.instances().filter((x) => small.stats(x)!.ejected).length, 1, "at least one, even when 10% rounds to 0");
  const half = makeResolver({ outlier: { maxEjectionPercent: 50 }, panicThresholdPercent: 0 }, insts(10)).resolver;
  for (const x of half.instances()) fail(half, x, 5);
  t.equal(half.instances().filter((x) => half.stats(x)!.ejected).length, 5);
});

t.test("outlier: with every instance ejected it falls back to all of them (panic mode, as Envoy)", async (t) => {
  const { resolver } = makeResolver({}, insts(1));
  fail(resolver, resolver.instances()[0]!, 5);
  t.ok(resolver.stats(resolver.instances()[0]!)!.ejected);
  t.ok(resolver.panicking);
  t.equal(resolver.pick().id, "i0", "still picked");
});

t.test("outlier: below panicThresholdPercent usable, every instance is a candidate again", async (t) => {
  const { resolver } = makeResolver({ policy: "round-robin", outlier: { maxEjectionPercent: 100 } }, insts(4));
  const set = resolver.instances();
  fail(resolver, set[0]!, 5);
  t.notOk(resolver.panicking, "3 of 4 usable");
  t.notOk(tally(resolver, 30).has("i0"));
  fail(resolver, set[1]!, 5);
  t.notOk(resolver.panicking, "2 of 4 is not below 50%");
  fail(resolver, set[2]!, 5);
  t.ok(resolver.panicking, "1 of 4 is below 50%");
  t.equal(tally(resolver, 40).size, 4);
});

t.test("outlier: critical instances are left out unless too few remain", async (t) => {
  const set = [inst(0), inst(1), inst(2, { status: "critical" })];
  const { resolver, feed } = makeResolver({ policy: "round-robin", passingOnly: false }, set);
  t.notOk(tally(resolver, 30).has("i2"));
  feed.push([inst(0, { status: "critical" }), inst(1, { status: "critical" }), inst(2, { status: "critical" })]);
  t.ok(resolver.panicking);
  t.equal(tally(resolver, 30).size, 3);
});

t.test("outlier: ejection state follows an instance across set changes, by key", async (t) => {
  const { resolver, feed } = makeResolver({}, insts(10));
  fail(resolver, byId(resolver, "i4"), 5);
  feed.push([...insts(10).map((x) => (x.id === "i4" ? { ...x, port: 9999 } : x)), inst(10)]);
  t.ok(resolver.stats(byId(resolver, "i4"))!.ejected, "still ejected after its port changed");
  t.equal(byId(resolver, "i4").port, 9999);
  feed.push(insts(10).filter((x) => x.id !== "i4"));
  feed.push(insts(10));
  t.notOk(resolver.stats(byId(resolver, "i4"))!.ejected, "an instance that left and came back starts afresh");
});

t.test("outlier: `outlier: false` never ejects", async (t) => {
  const { resolver } = makeResolver({ outlier: false }, insts(3));
  fail(resolver, resolver.instances()[0]!, 100);
  t.notOk(resolver.stats(resolver.instances()[0]!)!.ejected);
});

t.test("outlier: the detector reports the next return time and the ejection multiplier", async (t) => {
  const d = new OutlierDetector({ ...OUTLIER_DEFAULTS, consecutiveFailures: 1 });
  d.remap(3, Int32Array.of(-1, -1, -1));
  t.equal(d.nextReturnMs, Infinity);
  t.ok(d.failure(1, 100));
  t.equal(d.nextReturnMs, 30_100);
  t.equal(d.multiplier(1), 1);
  t.notOk(d.failure(1, 200), "already ejected");
  t.notOk(d.failure(2, 200), "cap of one reached");
  t.notOk(d.returnDue(30_099));
  t.ok(d.returnDue(30_100));
  t.equal(d.ejectedCount, 0);
});
