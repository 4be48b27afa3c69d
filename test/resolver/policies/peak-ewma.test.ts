import t from "tap";
import { inst, insts, makeResolver } from "../helpers.js";
import type { PolicyName } from "../../../lib/resolver/options.js";
import { PeakEwmaPolicy } from "../../../lib/resolver/policies/peak-ewma.js";
import { PEAK_EWMA_PENALTY } from "../../../lib/resolver/limits.js";
import { SeededRng } from "../../../lib/util/rng.js";
import type { Instance } from "../../../lib/resolver/instance.js";

/**
 * Linkerd's experiment in miniature (linkerd.io 2016-03-16): 11 backends, one
 * of them slow; a steady request stream; each request is picked, completes
 * after its backend's latency, and is reported. Returns the slow backend's share.
 */
function simulate(policy: PolicyName, seed: number): { slowShare: number; meanLatencyMs: number } {
  const { resolver, clock } = makeResolver({ policy, outlier: false }, insts(11), seed);
  const slow = "i3";
  const rng = new SeededRng(seed + 100);
  const pending: Array<{ at: number; instance: Instance; latency: number }> = [];
  const requests = 20_000;
  const gapMs = 2; // 500 requests per second
  let slowPicks = 0;
  let totalLatency = 0;
  const start = clock.nowMs();
  for (let k = 0; k < requests; k++) {
    const now = start + k * gapMs;
    pending.sort((a, b) => a.at - b.at);
    while (pending.length > 0 && pending[0]!.at <= now) {
      const done = pending.shift()!;
      clock.advance(done.at - clock.nowMs());
      resolver.report(done.instance, { ok: true, latencyMs: done.latency });
    }
    clock.advance(now - clock.nowMs());
    const picked = resolver.pick();
    const base = picked.id === slow ? 1000 : 20;
    const latency = base * (0.8 + 0.4 * rng.float());
    if (picked.id === slow) slowPicks++;
    totalLatency += latency;
    pending.push({ at: now + latency, instance: picked, latency });
  }
  return { slowShare: slowPicks / requests, meanLatencyMs: totalLatency / requests };
}

t.test("peak-ewma: moves load away from a slow backend, far below round-robin's share (Linkerd, 11 backends)", async (t) => {
  const rr = simulate("round-robin", 1);
  const ewma = simulate("peak-ewma", 1);
  t.ok(Math.abs(rr.slowShare - 1 / 11) < 0.001, `round-robin gives the slow backend 1/11: ${rr.slowShare.toFixed(4)}`);
  t.ok(ewma.slowShare < rr.slowShare / 10, `peak-ewma share ${ewma.slowShare.toFixed(4)} < a tenth of round-robin's`);
  t.ok(ewma.meanLatencyMs < rr.meanLatencyMs / 3, `mean latency ${ewma.meanLatencyMs.toFixed(1)} ms vs ${rr.meanLatencyMs.toFixed(1)} ms`);
  const lr = simulate("least-request", 1);
  t.ok(ewma.slowShare <= lr.slowShare, `peak-ewma ${ewma.slowShare.toFixed(4)} <= least-request ${lr.slowShare.toFixed(4)}`);
});

t.test("peak-ewma: the estimate jumps to a slower sample at once and decays with decayMs (Finagle PeakEwma)", async (t) => {
  const { resolver, clock } = makeResolver({ policy: "peak-ewma", decayMs: "10s" }, insts(2));
  const policy = (resolver as unknown as { policy: PeakEwmaPolicy }).policy;
  const [a, b] = resolver.instances() as [Instance, Instance];
  resolver.report(a, { ok: true, latencyMs: 10 });
  t.equal(policy.estimateMs(0), 10);
  resolver.report(a, { ok: true, latencyMs: 500 });
  t.equal(policy.estimateMs(0), 500, "peak: a slower sample replaces the estimate");
  clock.advance(10_000);
  resolver.report(b, { ok: true }); // any completion moves the policy's clock
  t.ok(Math.abs(policy.estimateMs(0) - 500 / Math.E) < 1e-6, `after decayMs it is 1/e of the peak: ${policy.estimateMs(0)}`);
  clock.advance(1000);
  resolver.report(a, { ok: true, latencyMs: 100 });
  const w = Math.exp(-0.1);
  t.ok(Math.abs(policy.estimateMs(0) - ((500 / Math.E) * w + 100 * (1 - w))) < 1e-6, "a faster sample blends in by exp(-Δt/τ)");
});

t.test("peak-ewma: a new instance is tried first, and penalised while its first request is out", async (t) => {
  const rng = new SeededRng(3);
  const policy = new PeakEwmaPolicy(rng, 10_000);
  const inflight = new Float64Array(2);
  const view = { instances: [inst(0), inst(1)], keys: ["a", "b"], inflight, usable: Int32Array.of(0, 1) };
  policy.rebuild(view, Int32Array.of(-1, -1));
  policy.complete(0, 50, 1000); // 0 has history (50 ms); 1 has none
  t.equal(policy.pick(), 1, "no history and nothing in flight costs 0: the new instance is probed");
  inflight[1] = 1;
  t.equal(policy.pick(), 0, "with a request out and no history it costs the penalty");
  t.ok(PEAK_EWMA_PENALTY > 1e6);
  inflight[0] = 3;
  policy.rebuild(view, Int32Array.of(0, 1)); // state follows the instances
  t.equal(policy.estimateMs(0), 50);
});

t.test("peak-ewma: large sets draw two candidates separately and avoid the instance with requests out", async (t) => {
  const { resolver } = makeResolver({ policy: "peak-ewma", outlier: false }, insts(5000));
  // No history: an instance with a request out costs the penalty, so it is taken only when both candidates have one.
  for (let i = 0; i < 5000; i++) resolver.pick();
  const counts = resolver.instances().map((i) => resolver.stats(i)!.inFlight);
  t.ok(Math.max(...counts) <= 3, `max in flight ${Math.max(...counts)}`);
});
