/**
 * Bounds and defaults of health checks, each with the reason for its value.
 *
 * @module
 */

/**
 * Shortest run interval of an HTTP, TCP or function check. Faster probing adds
 * load on the probed service and churn in the catalog without detecting
 * failures any sooner than the agent can propagate them.
 */
export const CHECK_INTERVAL_MS_MIN = 100;

/** Per-run timeout when none is given, as Consul's default (10 s). */
export const CHECK_TIMEOUT_MS_DEFAULT = 10_000;

/**
 * Longest interval, timeout or TTL: the largest delay `setTimeout` honours
 * (2^31 − 1 ms, about 24.8 days). Longer delays fire at once in Node, which
 * would turn a long TTL into an instant expiry.
 */
export const CHECK_TIMER_MS_MAX = 2 ** 31 - 1;

/** Longest `notes` text; notes are shown by UIs, not parsed, and ride in every health answer. */
export const CHECK_NOTES_LENGTH_MAX = 1024;

/** Most values for one HTTP header name; more is a configuration mistake. */
export const CHECK_HEADER_VALUES_MAX = 32;

/** Most distinct HTTP header names on one check; each is sent on every run. */
export const CHECK_HEADERS_COUNT_MAX = 64;

/** Largest HTTP request body sent by a check; health probes are not uploads. */
export const CHECK_BODY_BYTES_MAX = 64 * 1024;

/** Longest HTTP URL or TCP address of a check; 2048 is the longest URL that every common server accepts. */
export const CHECK_TARGET_LENGTH_MAX = 2048;

/** Longest HTTP method name; real methods are short, so a long one is a mistake. */
export const CHECK_METHOD_LENGTH_MAX = 32;
