/**
 * The best-effort packet transport: one UDP socket on node:dgram. It sends
 * and receives whole datagrams, counts everything, and never throws into the
 * host: send failures and socket errors are counted and logged. The socket
 * is unref'd, so it never holds the process open.
 *
 * @module
 */
import { createSocket, type Socket } from "node:dgram";
import { isIPv6 } from "node:net";
import { silentLogger, childLogger, type Logger } from "../util/logger.js";

/** Largest UDP payload over IPv4 (65,535 − 8-byte UDP header − 20-byte IP header). Nothing bigger can be sent or received. */
export const UDP_DATAGRAM_BYTES_MAX = 65_507;

/** A UDP peer. */
export interface UdpPeer {
  /** IP address (or hostname when sending). */
  address: string;
  /** UDP port. */
  port: number;
}

/** Options of {@link UdpEndpoint.bind}. */
export interface UdpEndpointOptions {
  /** Address to bind; an IPv6 literal opens an IPv6 socket. */
  host: string;
  /** Port to bind; 0 picks a free one (read it back from {@link UdpEndpoint.port}). */
  port: number;
  /**
   * Called for each datagram received. Return `false` when the bytes were
   * unusable, so they are counted as malformed. A throw is caught and logged.
   */
  onPacket: (from: UdpPeer, bytes: Buffer) => boolean | void;
  /**
   * Largest datagram sent or accepted; bigger ones are dropped and counted.
   * @defaultValue UDP_DATAGRAM_BYTES_MAX
   */
  packetBytesMax?: number;
  /** Receives socket errors; silent by default. */
  logger?: Logger;
}

/** Counters for metrics, tests and the bench. */
export interface UdpStats {
  /** Datagrams received. */
  packetsIn: number;
  /** Datagrams handed to the kernel. */
  packetsOut: number;
  /** Bytes received. */
  bytesIn: number;
  /** Bytes handed to the kernel. */
  bytesOut: number;
  /** Datagrams not sent: too big, endpoint closed, or the kernel refused them. */
  dropped: number;
  /** Datagrams received that were empty, too big, or refused by the handler. */
  malformed: number;
  /** Socket-level errors (send failures included). */
  errors: number;
}

/** One bound UDP socket. */
export class UdpEndpoint {
  /** Counters; read-only for callers. */
  readonly stats: UdpStats = { packetsIn: 0, packetsOut: 0, bytesIn: 0, bytesOut: 0, dropped: 0, malformed: 0, errors: 0 };
  private closed = false;
  private readonly log: Logger;
  private readonly packetBytesMax: number;

  private constructor(
    private readonly socket: Socket,
    /** The bound address. */
    readonly host: string,
    /** The bound port (the real one when 0 was asked for). */
    readonly port: number,
    options: UdpEndpointOptions,
  ) {
    this.log = childLogger(options.logger ?? silentLogger, "udp");
    this.packetBytesMax = options.packetBytesMax ?? UDP_DATAGRAM_BYTES_MAX;
  }

  /**
   * Binds a socket.
   * @throws the bind error (EADDRINUSE, EADDRNOTAVAIL, …); nothing stays open.
   */
  static async bind(options: UdpEndpointOptions): Promise<UdpEndpoint> {
    const socket = createSocket({ type: isIPv6(options.host) ? "udp6" : "udp4" });
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error): void => {
        socket.close();
        reject(err);
      };
      socket.once("error", onError);
      socket.bind(options.port, options.host, () => {
        socket.off("error", onError);
        resolve();
      });
    });
    socket.unref();
    const endpoint = new UdpEndpoint(socket, options.host, socket.address().port, options);
    socket.on("error", (err) => endpoint.onError(err));
    socket.on("message", (msg, rinfo) => endpoint.onMessage(msg, { address: rinfo.address, port: rinfo.port }, options.onPacket));
    return endpoint;
  }

  /**
   * Sends one datagram. Returns false when it was dropped at once (too big or
   * closed); delivery is never promised, and later kernel errors are counted.
   */
  send(to: UdpPeer, bytes: Uint8Array): boolean {
    if (this.closed || bytes.length === 0 || bytes.length > this.packetBytesMax) {
      this.stats.dropped++;
      return false;
    }
    this.stats.packetsOut++;
    this.stats.bytesOut += bytes.length;
    try {
      this.socket.send(bytes, to.port, to.address, (err) => {
        if (!err) return;
        this.stats.dropped++;
        this.onError(err);
      });
    } catch (err) {
      // dgram throws synchronously for a bad port or a socket closed under us.
      this.stats.dropped++;
      this.onError(err);
      return false;
    }
    return true;
  }

  /** Closes the socket; idempotent. */
  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    return new Promise((resolve) => {
      try {
        this.socket.close(() => resolve());
      } catch {
        resolve();
      }
    });
  }

  private onMessage(msg: Buffer, from: UdpPeer, handler: UdpEndpointOptions["onPacket"]): void {
    if (this.closed) return;
    this.stats.packetsIn++;
    this.stats.bytesIn += msg.length;
    if (msg.length === 0 || msg.length > this.packetBytesMax) {
      this.stats.malformed++;
      return;
    }
    try {
      if (handler(from, msg) === false) this.stats.malformed++;
    } catch (err) {
      this.stats.malformed++;
      this.log.error({ err, from }, "packet handler threw");
    }
  }

  private onError(err: unknown): void {
    this.stats.errors++;
    this.log.debug({ err }, "udp socket error");
  }
}
