/**
 * The TCP listener, on dns2's TCP server: it does the RFC 1035 §4.2.2 length
 * framing, RFC 7766 pipelining, half-close and idle timeout. dns2 is loaded
 * here, lazily, so processes that never serve DNS never load it.
 *
 * @module
 */
import type { AddressInfo, Socket } from "node:net";
import type { DnsHandler, Packet } from "dns2";
import { MalformedPacketError } from "../../util/errors.js";
import type { Logger } from "../../util/logger.js";
import {
  LABEL_BYTES_MAX, NAME_BYTES_MAX, QUERY_ADDITIONALS_MAX, TCP_CONNECTIONS_MAX, TCP_IDLE_MS, TCP_WRITE_BUFFER_BYTES_MAX,
} from "./limits.js";
import type { DnsResponder } from "./responder.js";
import { FLAG, RCODE, TYPE, type Edns, type Query } from "./wire.js";

/** A listening TCP server answering queries. */
export interface TcpListener {
  /** The bound port. */
  readonly port: number;
  /** Stops listening and ends every open connection. Idempotent. */
  close(): Promise<void>;
}

function malformed(message: string): MalformedPacketError {
  return new MalformedPacketError(`dns query: ${message}`);
}

/**
 * Question bytes from dns2's decoded name. dns2 builds label strings one byte
 * per character (latin1), so latin1 gives the received bytes back.
 */
function questionBytes(name: string, qtype: number, qclass: number): { question: Buffer; labels: string[] } {
  const raw = name === "" ? [] : name.split(".");
  const parts: Buffer[] = [];
  let total = 1;
  for (const label of raw) {
    const bytes = Buffer.from(label, "latin1");
    if (bytes.length === 0 || bytes.length > LABEL_BYTES_MAX) throw malformed("bad label in the question");
    total += bytes.length + 1;
    parts.push(Buffer.from([bytes.length]), bytes);
  }
  if (total > NAME_BYTES_MAX) throw malformed(`question name longer than ${NAME_BYTES_MAX} bytes`);
  const tail = Buffer.alloc(5);
  tail.writeUInt16BE(qtype, 1);
  tail.writeUInt16BE(qclass, 3);
  parts.push(tail);
  const labels = raw.map((l) => Buffer.from(l, "latin1").toString("utf8"));
  return { question: Buffer.concat(parts), labels };
}

/**
 * A {@link Query} from a message dns2 decoded, with the same rules as
 * `decodeQuery`: one question, no answer or authority records, few
 * additional records, at most one OPT.
 * @throws MalformedPacketError
 */
export function queryFromPacket(packet: Packet): Query {
  const h = packet.header;
  if (packet.errors.length > 0) throw malformed(packet.errors[0]!.message);
  if (h.qdcount !== 1 || packet.questions.length !== 1) throw malformed(`${h.qdcount} questions; a query has one`);
  if (h.ancount !== 0 || h.nscount !== 0) throw malformed("a query carries no answer or authority records");
  if (h.arcount > QUERY_ADDITIONALS_MAX) throw malformed(`${h.arcount} additional records; at most ${QUERY_ADDITIONALS_MAX}`);
  const q = packet.questions[0]!;
  const { question, labels } = questionBytes(q.name, q.type, q.class);
  let edns: Edns | undefined;
  for (const r of packet.additionals as unknown as { type: number; class: number; ttl: number; name: string }[]) {
    if (r.type !== TYPE.OPT) continue;
    if (edns) throw malformed("more than one OPT record");
    if (r.name !== "") throw malformed("OPT record owner is not the root");
    edns = { payloadBytes: r.class, version: (r.ttl >>> 16) & 0xff, dnssecOk: (r.ttl & 0x8000) !== 0 };
  }
  return {
    id: h.id,
    // dns2 decodes CD (RFC 4035 §3.2.3) but its typings omit it.
    flags: (h.rd ? FLAG.RD : 0) | ((h as { cd?: number }).cd ? FLAG.CD : 0),
    labels,
    qtype: q.type,
    qclass: q.class,
    question,
    edns,
  };
}

/** Answers one decoded TCP message (later, for another datacenter's names); undefined means drop the connection. */
function answer(responder: DnsResponder, request: Packet, logger: Logger): Buffer | Promise<Buffer> | undefined {
  const h = request.header;
  if (h.qr) {
    responder.stats.queries++;
    responder.stats.tcpQueries++;
    responder.stats.dropped++;
    return undefined;
  }
  const flags = (h.opcode << 11) | (h.rd ? FLAG.RD : 0);
  if (h.opcode !== 0) {
    responder.stats.queries++;
    responder.stats.tcpQueries++;
    return responder.headerOnly(h.id, flags, RCODE.NOTIMP);
  }
  let query: Query;
  try {
    query = queryFromPacket(request);
  } catch (err) {
    if (!(err instanceof MalformedPacketError)) throw err;
    logger.debug({ err: err.message }, "dns: malformed TCP query");
    responder.stats.queries++;
    responder.stats.tcpQueries++;
    return responder.headerOnly(h.id, flags, RCODE.FORMERR);
  }
  return responder.handleTcp(query);
}

/**
 * Listens on `host:port` (0 = ephemeral) and answers queries through `responder`.
 * @throws the listen error (EADDRINUSE, EACCES, …).
 */
export async function listenTcp(host: string, port: number, responder: DnsResponder, logger: Logger): Promise<TcpListener> {
  const { default: dns2 } = await import("dns2");
  // dns2's typings accept only a handler, but its constructor also takes { idleTimeout }.
  const server = new dns2.TCPServer({ idleTimeout: TCP_IDLE_MS } as unknown as DnsHandler);
  server.maxConnections = TCP_CONNECTIONS_MAX;
  const sockets = new Set<Socket>();
  server.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });
  server.on("request", (request, send, client) => {
    const socket = client as Socket;
    try {
      if (socket.writableLength > TCP_WRITE_BUFFER_BYTES_MAX) {
        responder.stats.dropped++;
        logger.debug({}, "dns: TCP client does not read its answers; closing");
        socket.destroy();
        return;
      }
      const out = answer(responder, request, logger);
      if (out instanceof Promise) {
        // Answers may leave out of order on one connection (RFC 7766 §7); the ID pairs them.
        out.then((bytes) => {
          if (!socket.destroyed) return send(bytes);
        }).catch((err: unknown) => {
          responder.stats.dropped++;
          logger.debug({ err }, "dns: a late TCP answer could not be sent");
        });
      } else if (out) {
        void Promise.resolve(send(out)).catch(() => {});
      } else {
        socket.destroy();
      }
    } catch (err) {
      responder.stats.dropped++;
      logger.error({ err }, "dns: failed to answer a TCP query");
      socket.destroy();
    }
  });
  // dns2 reports frames it cannot decode at all (and socket errors) here, then closes the connection.
  server.on("requestError", (err: Error) => {
    if (err.name === "DecodeError") {
      responder.stats.queries++;
      responder.stats.tcpQueries++;
      responder.stats.dropped++;
    }
    logger.debug({ err: err.message }, "dns: TCP connection dropped");
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  server.on("error", (err: Error) => logger.warn({ err }, "dns: TCP server error"));
  server.unref();
  let closing: Promise<void> | undefined;
  return {
    port: (server.address() as AddressInfo).port,
    close: () => (closing ??= new Promise<void>((resolve) => {
      server.close(() => resolve());
      for (const s of sockets) s.destroy();
    })),
  };
}

