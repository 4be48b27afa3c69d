/**
 * Quiescence (consul-template's `wait = "min:max"`): after a change, fire once
 * changes have settled for `minMs`, but never later than `maxMs` after the
 * first change of the burst, so a flapping service cannot postpone a render
 * for ever.
 *
 * @module
 */
import { InvalidConfigError } from "../util/errors.js";
import type { TimerHandle, Timers } from "../util/timers.js";

/** Quiescence bounds in ms. */
export interface WaitBounds {
  /** Quiet time a burst of changes must end with. 0 fires at once (on the next turn). */
  minMs: number;
  /** Longest delay after the first change of a burst. @defaultValue 4 × minMs (consul-template's) */
  maxMs?: number;
}

/**
 * Validates wait bounds and fills `maxMs`.
 * @throws InvalidConfigError naming `field`.
 */
export function resolveWait(wait: WaitBounds | undefined, field = "wait"): { minMs: number; maxMs: number } {
  if (wait === undefined) return { minMs: 0, maxMs: 0 };
  const { minMs, maxMs } = wait;
  if (typeof minMs !== "number" || !Number.isFinite(minMs) || minMs < 0) {
    throw new InvalidConfigError(`${field}.minMs`, "must be a number of ms >= 0");
  }
  const max = maxMs ?? minMs * 4;
  if (typeof max !== "number" || !Number.isFinite(max) || max < minMs) {
    throw new InvalidConfigError(`${field}.maxMs`, `must be a number of ms >= minMs (${minMs})`);
  }
  return { minMs, maxMs: max };
}

/** Coalesces bursts of changes into one call of `fire`. */
export class Quiescence {
  private minTimer: TimerHandle | undefined;
  private maxTimer: TimerHandle | undefined;

  constructor(private readonly timers: Timers, private readonly bounds: { minMs: number; maxMs: number }, private readonly fire: () => void) {}

  /** Whether a fire is scheduled. */
  get pending(): boolean {
    return this.minTimer !== undefined;
  }

  /** Notes a change. */
  poke(): void {
    this.minTimer?.cancel();
    this.minTimer = this.timers.after(this.bounds.minMs, () => this.trigger());
    this.maxTimer ??= this.timers.after(this.bounds.maxMs, () => this.trigger());
  }

  /** Drops a scheduled fire. */
  cancel(): void {
    this.minTimer?.cancel();
    this.maxTimer?.cancel();
    this.minTimer = undefined;
    this.maxTimer = undefined;
  }

  private trigger(): void {
    this.cancel();
    this.fire();
  }
}
