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

t.test("weighted: fractional or very large weights use the EDF heap and stay proportional", async (t) => {
  const fractional = [0.5, 1.5, 3].map((w, n) => inst(n, { weights: { passing: w, warning: 1 } }));
  const c1 = tally(makeResolver({ policy: "weighted" }, fractional).resolver, 5000);
  t.ok(Math.abs((c1.get("i0") ?? 0) - 500) <= 2 && Math.abs((c1.get("i1") ?? 0) - 1500) <= 2 && Math.abs((c1.get("i2") ?? 0) - 3000) <= 2,
    `0.5 : 1.5 : 3 → ${[...c1.values()].join(" : ")}`);
  const large = [10_000, 10_001, 30_000].map((w, n) => inst(n, { weights: { passing: w, warning: 1 } }));
  const c2 = tally(makeResolver({ policy: "weighted" }, large).resolver, 50_001);
  t.ok(Math.abs((c2.get("i2") ?? 0) - 30_000) <= 2, `heavy instance ${c2.get("i2")} of 50,001`);
});

t.test("weighted: a precomputed period gives each instance exactly its weight per Σw picks, interleaved", async (t) => {
  const set = [2, 4, 6].map((w, n) => inst(n, { weights: { passing: w, warning: 1 } }));
  const { resolver } = makeResolver({ policy: "weighted" }, set, 9);
  const period = Array.from({ length: 6 }, () => resolver.pick().id); // gcd 2: period 1 + 2 + 3
  t.same([...period].sort(), ["i0", "i1", "i1", "i2", "i2", "i2"]);
  t.same(Array.from({ length: 6 }, () => resolver.pick().id), period, "the period repeats");
  let longestRun = 0;
  for (let i = 0, run = 0; i < period.length; i++) longestRun = Math.max(longestRun, (run = period[i] === period[i - 1] ? run + 1 : 1));
  t.ok(longestRun <= 2, `smooth: ${period.join(",")}`);
});
