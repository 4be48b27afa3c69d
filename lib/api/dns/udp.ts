/**
 * The UDP listener: a plain node:dgram socket feeding the responder.
 *
 * Why not dns2's UDP server: it decodes every datagram with a bit-at-a-time
 * reader and encodes every answer with a writer that stores one array element
 * per bit, before any cache could help. Here the raw bytes are the cache key,
 * so a repeated query skips decoding and encoding altogether; see
 * bench/dns.bench.ts for the figures.
 *
 * @module
 */
import { createSocket, type Socket } from "node:dgram";
import { isIP } from "node:net";
import type { Logger } from "../../util/logger.js";
import type { DnsResponder } from "./responder.js";

/** A bound UDP socket answering queries. */
export interface UdpListener {
  /** The bound port. */
  readonly port: number;
  /** Closes the socket. Idempotent. */
  close(): Promise<void>;
}

/**
 * Binds `host:port` (0 = ephemeral) and answers every datagram through `responder`.
 * @throws the bind error (EADDRINUSE, EACCES, …).
 */
export async function listenUdp(host: string, port: number, responder: DnsResponder, logger: Logger): Promise<UdpListener> {
  const socket: Socket = createSocket({ type: isIP(host) === 6 ? "udp6" : "udp4" });
  const stats = responder.stats;
  const onSent = (err: Error | null): void => {
    if (!err) return;
    stats.sendErrors++;
    logger.debug({ err }, "dns: UDP send failed");
  };
  let closed = false;
  socket.on("message", (msg, rinfo) => {
    let out: Buffer | Promise<Buffer> | undefined;
    try {
      out = responder.handleUdp(msg);
    } catch (err) {
      // A bug, not bad input (that is FORMERR): keep serving, but say so.
      stats.dropped++;
      logger.error({ err }, "dns: failed to answer a UDP query");
      return;
    }
    if (out instanceof Promise) {
      // An answer from another datacenter; the socket may have closed meanwhile.
      out.then((bytes) => {
        if (!closed) socket.send(bytes, rinfo.port, rinfo.address, onSent);
      }).catch((err: unknown) => {
        stats.dropped++;
        logger.error({ err }, "dns: failed to answer a UDP query");
      });
    } else if (out) {
      socket.send(out, rinfo.port, rinfo.address, onSent);
    }
  });
  await new Promise<void>((resolve, reject) => {
    socket.once("error", reject);
    socket.bind({ port, address: host, exclusive: true }, () => {
      socket.off("error", reject);
      resolve();
    });
  }).catch((err: unknown) => {
    try {
      socket.close();
    } catch {
      // Already closed by the failed bind.
    }
    throw err;
  });
  socket.on("error", (err) => logger.warn({ err }, "dns: UDP socket error"));
  // The owner (the agent) decides how long the process lives, as with the HTTP API.
  socket.unref();
  let closing: Promise<void> | undefined;
  return {
    port: socket.address().port,
    close: () => (closing ??= new Promise<void>((resolve) => {
      closed = true;
      socket.close(() => resolve());
    })),
  };
}
