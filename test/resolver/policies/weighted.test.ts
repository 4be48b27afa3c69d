import t from "tap";
import { inst, makeResolver, tally } from "../helpers.js";
import { instanceWeight } from "../../../lib/resolver/policies/weighted.js";

t.test("weighted: shares are proportional to Consul weights (EDF, gRFC A58)", async (t) => {
  const set = [1, 2, 3, 4].map((w, n) => inst(n, { weights: { passing: w, warning: 1 } }));
  const { resolver } = makeResolver({ policy: "weighted" }, set);
  const counts = tally(resolver, 10_000);
  for (const [n, w] of [1, 2, 3, 4].entries()) {
    const got = counts.get(`i${n}`) ?? 0;
    t.ok(Math.abs(got - w * 1000) <= 2, `i${n} (weight ${w}): ${got} picks, expected 1000 × ${w}`);
  }
});

t.test("weighted: a warning instance gets weights.warning", async (t) => {
  const set = [
    inst(0, { weights: { passing: 10, warning: 1 } }),
    inst(1, { status: "warning", weights: { passing: 10, warning: 1 } }),
  ];
  const counts = tally(makeResolver({ policy: "weighted", passingOnly: false }, set).resolver, 1100);
  t.equal(counts.get("i0"), 1000);
  t.equal(counts.get("i1"), 100);
});

t.test("weighted: weight 0 is never picked; all zero falls back to equal shares", async (t) => {
  const some = [inst(0, { weights: { passing: 0, warning: 0 } }), inst(1), inst(2)];
  const c1 = tally(makeResolver({ policy: "weighted" }, some).resolver, 300);
  t.equal(c1.get("i0"), undefined);
  t.equal(c1.get("i1"), 150);
  const none = [0, 1, 2].map((n) => inst(n, { weights: { passing: 0, warning: 0 } }));
  const c2 = tally(makeResolver({ policy: "weighted" }, none).resolver, 300);
  t.same([c2.get("i0"), c2.get("i1"), c2.get("i2")], [100, 100, 100]);
});

t.test("weighted: the schedule is deterministic given the rng, and its phase depends on it", async (t) => {
  const set = [1, 2, 3].map((w, n) => inst(n, { weights: { passing: w, warning: 1 } }));
  const run = (seed: number) => {
    const r = makeResolver({ policy: "weighted" }, set, seed).resolver;
    return Array.from({ length: 30 }, () => r.pick().id).join(",");
  };
  t.equal(run(5), run(5));
  const phases = new Set([1, 2, 3, 4, 5, 6, 7, 8].map(run));
  t.ok(phases.size > 1, "different seeds give different phases");
});

t.test("weighted: instanceWeight treats negative and non-finite weights as 0", async (t) => {
  t.equal(instanceWeight(inst(0, { weights: { passing: -1, warning: 1 } })), 0);
  t.equal(instanceWeight(inst(0, { weights: { passing: Number.NaN, warning: 1 } })), 0);
  t.equal(instanceWeight(inst(0, { weights: { passing: Infinity, warning: 1 } })), 0);
  t.equal(instanceWeight(inst(0, { status: "critical", weights: { passing: 5, warning: 2 } })), 2);
});
