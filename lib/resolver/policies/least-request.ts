/**
 * `least-request` (the default): power of d choices on in-flight counts.
 * Samples `choiceCount` usable instances at random and takes the one with the
 * fewest requests in flight (Envoy's least-request with equal weights, gRFC
 * A48; Mitzenmacher: two choices are nearly as good as a full scan). Instance
 * weights are not used; use `weighted` for those.
 *
 * @module
 */
import type { Rng } from "../../util/rng.js";
import { ONE_DRAW_PAIR_SET_MAX } from "../limits.js";
import type { EndpointView, Policy } from "./policy.js";

/** Power-of-d-choices on in-flight requests. */
export class LeastRequestPolicy implements Policy {
  private readonly rng: Rng;
  private readonly choiceCount: number;
  private usable: Int32Array = new Int32Array(0);
  private inflight: Float64Array = new Float64Array(0);

  /** @param choiceCount - candidates per pick, already clamped to [2, 10]. */
  constructor(rng: Rng, choiceCount: number) {
    this.rng = rng;
    this.choiceCount = choiceCount;
  }

  rebuild(view: EndpointView): void {
    this.usable = view.usable;
    this.inflight = view.inflight;
  }

  pick(): number {
    const usable = this.usable;
    const n = usable.length;
    if (n === 1) return usable[0]!;
    const rng = this.rng;
    const inflight = this.inflight;
    // Two distinct candidates: with two instances, sampling with replacement
    // would compare an instance with itself half the time.
    let first: number;
    let second: number;
    if (n <= ONE_DRAW_PAIR_SET_MAX) {
      const pair = rng.int(n * (n - 1));
      first = Math.floor(pair / (n - 1));
      second = pair - first * (n - 1);
    } else {
      first = rng.int(n);
      second = rng.int(n - 1);
    }
    if (second >= first) second++;
    let best = usable[first]!;
    let candidate = usable[second]!;
    if (inflight[candidate]! < inflight[best]!) best = candidate;
    for (let k = 2; k < this.choiceCount; k++) {
      candidate = usable[rng.int(n)]!;
      if (inflight[candidate]! < inflight[best]!) best = candidate;
    }
    return best;
  }

  complete(): void {}
}
