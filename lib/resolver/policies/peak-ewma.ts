/**
 * `peak-ewma`: power of two choices on Finagle's peak-EWMA cost (Finagle
 * `Balancers.p2cPeakEwma`, the balancer behind Linkerd's latency results).
 *
 * Per instance it keeps a latency estimate that jumps straight up to any
 * slower sample (peak-sensitive) and otherwise decays towards recent samples
 * with weight `exp(-Δt / decayMs)`. Load is `estimate × (inFlight + 1)`; an
 * instance with requests in flight and no latency yet costs a large penalty
 * plus its in-flight count. An idle estimate keeps decaying, so a slow
 * instance is tried again once its slowness is old.
 *
 * Time: the policy's clock advances with completions (`report()`), so `pick()`
 * reads no clock. A slow instance's estimate decays as soon as any other
 * request completes.
 *
 * @module
 */
import type { Rng } from "../../util/rng.js";
import { ONE_DRAW_PAIR_SET_MAX, PEAK_EWMA_PENALTY } from "../limits.js";
import type { EndpointView, Policy } from "./policy.js";

/** Power-of-two-choices on peak-EWMA latency × (in flight + 1). */
export class PeakEwmaPolicy implements Policy {
  private readonly rng: Rng;
  private readonly inverseDecayMs: number;
  private usable: Int32Array = new Int32Array(0);
  private inflight: Float64Array = new Float64Array(0);
  /** Latency estimate (ms) per position; 0 = no history. */
  private estimate: Float64Array = new Float64Array(0);
  /** When each estimate was last brought up to date (ms, the policy's clock). */
  private stamp: Float64Array = new Float64Array(0);
  /** The latest completion time seen: the policy's "now" (0 until the first completion). */
  private nowMs = 0;

  /** @param decayMs - time constant of the average (> 0). */
  constructor(rng: Rng, decayMs: number) {
    this.rng = rng;
    this.inverseDecayMs = 1 / decayMs;
  }

  rebuild(view: EndpointView, moved: Int32Array | null): void {
    this.usable = view.usable;
    this.inflight = view.inflight;
    if (moved === null) return;
    const estimate = new Float64Array(moved.length);
    const stamp = new Float64Array(moved.length).fill(this.nowMs);
    for (let i = 0; i < moved.length; i++) {
      const old = moved[i]!;
      if (old < 0) continue;
      estimate[i] = this.estimate[old]!;
      stamp[i] = this.stamp[old]!;
    }
    this.estimate = estimate;
    this.stamp = stamp;
  }

  pick(): number {
    const usable = this.usable;
    const n = usable.length;
    if (n === 1) return usable[0]!;
    let first: number;
    let second: number;
    if (n <= ONE_DRAW_PAIR_SET_MAX) {
      const pair = this.rng.int(n * (n - 1));
      first = Math.floor(pair / (n - 1));
      second = pair - first * (n - 1);
    } else {
      first = this.rng.int(n);
      second = this.rng.int(n - 1);
    }
    if (second >= first) second++;
    const a = usable[first]!;
    const b = usable[second]!;
    return this.load(b) < this.load(a) ? b : a;
  }

  complete(index: number, latencyMs: number, nowMs: number): void {
    if (nowMs > this.nowMs) this.nowMs = nowMs;
    if (latencyMs !== latencyMs) return;
    this.observe(index, latencyMs);
  }

  /** The estimate of `index` in ms (decayed to the policy's now); exposed for tests and diagnostics. */
  estimateMs(index: number): number {
    this.observe(index, 0);
    return this.estimate[index]!;
  }

  /** Finagle's `Cost.get()`: decay, then weigh by in-flight requests. */
  private load(index: number): number {
    // Already decayed to now (the common case between completions): skip the exp().
    if (this.stamp[index] !== this.nowMs) this.observe(index, 0);
    const estimate = this.estimate[index]!;
    const pending = this.inflight[index]!;
    return estimate === 0 && pending !== 0 ? PEAK_EWMA_PENALTY + pending : estimate * (pending + 1);
  }

  /** Finagle's `observe(rtt)`: peak up at once, otherwise decay towards `rtt`. */
  private observe(index: number, rtt: number): void {
    const estimate = this.estimate[index]!;
    const elapsed = this.nowMs - this.stamp[index]!;
    this.stamp[index] = this.nowMs;
    if (rtt > estimate) {
      this.estimate[index] = rtt;
    } else if (elapsed > 0) {
      const w = Math.exp(-elapsed * this.inverseDecayMs);
      this.estimate[index] = estimate * w + rtt * (1 - w);
    }
  }
}
