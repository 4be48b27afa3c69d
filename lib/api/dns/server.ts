/**
 * The DNS interface: Consul-style service and node lookups over UDP and TCP
 * on one port.
 *
 * @module
 */
import { childLogger, silentLogger } from "../../util/logger.js";
import { randomRng } from "../../util/rng.js";
import { realTimers } from "../../util/timers.js";
import { PORT_PAIR_ATTEMPTS_MAX } from "./limits.js";
import { resolveDnsServerOptions, type DnsServerOptions } from "./options.js";
import { DnsResponder } from "./responder.js";
import { checkDnsSource, type DnsSource } from "./source.js";
import type { DnsStats } from "./stats.js";
import { listenTcp, type TcpListener } from "./tcp.js";
import { listenUdp, type UdpListener } from "./udp.js";

/** A running DNS server. */
export interface DnsServer {
  /** Where it listens; UDP and TCP share the port. */
  readonly address: { host: string; udpPort: number; tcpPort: number };
  /** A snapshot of the counters. */
  stats(): DnsStats;
  /** Closes both sockets and every TCP connection. Idempotent. */
  close(): Promise<void>;
}

function isAddrInUse(err: unknown): boolean {
  return typeof err === "object" && err !== null && (err as { code?: unknown }).code === "EADDRINUSE";
}

/**
 * Starts a DNS server answering from `source`:
 * - `NAME.service[.DC].DOMAIN`, `TAG.NAME.service…`, `_NAME._TAG.service…`:
 *   A/AAAA of passing instances (shuffled, at most `udpAnswerLimit` over UDP),
 *   or SRV (priority 1, weight 1) with the targets' addresses in ADDITIONAL;
 * - `NODE.node[.DC].DOMAIN`: A/AAAA and TXT of the node meta (`key=value`);
 * - `NAME.query[.DC].DOMAIN`: a prepared query's instances, as for a service,
 *   with the query's DNS TTL;
 * - services and queries of another datacenter: asked there through
 *   `source.remote` (kept a few seconds; SERVFAIL when it cannot be reached
 *   within `remoteTimeoutMs`);
 * - unknown names, services without passing instances, unknown datacenters:
 *   NXDOMAIN with the SOA; names outside the domain: REFUSED (no recursion);
 * - malformed queries: FORMERR, or dropped when there is no header to answer.
 *
 * With port 0 it finds a port free for both UDP and TCP.
 * @throws InvalidConfigError naming a bad option; InvalidArgumentError for a
 *   bad source; the socket error when the port cannot be bound.
 */
export async function startDnsServer(source: DnsSource, options: DnsServerOptions): Promise<DnsServer> {
  checkDnsSource(source);
  const o = resolveDnsServerOptions(options);
  const logger = childLogger(o.logger ?? silentLogger, "dns");
  const responder = new DnsResponder(source, o, o.rng ?? randomRng(), logger, o.timers ?? realTimers((err) => logger.error({ err }, "dns: timer callback threw")));
  let udp: UdpListener | undefined;
  let tcp: TcpListener | undefined;
  for (let attempt = 1; !tcp; attempt++) {
    udp = await listenUdp(o.host, o.port, responder, logger);
    try {
      tcp = await listenTcp(o.host, udp.port, responder, logger);
    } catch (err) {
      await udp.close();
      // An ephemeral UDP port may be taken on the TCP side: try another pair.
      if (o.port !== 0 || !isAddrInUse(err) || attempt >= PORT_PAIR_ATTEMPTS_MAX) throw err;
    }
  }
  const u = udp!;
  const t = tcp;
  logger.info({ host: o.host, port: u.port, domain: o.domain }, "dns: listening");
  let closing: Promise<void> | undefined;
  return {
    address: { host: o.host, udpPort: u.port, tcpPort: t.port },
    stats: () => ({ ...responder.stats }),
    close: () => (closing ??= (responder.close(), Promise.all([u.close(), t.close()]).then(() => undefined))),
  };
}
