import t from "tap";
import { RESOLVER_DEFAULTS, resolveResolverOptions, POLICY_NAMES } from "../../lib/resolver/options.js";
import { OUTLIER_DEFAULTS } from "../../lib/resolver/outlier.js";

t.test("options: defaults are least-request, passing only, outlier on, gRPC/Envoy/Finagle parameters", async (t) => {
  const o = resolveResolverOptions(undefined);
  t.same(o, { ...RESOLVER_DEFAULTS, tag: undefined, dc: undefined });
  t.equal(o.policy, "least-request");
  t.equal(o.passingOnly, true);
  t.equal(o.outlier, OUTLIER_DEFAULTS);
  t.same([o.choiceCount, o.decayMs, o.ringSizeMin, o.ringSizeMax, o.maglevTableSize, o.panicThresholdPercent], [2, 10_000, 1024, 4096, 65537, 50]);
  t.ok(Object.isFrozen(o));
  t.same(resolveResolverOptions({}), o);
});

t.test("options: every policy name is accepted; an unknown one is refused naming the field", async (t) => {
  for (const p of POLICY_NAMES) t.equal(resolveResolverOptions({ policy: p }).policy, p);
  t.throws(() => resolveResolverOptions({ policy: "fastest" }), { name: "InvalidArgumentError", field: "policy" });
  t.throws(() => resolveResolverOptions({ policy: 3 }), { name: "InvalidArgumentError", field: "policy" });
});

t.test("options: durations take ms or Consul strings; values and tags are kept", async (t) => {
  const o = resolveResolverOptions({
    tag: "v2", dc: "dc2", passingOnly: false, decayMs: "5s",
    outlier: { baseEjectionMs: "1m", maxEjectionMs: 10_000, consecutiveFailures: 3, maxEjectionPercent: 25, intervalMs: "2s" },
  });
  t.equal(o.tag, "v2");
  t.equal(o.dc, "dc2");
  t.equal(o.passingOnly, false);
  t.equal(o.decayMs, 5000);
  t.same(o.outlier, { baseEjectionMs: 60_000, maxEjectionMs: 60_000, consecutiveFailures: 3, maxEjectionPercent: 25, intervalMs: 2000 },
    "maxEjectionMs never undercuts the base (gRFC A50)");
  t.equal(resolveResolverOptions({ outlier: false }).outlier, false);
  t.same(resolveResolverOptions({ outlier: {} }).outlier, OUTLIER_DEFAULTS);
});

t.test("options: choiceCount is clamped to [2, 10] (gRFC A48), but must be an integer", async (t) => {
  t.equal(resolveResolverOptions({ choiceCount: 1 }).choiceCount, 2);
  t.equal(resolveResolverOptions({ choiceCount: 50 }).choiceCount, 10);
  t.equal(resolveResolverOptions({ choiceCount: 4 }).choiceCount, 4);
  t.throws(() => resolveResolverOptions({ choiceCount: 2.5 }), { name: "InvalidArgumentError", field: "choiceCount" });
  t.throws(() => resolveResolverOptions({ choiceCount: "2" }), { name: "InvalidArgumentError", field: "choiceCount" });
});

t.test("options: ring sizes are integers within 1..8M with min ≤ max (gRFC A42)", async (t) => {
  t.same([resolveResolverOptions({ ringSizeMin: 8192 }).ringSizeMin, resolveResolverOptions({ ringSizeMin: 8192 }).ringSizeMax], [8192, 8192]);
  t.throws(() => resolveResolverOptions({ ringSizeMin: 0 }), { name: "InvalidArgumentError", field: "ringSizeMin" });
  t.throws(() => resolveResolverOptions({ ringSizeMax: 9_000_000 }), { name: "InvalidArgumentError", field: "ringSizeMax" });
  t.throws(() => resolveResolverOptions({ ringSizeMin: 100.5 }), { name: "InvalidArgumentError", field: "ringSizeMin" });
  t.throws(() => resolveResolverOptions({ ringSizeMin: 2000, ringSizeMax: 1000 }), { name: "InvalidArgumentError", field: "ringSizeMin" });
});

t.test("options: maglevTableSize must be a prime up to 5000011 (Envoy)", async (t) => {
  t.equal(resolveResolverOptions({ maglevTableSize: 251 }).maglevTableSize, 251);
  t.equal(resolveResolverOptions({ maglevTableSize: 5_000_011 }).maglevTableSize, 5_000_011);
  for (const bad of [65536, 1, 9, 5_000_012, 2.5]) {
    t.throws(() => resolveResolverOptions({ maglevTableSize: bad }), { name: "InvalidArgumentError", field: "maglevTableSize" }, String(bad));
  }
});

t.test("options: wrong types and ranges are refused naming the field; nothing is half-applied", async (t) => {
  const cases: Array<[unknown, string]> = [
    [5, "options"],
    [[], "options"],
    [{ tag: 1 }, "tag"],
    [{ tag: "" }, "tag"],
    [{ dc: null }, "dc"],
    [{ passingOnly: "yes" }, "passingOnly"],
    [{ decayMs: 0 }, "decayMs"],
    [{ decayMs: "soon" }, "decayMs"],
    [{ decayMs: -1 }, "decayMs"],
    [{ panicThresholdPercent: 101 }, "panicThresholdPercent"],
    [{ panicThresholdPercent: Number.NaN }, "panicThresholdPercent"],
    [{ outlier: true }, "outlier"],
    [{ outlier: { consecutiveFailures: 0 } }, "outlier.consecutiveFailures"],
    [{ outlier: { maxEjectionPercent: 150 } }, "outlier.maxEjectionPercent"],
    [{ outlier: { baseEjectionMs: "x" } }, "outlier.baseEjectionMs"],
    [{ outlier: { intervalMs: 0 } }, "outlier.intervalMs"],
    [{ outlier: { failures: 3 } }, "outlier.failures"],
    [{ polcy: "random" }, "polcy"],
  ];
  for (const [input, field] of cases) {
    t.throws(() => resolveResolverOptions(input), { name: "InvalidArgumentError", field }, JSON.stringify(input) ?? String(input));
  }
});
