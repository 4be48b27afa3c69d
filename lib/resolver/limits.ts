/**
 * Named bounds of the resolver and its policies, each with the reason for its value.
 *
 * @module
 */

/** Fewest candidates a power-of-choices policy samples: one choice would be plain random (gRFC A48). */
export const CHOICE_COUNT_MIN = 2;

/** Most candidates a power-of-choices policy samples: more buys nothing measurable and costs per pick (gRFC A48). */
export const CHOICE_COUNT_MAX = 10;

/**
 * Largest hash ring accepted. gRPC rejects rings above 8M entries (gRFC A42):
 * beyond that the ring costs tens of MB per resolver and its build time shows.
 */
export const RING_SIZE_LIMIT = 8 * 1024 * 1024;

/** Largest Maglev lookup table accepted (Envoy's bound); each entry costs 4 bytes per resolver. */
export const MAGLEV_TABLE_SIZE_LIMIT = 5_000_011;

/**
 * Cost peak-EWMA gives an instance that has requests in flight but has never
 * reported a latency (Finagle's `Penalty`): far above any real latency in ms,
 * so such an instance is chosen only against one in the same state.
 */
export const PEAK_EWMA_PENALTY = 1e9;

/** Largest ejection percentage: a percentage of the instance set. */
export const PERCENT_MAX = 100;

/**
 * Largest set for which power-of-two-choices draws both candidates from one
 * random number (saving a draw per pick). One draw has 2^32 outcomes spread
 * over n × (n − 1) pairs, so pairs are uneven by at most n² / 2^32: 0.4% at
 * this size, 0.0001% at 64 instances. Larger sets use two draws.
 */
export const ONE_DRAW_PAIR_SET_MAX = 4096;
