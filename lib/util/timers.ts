/**
 * Timers, injected. Drivers schedule through a {@link Timers} so tests can
 * run them on a manual clock, and so every real timer is unref'd: the library
 * never keeps the host's event loop alive on its own.
 *
 * @module
 */
import type { Clock } from "./clock.js";

/** An opaque handle to a scheduled callback. */
export interface TimerHandle {
  /** Cancels the callback if it has not run yet. */
  cancel(): void;
}

/** Schedules callbacks. Callbacks must not throw; a throw is caught and reported to `onError`. */
export interface Timers extends Clock {
  /** Runs `fn` once after `ms` milliseconds. */
  after(ms: number, fn: () => void): TimerHandle;
}

/**
 * Real timers on the system clock, unref'd so they never hold the process open.
 * @param onError - receives anything a callback throws (the host never sees it).
 */
export function realTimers(onError: (err: unknown) => void = () => {}): Timers {
  return {
    nowMs: () => performance.timeOrigin + performance.now(),
    after(ms, fn) {
      const t = setTimeout(() => {
        try {
          fn();
        } catch (err) {
          onError(err);
        }
      }, Math.max(0, ms));
      t.unref();
      return { cancel: () => clearTimeout(t) };
    },
  };
}

interface Pending {
  at: number;
  seq: number;
  fn: () => void;
  cancelled: boolean;
}

/**
 * Timers on a manual clock, for tests and the simulator: nothing runs until
 * {@link ManualTimers.advance} moves time past it. Callbacks run in time order,
 * ties in scheduling order.
 */
export class ManualTimers implements Timers {
  private now: number;
  private seq = 0;
  private pending: Pending[] = [];

  constructor(startMs = 0) {
    this.now = startMs;
  }

  nowMs(): number {
    return this.now;
  }

  after(ms: number, fn: () => void): TimerHandle {
    const p: Pending = { at: this.now + Math.max(0, ms), seq: this.seq++, fn, cancelled: false };
    this.pending.push(p);
    return { cancel: () => void (p.cancelled = true) };
  }

  /** Number of callbacks still scheduled. */
  get size(): number {
    return this.pending.filter((p) => !p.cancelled).length;
  }

  /** Moves time forward by `ms`, running every callback that falls due, in order. */
  advance(ms: number): void {
    if (ms < 0) throw new RangeError("time never goes backwards");
    const target = this.now + ms;
    for (;;) {
      let next: Pending | undefined;
      for (const p of this.pending) {
        if (p.cancelled || p.at > target) continue;
        if (!next || p.at < next.at || (p.at === next.at && p.seq < next.seq)) next = p;
      }
      if (!next) break;
      this.pending.splice(this.pending.indexOf(next), 1);
      this.now = next.at;
      next.fn();
    }
    this.pending = this.pending.filter((p) => !p.cancelled);
    this.now = target;
  }
}
