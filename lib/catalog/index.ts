/**
 * The catalog: Consul's nodes, services, checks, KV and sessions as a
 * deterministic state machine, with per-scope indexes and blocking reads.
 *
 * @module
 */
export { Catalog, type CatalogOptions } from "./catalog.js";
export {
  CatalogState,
  DEFAULT_DATACENTER,
  type ApplyOutcome,
  type ApplyResult,
  type CatalogStateOptions,
  type HealthQuery,
  type ServiceNode,
  type ServiceQuery,
} from "./state.js";
export { WatchHub, type WaitOptions } from "./watch.js";
export { scopeKey, type WatchScope } from "./scope.js";
export {
  decodeCommand,
  encodeCommand,
  type CatalogCommand,
  type CheckInput,
  type CheckUpdateCommand,
  type DeregisterCommand,
  type KvDeleteCommand,
  type KvSetCommand,
  type KvTxnCommand,
  type KvTxnOp,
  type KvTxnVerb,
  type NodeInput,
  type RegisterCommand,
  type ServiceInput,
  type SessionCreateCommand,
  type SessionDestroyCommand,
  type SessionRenewCommand,
  type SessionInput,
} from "./commands.js";
export type { KvTxnError, KvTxnOutcome } from "./kv-txn.js";
export {
  PREPARED_QUERIES_MAX,
  QUERY_DNS_TTL_MS_MAX,
  QUERY_FAILOVER_DATACENTERS_MAX,
  QUERY_IGNORE_CHECKS_MAX,
  QUERY_NEAREST_N_MAX,
  type PreparedQueryInput,
  type QueryCommand,
  type QueryCreateCommand,
  type QueryDeleteCommand,
  type QueryUpdateCommand,
} from "./query-commands.js";
export type { PreparedQueryRecord, PreparedQueryService, QueryFailover } from "./query-table.js";
export { queryMatches } from "./query-filter.js";
export { SERF_HEALTH_CHECK } from "./apply-session.js";
export { deriveNodeId } from "./apply-catalog.js";
export * from "./limits.js";
export type * from "./types.js";
