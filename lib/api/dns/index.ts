/**
 * The DNS interface (Consul's DNS API shape): start it with
 * {@link startDnsServer} over a {@link DnsSource}.
 *
 * @module
 */
export { startDnsServer, type DnsServer } from "./server.js";
export {
  DEFAULT_DOMAIN,
  DEFAULT_TTL_SECONDS,
  DEFAULT_UDP_ANSWER_LIMIT,
  resolveDnsServerOptions,
  type DnsServerOptions,
  type ResolvedDnsServerOptions,
} from "./options.js";
export {
  catalogDnsSource, type CatalogReads, type DnsDeferred, type DnsInstances, type DnsRemoteLookup, type DnsSource,
} from "./source.js";
export { REMOTE_ANSWER_FRESH_MS, REMOTE_TIMEOUT_MS } from "./limits.js";
export type { DnsStats } from "./stats.js";
