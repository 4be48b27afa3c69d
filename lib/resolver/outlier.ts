/**
 * Outlier ejection by consecutive failures, as Envoy's `consecutive_5xx` and
 * gRPC's outlier detection (gRFC A50): an instance that fails
 * `consecutiveFailures` times in a row is left out of picks for
 * `baseEjectionMs × times ejected` (capped at `maxEjectionMs`), and never more
 * than `maxEjectionPercent` of the set (at least one) is out at once.
 *
 * Pure: time comes in as arguments. State is kept per position in the
 * resolver's endpoint table and carried across set changes by `remap`.
 *
 * @module
 */

/** Outlier-ejection settings, all durations in milliseconds. */
export interface OutlierOptions {
  /** Failures in a row (with no success between) that eject an instance. @defaultValue 5 (Envoy `consecutive_5xx`) */
  consecutiveFailures: number;
  /**
   * Ejection time for a first ejection; the n-th ejection lasts n times this.
   * @defaultValue 30000 (Envoy and gRFC A50 `base_ejection_time`)
   */
  baseEjectionMs: number;
  /** Longest single ejection, never below `baseEjectionMs`. @defaultValue 300000 (gRFC A50 `max_ejection_time`) */
  maxEjectionMs: number;
  /**
   * Most instances out at once, as a percentage of the set, rounded down but
   * always allowing one: `max(1, floor(n × maxEjectionPercent / 100))`. Keeps a
   * fault in the client (which fails every call) from ejecting the whole set.
   * @defaultValue 10 (Envoy and gRFC A50)
   */
  maxEjectionPercent: number;
  /**
   * Each full interval an instance spends back in service takes one off its
   * ejection multiplier, so an old fault stops lengthening new ejections
   * (gRFC A50 decrements it per sweep interval). @defaultValue 10000 (gRFC A50 `interval`)
   */
  intervalMs: number;
}

/** The defaults; see each field of {@link OutlierOptions} for its anchor. */
export const OUTLIER_DEFAULTS: Readonly<OutlierOptions> = Object.freeze({
  consecutiveFailures: 5,
  baseEjectionMs: 30_000,
  maxEjectionMs: 300_000,
  maxEjectionPercent: 10,
  intervalMs: 10_000,
});

/** Ejection state of every instance of one resolver, by position in its endpoint table. */
export class OutlierDetector {
  private readonly options: Readonly<OutlierOptions>;
  private size = 0;
  /** Failures since the last success, per position. */
  private failures: Int32Array = new Int32Array(0);
  /** Ejection multiplier ("times ejected", decayed), per position. */
  private times: Int32Array = new Int32Array(0);
  /** End of the current ejection in ms, or NaN when in service. */
  private until: Float64Array = new Float64Array(0);
  /** When the instance last came back into service (ms); NaN if never ejected. */
  private returnedAt: Float64Array = new Float64Array(0);
  private ejected = 0;
  private nextReturn = Number.POSITIVE_INFINITY;

  constructor(options: Readonly<OutlierOptions>) {
    this.options = options;
  }

  /** Instances out of service now. */
  get ejectedCount(): number {
    return this.ejected;
  }

  /** Earliest time (ms) an ejected instance comes back; +Infinity when none is out. */
  get nextReturnMs(): number {
    return this.nextReturn;
  }

  /** Whether the instance at `index` is out of service. */
  isEjected(index: number): boolean {
    return this.until[index] === this.until[index]; // not NaN
  }

  /** Times the instance at `index` has been ejected, after decay (the current multiplier). */
  multiplier(index: number): number {
    return this.times[index] ?? 0;
  }

  /**
   * Moves state to a new endpoint table of `size` positions.
   * @param moved - for each new position, the old position of the same instance, or -1 for a new one.
   */
  remap(size: number, moved: Int32Array): void {
    const failures = new Int32Array(size);
    const times = new Int32Array(size);
    const until = new Float64Array(size).fill(Number.NaN);
    const returnedAt = new Float64Array(size).fill(Number.NaN);
    for (let i = 0; i < size; i++) {
      const old = moved[i]!;
      if (old < 0) continue;
      failures[i] = this.failures[old]!;
      times[i] = this.times[old]!;
      until[i] = this.until[old]!;
      returnedAt[i] = this.returnedAt[old]!;
    }
    this.size = size;
    this.failures = failures;
    this.times = times;
    this.until = until;
    this.returnedAt = returnedAt;
    this.recount();
  }

  /** Records a success: the failure run of `index` ends. */
  success(index: number): void {
    this.failures[index] = 0;
  }

  /**
   * Records a failure of `index` at `nowMs`.
   * @returns true when this failure ejected the instance (the usable set changed).
   */
  failure(index: number, nowMs: number): boolean {
    const run = ++this.failures[index]!;
    if (run < this.options.consecutiveFailures || this.isEjected(index)) return false;
    if (this.ejected >= this.ejectionCap()) return false;
    const o = this.options;
    let times = this.times[index]!;
    const back = this.returnedAt[index]!;
    if (times > 0 && back === back) times = Math.max(0, times - Math.floor((nowMs - back) / o.intervalMs));
    times++;
    const until = nowMs + Math.min(o.baseEjectionMs * times, o.maxEjectionMs);
    this.times[index] = times;
    this.until[index] = until;
    this.failures[index] = 0;
    this.ejected++;
    if (until < this.nextReturn) this.nextReturn = until;
    return true;
  }

  /**
   * Brings back every instance whose ejection has ended by `nowMs`.
   * @returns true when any came back (the usable set changed).
   */
  returnDue(nowMs: number): boolean {
    if (nowMs < this.nextReturn) return false;
    for (let i = 0; i < this.size; i++) {
      const until = this.until[i]!;
      if (until <= nowMs) {
        this.until[i] = Number.NaN;
        this.returnedAt[i] = nowMs;
        this.failures[i] = 0;
      }
    }
    this.recount();
    return true;
  }

  /** The most instances that may be out at once for the current set. */
  ejectionCap(): number {
    return Math.max(1, Math.floor((this.size * this.options.maxEjectionPercent) / 100));
  }

  private recount(): void {
    let ejected = 0;
    let next = Number.POSITIVE_INFINITY;
    for (let i = 0; i < this.size; i++) {
      const until = this.until[i]!;
      if (until !== until) continue;
      ejected++;
      if (until < next) next = until;
    }
    this.ejected = ejected;
    this.nextReturn = next;
  }
}
