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
export type { LockOptions, LockEvents } from "./agent/lock.js";
export type { Consistency } from "./agent/backend.js";
export { Resolver } from "./resolver/resolver.js";
export type { ResolverOptions, ResolverEvents, PolicyName } from "./resolver/resolver.js";
export type { Instance } from "./resolver/instance.js";
export type { CheckInput } from "./health/index.js";
export type {
  CheckStatus, CheckRecord, NodeRecord, ServiceRecord, HealthEntry, KvEntry, SessionRecord, SessionBehavior, ServiceWeights,
} from "./catalog/types.js";
export type { KvTxnOp } from "./catalog/commands.js";
export type { Duration } from "./util/duration.js";
export type { Logger } from "./util/logger.js";
export * from "./util/errors.js";
