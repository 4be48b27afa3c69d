/**
 * Opens the gossip driver's two endpoints on one port number: a UDP socket
 * for probes and gossip and a TCP listener for push-pull. UDP and TCP ports
 * are separate namespaces, so with port 0 the port UDP got may be taken for
 * TCP; then both are retried on a fresh port, a bounded number of times.
 *
 * @module
 */
import { InvalidConfigError } from "../util/errors.js";
import type { Logger } from "../util/logger.js";
import { TcpTransport } from "../transport/tcp.js";
import { UdpEndpoint, type UdpPeer } from "../transport/udp.js";
import { formatHostPort } from "./node-options.js";

/** Tries to find a port free for both UDP and TCP when asked for port 0; each try costs two binds. */
export const BIND_ATTEMPTS_MAX = 8;

/** What {@link bindSockets} needs. */
export interface BindSocketsOptions {
  host: string;
  /** 0 picks a port free for both protocols. */
  port: number;
  /** Advertised host; the TCP transport names itself `advertiseHost:port` to peers. */
  advertiseHost: string;
  /** Advertised port, when it differs from the bound one (NAT, port mapping). */
  advertisePort: number | undefined;
  onPacket: (from: UdpPeer, bytes: Buffer) => boolean | void;
  onRequest: (from: string, body: unknown) => Promise<unknown>;
  logger: Logger;
}

/** The bound pair. */
export interface GossipSockets {
  udp: UdpEndpoint;
  tcp: TcpTransport;
}

/**
 * Binds UDP, then TCP on the same port.
 * @throws InvalidConfigError (`bind`) when the address cannot be bound; nothing stays open.
 */
export async function bindSockets(o: BindSocketsOptions): Promise<GossipSockets> {
  let lastError: unknown;
  for (let attempt = 0; attempt < (o.port === 0 ? BIND_ATTEMPTS_MAX : 1); attempt++) {
    let udp: UdpEndpoint;
    try {
      udp = await UdpEndpoint.bind({ host: o.host, port: o.port, onPacket: o.onPacket, logger: o.logger });
    } catch (err) {
      lastError = err;
      break;
    }
    try {
      const advertise = formatHostPort({ address: o.advertiseHost, port: o.advertisePort ?? udp.port });
      const tcp = await TcpTransport.listen({ host: o.host, port: udp.port, advertise, onRequest: o.onRequest, logger: o.logger });
      return { udp, tcp };
    } catch (err) {
      lastError = err;
      await udp.close();
    }
  }
  const detail = lastError instanceof Error ? lastError.message : String(lastError);
  throw new InvalidConfigError("bind", `cannot bind UDP and TCP on ${formatHostPort({ address: o.host, port: o.port })}: ${detail}`, { cause: lastError });
}
