/**
 * @disco/core: service registration, discovery, health checking, KV and
 * client-side load balancing, embedded in your Node.js process.
 *
 * ```ts
 * import { register, discover } from "@disco/core";
 * await register({ name: "web", port: 8080, check: { ttl: "10s" } });
 * const api = discover("api"); await api.ready(); const target = api.pick();
 * ```
 *
 * @packageDocumentation
 */
export { Agent } from "./agent/agent.js";
export type { AgentEvents, CatalogView, HealthView, Member, RaftView } from "./agent/agent.js";
export type { AgentOptions, AgentMode } from "./agent/options.js";
export { register, discover, shutdown, configure, handleSignals, defaultAgent } from "./agent/default-agent.js";
export { Registration } from "./agent/registration.js";
export type { ServiceRegistration } from "./agent/service-input.js";
export type { Kv, KvPair, KvPutOptions, KvReadOptions, KvDeleteOptions, KvWatchOptions } from "./agent/kv.js";
export type { Sessions, SessionOptions } from "./agent/sessions.js";
export { Lock } from "./agent/lock.js";
export type { UserEvent, UserEventFilters } from "./agent/events.js";
export { USER_EVENTS_KEPT_MAX } from "./agent/events.js";
export type { ReloadRequest } from "./agent/reload.js";
export { ReloadNotHandledError } from "./agent/reload.js";
export type { ForceLeaveResult } from "./agent/cluster-ops.js";
export { GossipRequiredError } from "./agent/cluster-ops.js";
export type { SavedSnapshot } from "./agent/snapshot.js";
export { SNAPSHOT_RESTORE_BYTES_MAX } from "./agent/snapshot.js";
export type { Maintenance } from "./agent/maintenance.js";
export type { AgentKeyring, KeyringStatus } from "./agent/keyring.js";
export { KeyringOperationError, EncryptionNotEnabledError } from "./agent/keyring.js";
export type { PreparedQueries, PreparedQueryDefinition, QueryResult, ExecuteOptions } from "./agent/prepared-query.js";
export type { PreparedQueryRecord, PreparedQueryService, QueryFailover } from "./catalog/query-table.js";
export { WanUnavailableError } from "./agent/wan.js";
export type { LockOptions, LockEvents } from "./agent/lock.js";
export type { Consistency } from "./agent/backend.js";
export {
  Resolver, resolveResolverOptions, OUTLIER_DEFAULTS, POLICY_NAMES, RESOLVER_DEFAULTS,
} from "./resolver/index.js";
export type {
  ResolverOptions, ResolverEvents, PolicyName, InstanceFeed, InstanceStats, PickOutcome, ResolverDeps,
  ResolvedResolverOptions, OutlierInput, OutlierOptions, Instance,
} from "./resolver/index.js";
export type {
  CheckInput, CheckInputCommon, TtlCheckInput, HttpCheckInput, TcpCheckInput, FunctionCheckInput,
} from "./health/index.js";
export type { StartTemplateOptions, TemplateHandle, RenderEvent, Position, TemplateRunner } from "./template/index.js";
export { TemplateSyntaxError, TemplateExecError, startTemplate, httpTemplateSource } from "./template/index.js";
export type { CommandRunner, CommandOutcome } from "./template/command.js";
export type { TemplateSource, FetchOptions, FetchResult } from "./template/source.js";
export type { Dependency, ServiceStatus } from "./template/dependency.js";
export type { HttpSourceOptions } from "./template/http-source.js";
export type { WaitBounds } from "./template/quiescence.js";
export type { CheckFunction, FunctionCheckValue } from "./health/index.js";
export type { FunctionCheckContext } from "./health/definition.js";
export type { Clock } from "./util/clock.js";
export type { Rng } from "./util/rng.js";
export type { Timers, TimerHandle } from "./util/timers.js";
export type {
  CheckStatus, CheckRecord, CheckType, NodeRecord, ServiceRecord, HealthEntry, KvEntry, SessionRecord, SessionBehavior, ServiceWeights,
} from "./catalog/types.js";
export type { KvTxnOp, KvTxnVerb } from "./catalog/commands.js";
export type { Duration } from "./util/duration.js";
export type { Logger } from "./util/logger.js";
export * from "./util/errors.js";
