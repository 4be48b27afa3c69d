/**
 * `weighted`: weighted round robin in earliest-deadline-first order, as
 * gRPC's weighted_round_robin scheduler (gRFC A58) and Envoy's weighted schedule.
 *
 * Each instance's weight is Consul's `weights.passing` while passing and
 * `weights.warning` otherwise (Consul defines no critical weight; critical
 * instances only reach a pick in panic mode). An instance of weight w is due
 * every 1/w, starting at a random phase in [0, 1/w) so that clients do not
 * march in step; the instance due soonest is picked. Weight-0 instances are
 * skipped unless every weight is 0, in which case all count equally.
 *
 * With integer weights (Consul's) whose sum, divided by their common divisor,
 * is at most {@link WEIGHTED_SCHEDULE_MAX}, one period of that order is laid
 * out once per rebuild (each instance exactly w times per Σw picks) and a
 * pick is one array read. Otherwise the deadlines live in a binary heap and a
 * pick costs O(log n).
 *
 * @module
 */
import type { Rng } from "../../util/rng.js";
import type { Instance } from "../instance.js";
import type { EndpointView, Policy } from "./policy.js";

/**
 * Longest precomputed schedule (entries; 4 bytes each, so 64 KiB). Covers
 * Consul-style small integer weights on sets of hundreds of instances;
 * larger or fractional weight sums use the heap instead.
 */
export const WEIGHTED_SCHEDULE_MAX = 16_384;

/** The weight `weighted` gives an instance: by status; negative or non-finite counts as 0. */
export function instanceWeight(instance: Instance): number {
  const w = instance.status === "passing" ? instance.weights.passing : instance.weights.warning;
  return w > 0 && w < Number.POSITIVE_INFINITY ? w : 0;
}

/** Earliest-deadline-first weighted round robin. */
export class WeightedPolicy implements Policy {
  private readonly rng: Rng;
  /** One period of picks (endpoint positions), or empty when the heap is in use. */
  private schedule: Int32Array = new Int32Array(0);
  private cursor = 0;
  /** Heap of due times (in units of 1 / weight), min first; parallel to the arrays below. */
  private heapDeadline: Float64Array = new Float64Array(0);
  /** Entry number of each heap slot (ties go to the lower entry, for determinism). */
  private heapEntry: Int32Array = new Int32Array(0);
  /** Endpoint position of each entry. */
  private target: Int32Array = new Int32Array(0);
  /** 1 / weight of each entry. */
  private period: Float64Array = new Float64Array(0);

  constructor(rng: Rng) {
    this.rng = rng;
  }

  rebuild(view: EndpointView): void {
    const { positions, weights } = weighted(view);
    const phases = weights.map((w) => this.rng.float() / w);
    const length = scheduleLength(weights);
    if (length > 0) {
      this.schedule = layOut(positions, weights, phases, length);
      this.cursor = 0;
      this.heapDeadline = new Float64Array(0);
      return;
    }
    this.schedule = new Int32Array(0);
    const n = positions.length;
    this.target = Int32Array.from(positions);
    this.period = Float64Array.from(weights, (w) => 1 / w);
    this.heapDeadline = Float64Array.from(phases);
    this.heapEntry = Int32Array.from(positions.keys());
    for (let i = (n >> 1) - 1; i >= 0; i--) this.siftDown(i);
  }

  pick(): number {
    const schedule = this.schedule;
    if (schedule.length > 0) {
      let cursor = this.cursor;
      const position = schedule[cursor]!;
      if (++cursor === schedule.length) cursor = 0;
      this.cursor = cursor;
      return position;
    }
    const entry = this.heapEntry[0]!;
    this.heapDeadline[0] += this.period[entry]!;
    this.siftDown(0);
    return this.target[entry]!;
  }

  complete(): void {}

  private siftDown(from: number): void {
    const deadline = this.heapDeadline;
    const entries = this.heapEntry;
    const n = entries.length;
    const d = deadline[from]!;
    const e = entries[from]!;
    let i = from;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= n) break;
      const right = child + 1;
      if (right < n && (deadline[right]! < deadline[child]! || (deadline[right] === deadline[child] && entries[right]! < entries[child]!))) {
        child = right;
      }
      const dc = deadline[child]!;
      if (dc > d || (dc === d && entries[child]! > e)) break;
      deadline[i] = dc;
      entries[i] = entries[child]!;
      i = child;
    }
    deadline[i] = d;
    entries[i] = e;
  }
}

/** The usable positions with weight > 0 and their weights; all at weight 1 when every weight is 0. */
function weighted(view: EndpointView): { positions: number[]; weights: number[] } {
  const positions: number[] = [];
  const weights: number[] = [];
  for (const position of view.usable) {
    const w = instanceWeight(view.instances[position]!);
    if (w > 0) {
      positions.push(position);
      weights.push(w);
    }
  }
  if (positions.length > 0) return { positions, weights };
  return { positions: [...view.usable], weights: Array.from(view.usable, () => 1) };
}

/** Σw / gcd(w) when every weight is an integer and that fits the schedule, else 0 (use the heap). */
function scheduleLength(weights: number[]): number {
  let divisor = 0;
  for (const w of weights) {
    if (!Number.isInteger(w)) return 0;
    divisor = gcd(divisor, w);
  }
  let sum = 0;
  for (const w of weights) sum += w / divisor;
  return sum <= WEIGHTED_SCHEDULE_MAX ? sum : 0;
}

/**
 * One period of EDF order: instance i is due at (phase_i + j / w_i) for
 * j < w_i, computed directly (no accumulated rounding) so each instance
 * appears exactly w_i / gcd times; sorted by due time, ties to the lower entry.
 */
function layOut(positions: number[], weights: number[], phases: number[], length: number): Int32Array {
  let divisor = 0;
  for (const w of weights) divisor = gcd(divisor, w);
  const due = new Float64Array(length);
  const entry = new Int32Array(length);
  let k = 0;
  for (let i = 0; i < positions.length; i++) {
    const count = weights[i]! / divisor;
    for (let j = 0; j < count; j++) {
      due[k] = phases[i]! + j / weights[i]!;
      entry[k] = i;
      k++;
    }
  }
  const order = Array.from({ length }, (_, i) => i);
  order.sort((a, b) => due[a]! - due[b]! || entry[a]! - entry[b]!);
  return Int32Array.from(order, (slot) => positions[entry[slot]!]!);
}

function gcd(a: number, b: number): number {
  while (b !== 0) {
    const r = a % b;
    a = b;
    b = r;
  }
  return a;
}
