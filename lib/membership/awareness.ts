/**
 * Lifeguard's local health multiplier (LHM, §IV-A): a node that misses acks
 * and nacks is more likely slow itself than surrounded by dead peers, so it
 * stretches its own probe interval and timeout instead of accusing others.
 *
 * @module
 */

/** Score deltas, named after the events that cause them (memberlist awareness.go, state.go). */
export const AWARENESS_DELTA = Object.freeze({
  /** A probe was answered (directly or indirectly): we look healthy. */
  probeSucceeded: -1,
  /** A probe failed and no nacks were expected: a crude health signal. */
  probeFailedNoNacksExpected: 1,
  /** We had to refute a suspicion about ourselves: others could not hear us. */
  refutedSuspicion: 1,
});

/** A saturating score in [0, max − 1]; timeouts are multiplied by score + 1. */
export class Awareness {
  private score = 0;

  /** @param max - awarenessMaxMultiplier; the score never reaches it. */
  constructor(private readonly max: number) {}

  /** Current score, 0 when healthy. */
  get value(): number {
    return this.score;
  }

  /** Adds `delta` and clamps to [0, max − 1]. */
  apply(delta: number): void {
    this.score = Math.min(this.max - 1, Math.max(0, this.score + delta));
  }

  /** `ms · (score + 1)`: the Lifeguard-stretched version of a base timeout. */
  scale(ms: number): number {
    return ms * (this.score + 1);
  }
}

/**
 * Score delta for a failed probe: one per expected nack that did not come, or
 * +1 when no nacks were expected (memberlist probeNode's closing rule).
 */
export function missedProbeDelta(expectedNacks: number, nacksReceived: number): number {
  if (expectedNacks === 0) return AWARENESS_DELTA.probeFailedNoNacksExpected;
  return Math.max(0, expectedNacks - nacksReceived);
}
