/**
 * The resolver layer's public surface: `Resolver`, its options and policies.
 *
 * @module
 */
export {
  Resolver,
  type InstanceFeed,
  type InstanceStats,
  type PickOutcome,
  type ResolverDeps,
  type ResolverEvents,
} from "./resolver.js";
export {
  POLICY_NAMES,
  RESOLVER_DEFAULTS,
  resolveResolverOptions,
  type OutlierInput,
  type PolicyName,
  type ResolvedResolverOptions,
  type ResolverOptions,
} from "./options.js";
export { OUTLIER_DEFAULTS, type OutlierOptions } from "./outlier.js";
export { instanceKey, type Instance } from "./instance.js";
