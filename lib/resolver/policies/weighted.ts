/**
 * `weighted`: weighted round robin by earliest deadline first, as gRPC's
 * weighted_round_robin scheduler (gRFC A58) and Envoy's weighted schedule.
 *
 * Each instance's weight is Consul's `weights.passing` while passing and
 * `weights.warning` otherwise (Consul defines no critical weight; critical
 * instances only reach a pick in panic mode). An instance with weight w is
 * due every 1/w; the instance due soonest is picked and its deadline moved on.
 * Over n picks each instance gets w / Σw of them, give or take about one.
 * Deadlines start at a random phase in [0, 1/w) so clients do not march in
 * step. Weight-0 instances are skipped unless every weight is 0, in which
 * case all count equally.
 *
 * @module
 */
import type { Rng } from "../../util/rng.js";
import type { Instance } from "../instance.js";
import type { EndpointView, Policy } from "./policy.js";

/** The weight `weighted` gives an instance: by status, non-finite or negative counts as 0. */
export function instanceWeight(instance: Instance): number {
  const w = instance.status === "passing" ? instance.weights.passing : instance.weights.warning;
  return w > 0 && w < Number.POSITIVE_INFINITY ? w : 0;
}

/** Earliest-deadline-first weighted round robin over a binary min-heap. */
export class WeightedPolicy implements Policy {
  private readonly rng: Rng;
  /** Heap of entry numbers, ordered by deadline then entry number. */
  private heap: Int32Array = new Int32Array(0);
  /** Endpoint position of each entry. */
  private target: Int32Array = new Int32Array(0);
  /** Next due time of each entry, in units of 1 / weight. */
  private deadline: Float64Array = new Float64Array(0);
  /** 1 / weight of each entry. */
  private period: Float64Array = new Float64Array(0);

  constructor(rng: Rng) {
    this.rng = rng;
  }

  rebuild(view: EndpointView): void {
    const usable = view.usable;
    let count = 0;
    for (let i = 0; i < usable.length; i++) if (instanceWeight(view.instances[usable[i]!]!) > 0) count++;
    const equal = count === 0;
    if (equal) count = usable.length;
    this.heap = new Int32Array(count);
    this.target = new Int32Array(count);
    this.deadline = new Float64Array(count);
    this.period = new Float64Array(count);
    let e = 0;
    for (let i = 0; i < usable.length; i++) {
      const position = usable[i]!;
      const weight = equal ? 1 : instanceWeight(view.instances[position]!);
      if (weight <= 0) continue;
      this.target[e] = position;
      this.period[e] = 1 / weight;
      this.deadline[e] = this.rng.float() / weight;
      this.heap[e] = e;
      e++;
    }
    for (let i = (count >> 1) - 1; i >= 0; i--) this.siftDown(i);
  }

  pick(): number {
    const top = this.heap[0]!;
    this.deadline[top] += this.period[top]!;
    this.siftDown(0);
    return this.target[top]!;
  }

  complete(): void {}

  private siftDown(from: number): void {
    const heap = this.heap;
    const n = heap.length;
    const item = heap[from]!;
    let i = from;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= n) break;
      if (child + 1 < n && this.before(heap[child + 1]!, heap[child]!)) child++;
      if (!this.before(heap[child]!, item)) break;
      heap[i] = heap[child]!;
      i = child;
    }
    heap[i] = item;
  }

  /** Whether entry `a` is due before entry `b`; ties go to the lower entry, for determinism. */
  private before(a: number, b: number): boolean {
    const da = this.deadline[a]!;
    const db = this.deadline[b]!;
    return da < db || (da === db && a < b);
  }
}
