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
export { catalogDnsSource, type CatalogReads, type DnsSource } from "./source.js";
export type { DnsStats } from "./stats.js";
