import t from "tap";
import { insts, makeResolver } from "../helpers.js";
import type { Resolver } from "../../../lib/resolver/resolver.js";
import { ONE_DRAW_PAIR_SET_MAX } from "../../../lib/resolver/limits.js";

function inFlight(resolver: Resolver): number[] {
  return resolver.instances().map((i) => resolver.stats(i)!.inFlight);
}

t.test("least-request: is the default policy", async (t) => {
  t.equal(makeResolver({}).resolver.options.policy, "least-request");
});

t.test("least-request: two choices keep in-flight counts level without any reports (P2C, Mitzenmacher)", async (t) => {
  const { resolver } = makeResolver({ outlier: false }, insts(10));
  for (let i = 0; i < 1000; i++) resolver.pick();
  const counts = inFlight(resolver);
  t.ok(Math.max(...counts) - Math.min(...counts) <= 3, `spread ${Math.min(...counts)}..${Math.max(...counts)}`);
  const random = makeResolver({ policy: "random" }, insts(10)).resolver;
  for (let i = 0; i < 1000; i++) random.pick();
  const r = inFlight(random);
  t.ok(Math.max(...r) - Math.min(...r) > 10, `random spreads wider: ${Math.min(...r)}..${Math.max(...r)}`);
});

t.test("least-request: an instance with fewer requests in flight gets the next picks", async (t) => {
  const { resolver } = makeResolver({}, insts(5));
  const held = Array.from({ length: 100 }, () => resolver.pick());
  const fast = resolver.instances()[2]!;
  for (const p of held) if (p === fast) resolver.report(p, { ok: true }); // only i2 completes
  // i2 wins every pair it is drawn into (2 in 5), the others share the rest.
  const next = Array.from({ length: 40 }, () => resolver.pick().id);
  const count = (id: string) => next.filter((x) => x === id).length;
  t.ok(count("i2") >= 10, `i2 drained, so it is preferred: ${count("i2")} of 40`);
  for (const other of ["i0", "i1", "i3", "i4"]) t.ok(count("i2") > count(other), `i2 ${count("i2")} > ${other} ${count(other)}`);
});

t.test("least-request: choiceCount > 2 samples more candidates and levels loads at least as well", async (t) => {
  const { resolver } = makeResolver({ choiceCount: 5, outlier: false }, insts(20));
  t.equal(resolver.options.choiceCount, 5);
  for (let i = 0; i < 2000; i++) resolver.pick();
  const counts = inFlight(resolver);
  t.ok(Math.max(...counts) - Math.min(...counts) <= 2, `spread ${Math.min(...counts)}..${Math.max(...counts)}`);
});

t.test("least-request: one instance is always picked", async (t) => {
  const { resolver } = makeResolver({}, insts(1));
  t.equal(resolver.pick().id, "i0");
  t.equal(resolver.pick().id, "i0");
});

t.test("least-request: sets above ONE_DRAW_PAIR_SET_MAX draw the two candidates separately and still level loads", async (t) => {
  const { resolver } = makeResolver({ outlier: false }, insts(ONE_DRAW_PAIR_SET_MAX + 10));
  for (let i = 0; i < 3 * (ONE_DRAW_PAIR_SET_MAX + 10); i++) resolver.pick();
  // Mean 3 in flight; with two choices the maximum stays within log log n of it
  // (one random choice would reach about 11 over this many instances).
  t.ok(Math.max(...inFlight(resolver)) <= 6, `max ${Math.max(...inFlight(resolver))}`);
});
