/**
 * Named limits. Every bound on a size or count lives here with the reason for
 * its value, so it can be found, documented and tested.
 *
 * @module
 */

/** Largest KV value, as Consul's default `kv_max_value_size`: bigger values belong elsewhere. */
export const KV_VALUE_BYTES_MAX = 512 * 1024;

/** Longest KV key in bytes; keys are paths, and long keys waste every index and watch. */
export const KV_KEY_BYTES_MAX = 2048;

/** Longest service, node or check name/ID; DNS labels are 63 bytes, IDs may be longer. */
export const NAME_LENGTH_MAX = 256;

/** Most tags on one service; tags ride in every catalog answer. */
export const TAGS_COUNT_MAX = 64;

/** Most meta pairs on one service or node (Consul's own limit). */
export const META_PAIRS_MAX = 64;

/** Longest meta key (Consul's limit). */
export const META_KEY_LENGTH_MAX = 128;

/** Longest meta value (Consul's limit). */
export const META_VALUE_LENGTH_MAX = 512;

/** Check output kept in the catalog, as Consul's default `check_output_max_size`. */
export const CHECK_OUTPUT_BYTES_MAX = 4096;

/** Operations in one transaction (Consul's /v1/txn limit). */
export const TXN_OPS_MAX = 128;

/** Longest blocking-query wait (Consul's limit). */
export const BLOCKING_WAIT_MS_MAX = 10 * 60_000;

/** Default blocking-query wait when none is given (Consul's). */
export const BLOCKING_WAIT_MS_DEFAULT = 5 * 60_000;
