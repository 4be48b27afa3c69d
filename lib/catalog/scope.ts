/**
 * Watch scopes: the answers a blocking read can wait on. Each scope has its own
 * index, so a write to one service does not wake the watchers of another
 * (Consul issues #1244 and #3890).
 *
 * @module
 */
import { InvalidArgumentError } from "../util/errors.js";

/**
 * One watchable answer.
 * - `services`: the service name → tags map (/v1/catalog/services).
 * - `service`: the instances of one service with their nodes and checks
 *   (/v1/catalog/service/:name, /v1/health/service/:name, /v1/health/checks/:name).
 * - `nodes`: the node list (/v1/catalog/nodes).
 * - `node`: one node's record, services and checks (/v1/catalog/node/:n, /v1/health/node/:n).
 * - `checks`: every check (/v1/health/state/:state).
 * - `kv`: one key, or with `prefix: true` every key under a prefix.
 * - `sessions`: every session (/v1/session/*).
 * - `queries`: every prepared query (/v1/query).
 */
export type WatchScope =
  | { kind: "services" }
  | { kind: "service"; name: string }
  | { kind: "nodes" }
  | { kind: "node"; name: string }
  | { kind: "checks" }
  | { kind: "kv"; key: string; prefix?: boolean }
  | { kind: "sessions" }
  | { kind: "queries" };

/** Scopes with a single index for the whole answer. */
export type ScalarScopeKind = "services" | "nodes" | "checks" | "sessions";

/** Scopes with one index per name. */
export type NamedScopeKind = "service" | "node";

// NUL cannot appear in names that reach the catalog through HTTP paths, and
// keeps "service\0a" distinct from a KV key that happens to read "service".
const SEP = "\u0000";

/**
 * A string that identifies a scope, for indexing waiters: equal scopes give equal keys.
 * @throws InvalidArgumentError when the scope is not a valid {@link WatchScope}.
 */
export function scopeKey(scope: WatchScope): string {
  const s = scope as unknown;
  if (typeof s !== "object" || s === null) throw new InvalidArgumentError("scope", "must be an object");
  const kind = (s as { kind?: unknown }).kind;
  switch (kind) {
    case "services":
    case "nodes":
    case "checks":
    case "sessions":
    case "queries":
      return kind;
    case "service":
    case "node": {
      const name = (s as { name?: unknown }).name;
      if (typeof name !== "string") throw new InvalidArgumentError("scope.name", "must be a string");
      return kind + SEP + name;
    }
    case "kv": {
      const { key, prefix } = s as { key?: unknown; prefix?: unknown };
      if (typeof key !== "string") throw new InvalidArgumentError("scope.key", "must be a string");
      if (prefix !== undefined && typeof prefix !== "boolean") {
        throw new InvalidArgumentError("scope.prefix", "must be a boolean");
      }
      return (prefix ? "kvp" : "kv") + SEP + key;
    }
    default:
      throw new InvalidArgumentError("scope.kind", `unknown scope kind ${String(kind)}`);
  }
}

/** The key of a named scope, without validation (internal fast path). */
export function namedScopeKey(kind: NamedScopeKind, name: string): string {
  return kind + SEP + name;
}

/** The key of a KV scope, without validation (internal fast path). */
export function kvScopeKey(key: string, prefix: boolean): string {
  return (prefix ? "kvp" : "kv") + SEP + key;
}
