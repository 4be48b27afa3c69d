/**
 * The protocol's formulas, pinned as memberlist computes them (not as its doc
 * comments state them), so tests can hold them to exact values.
 *
 * @module
 */

/**
 * Minimum suspicion timeout: suspicionMult · max(1, log10(max(1, n))) · probeInterval.
 * memberlist's doc comment says log(n+1); its code uses this, and so do we.
 * Truncated to whole milliseconds after scaling the node factor to 1/1000 as memberlist does.
 * @param n - estimated number of members (alive or suspect, self included).
 */
export function suspicionTimeoutMs(suspicionMult: number, n: number, probeIntervalMs: number): number {
  const nodeScale = Math.max(1, Math.log10(Math.max(1, n)));
  return Math.floor((suspicionMult * Math.floor(nodeScale * 1000) * probeIntervalMs) / 1000);
}

/**
 * Confirmations Lifeguard waits for before the suspicion timeout reaches its
 * minimum: suspicionMult − 2, or 0 when fewer than that many other members
 * could confirm (n − 2 < k), in which case the timeout is the minimum at once.
 */
export function suspicionConfirmationsK(suspicionMult: number, n: number): number {
  const k = suspicionMult - 2;
  return n - 2 < k || k < 0 ? 0 : k;
}

/**
 * Lifeguard §IV-B dynamic suspicion: time left on a suspicion timer after
 * `confirmations` independent confirmations and `elapsedMs` since it started.
 * timeout = max − (log(c + 1) / log(k + 1)) · (max − min), floored to ms, never below min.
 * With k < 1 the timeout is min from the start. May be negative (already due).
 */
export function remainingSuspicionMs(
  confirmations: number,
  k: number,
  elapsedMs: number,
  minMs: number,
  maxMs: number,
): number {
  if (k < 1) return minMs - elapsedMs;
  const frac = Math.log(confirmations + 1) / Math.log(k + 1);
  const raw = maxMs - frac * (maxMs - minMs);
  const timeout = Math.max(minMs, Math.floor(raw));
  return timeout - elapsedMs;
}

/**
 * How many times a broadcast is sent before it is dropped:
 * retransmitMult · ceil(log10(n + 1)), where n counts members (self included).
 */
export function retransmitLimit(retransmitMult: number, n: number): number {
  return retransmitMult * Math.ceil(Math.log10(n + 1));
}

/** Cluster size up to which the push-pull interval is not scaled (memberlist's pushPullScaleThreshold). */
export const PUSH_PULL_SCALE_THRESHOLD = 32;

/**
 * The push-pull interval for a cluster of n: unscaled up to 32 members, then
 * multiplied by ceil(log2 n − log2 32) + 1, so full-state traffic per member stays flat
 * as the cluster grows (memberlist's pushPullScale).
 */
export function pushPullIntervalScaledMs(intervalMs: number, n: number): number {
  if (n <= PUSH_PULL_SCALE_THRESHOLD) return intervalMs;
  const multiplier = Math.ceil(Math.log2(n) - Math.log2(PUSH_PULL_SCALE_THRESHOLD)) + 1;
  return multiplier * intervalMs;
}
