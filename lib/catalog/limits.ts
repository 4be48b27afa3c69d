/**
 * Bounds and defaults of the catalog state machine. The shared limits (value
 * sizes, name lengths, tags, meta, transaction size) live in lib/util/limits.ts;
 * these are the ones only the catalog needs.
 *
 * @module
 */

/**
 * Tombstones of deleted KV keys kept so that a delete moves the key's index and
 * every enclosing prefix's index. Beyond this count the oldest tombstone is
 * reaped and its index raised into a KV-wide floor (see `KvStore`), so indexes
 * never go back; a watcher of a quiet prefix may then see its index jump without
 * a change, which blocking-query clients already tolerate.
 */
export const KV_TOMBSTONES_MAX = 10_000;

/**
 * Index entries kept for services and nodes that no longer exist, so a watcher of
 * a deregistered service sees its index move and then stay put. The oldest are
 * reaped past this count, raising a per-kind floor as for KV tombstones.
 */
export const RETIRED_SCOPES_MAX = 10_000;

/** Checks in one register command; a node or instance with more is a configuration mistake. */
export const REGISTER_CHECKS_MAX = 64;

/** Checks one session may depend on (each is looked up on every invalidation). */
export const SESSION_CHECKS_MAX = 64;

/** Shortest non-zero session TTL, as Consul's `session_ttl_min` default (10 s). */
export const SESSION_TTL_MS_MIN = 10_000;

/** Longest session TTL, as Consul's (86400 s). */
export const SESSION_TTL_MS_MAX = 86_400_000;

/** Longest lock delay, as Consul's cap (60 s): a longer delay strands a lock after a crash. */
export const SESSION_LOCK_DELAY_MS_MAX = 60_000;

/** Default lock delay, as Consul's (15 s). */
export const SESSION_LOCK_DELAY_MS_DEFAULT = 15_000;

/**
 * Lock-delay entries held before expired ones are swept on the next timed command.
 * Entries expire on their own; the sweep only bounds memory, so it can be lazy.
 */
export const LOCK_DELAYS_SWEEP_AT = 1024;

/** Largest valid port number. */
export const PORT_MAX = 65_535;

/** Largest service weight, as Consul's (weights are relative, so a bound costs nothing). */
export const WEIGHT_MAX = 65_535;
