/**
 * Time, injected. Pure cores read time only through a {@link Clock} so a
 * simulation can run a whole cluster from one seed without sleeping.
 *
 * @module
 */

/** A source of the current time in milliseconds. */
export interface Clock {
  /** Milliseconds on a monotonic-enough scale; only differences are meaningful. */
  nowMs(): number;
}

/** The real clock, monotonic (performance.now based, offset to the epoch at start). */
export const systemClock: Clock = {
  nowMs: () => performance.timeOrigin + performance.now(),
};

/** A clock moved by hand, for tests and the simulator. */
export class ManualClock implements Clock {
  private now: number;
  constructor(startMs = 0) {
    this.now = startMs;
  }
  nowMs(): number {
    return this.now;
  }
  /** Moves time forward by `ms` (never backwards). */
  advance(ms: number): void {
    if (ms < 0) throw new RangeError("a clock never goes backwards");
    this.now += ms;
  }
}
