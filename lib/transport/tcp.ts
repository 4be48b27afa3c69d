/**
 * The reliable stream transport: TCP connections carrying length-prefixed
 * msgpack frames. One-way messages (Raft, push-pull) and request/response
 * (forwarding to the leader) share a connection per peer. Connections are
 * made on demand and re-made with backoff; queues, frames and pending
 * requests are bounded; a misbehaving peer only loses its own connection.
 *
 * @module
 */
import { createServer, connect, type Server, type Socket, type AddressInfo } from "node:net";
import pRetry from "p-retry";
import { ClosedError, TimeoutError, DiscoError, throwIfAborted, AbortedError } from "../util/errors.js";
import { silentLogger, type Logger } from "../util/logger.js";
import { FrameDecoder, encodeFrame } from "./frame.js";
import { FRAME_BYTES_MAX, PEER_QUEUE_FRAMES_MAX, PENDING_REQUESTS_MAX } from "./limits.js";

/** Frame kinds on the wire. */
const enum Kind {
  Message = 0,
  Request = 1,
  Response = 2,
}

interface Envelope {
  k: Kind;
  /** Sender's listening address, so the receiver can answer one-way messages. */
  f: string;
  /** Request id (requests and responses). */
  i?: number;
  b?: unknown;
  /** Error message of a failed request. */
  e?: string;
  /** Error code of a failed request. */
  c?: string;
}

/** A request handler failed: the remote error's code and message. */
export class RemoteError extends DiscoError {
  constructor(code: string, message: string) {
    super((code as DiscoError["code"]) || "PROTOCOL", message);
  }
}

/** Options of {@link TcpTransport.listen}. */
export interface TcpTransportOptions {
  /** Address to listen on. Port 0 picks a free one. */
  host: string;
  port: number;
  /** Address peers should use to reach this node; defaults to the listening address. */
  advertise?: string;
  /** Called for every one-way message received. Must not throw (a throw is logged). */
  onMessage?: (from: string, body: unknown) => void;
  /** Answers requests; a rejection is sent back as a {@link RemoteError}. */
  onRequest?: (from: string, body: unknown) => Promise<unknown>;
  /** Request timeout. @defaultValue 5000 */
  requestTimeoutMs?: number;
  /** Frame size limit in both directions. @defaultValue FRAME_BYTES_MAX */
  frameBytesMax?: number;
  logger?: Logger;
}

/** Counters for monitoring and tests. */
export interface TransportStats {
  framesIn: number;
  framesOut: number;
  /** Frames that did not decode. */
  malformed: number;
  /** Connections closed for an oversized frame. */
  oversized: number;
  /** One-way messages dropped (queue full, filtered, or unencodable). */
  dropped: number;
  /** Outbound connections made after the first. */
  reconnects: number;
}

/** Test hook: return false to drop a frame to or from `peer` (simulated partition). */
export type FrameFilter = (direction: "in" | "out", peer: string) => boolean;

interface PendingRequest {
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
  timer: NodeJS.Timeout;
}

class Peer {
  socket: Socket | undefined;
  /** Requests to this peer awaiting an answer: a lost connection fails them at once. */
  readonly pendingIds = new Set<number>();
  queue: Buffer[] = [];
  connecting: Promise<void> | undefined;
  everConnected = false;
  constructor(readonly address: string) {}
}

/** A TCP transport endpoint. */
export class TcpTransport {
  private readonly peers = new Map<string, Peer>();
  private readonly pending = new Map<number, PendingRequest>();
  private readonly inbound = new Set<Socket>();
  private nextRequestId = 1;
  private closed = false;
  private filter: FrameFilter | undefined;
  private readonly abort = new AbortController();
  private readonly logger: Logger;
  private readonly frameBytesMax: number;
  /** Counters. */
  readonly stats: TransportStats = { framesIn: 0, framesOut: 0, malformed: 0, oversized: 0, dropped: 0, reconnects: 0 };
  /** The address peers reach this endpoint at. */
  readonly address: string;

  private constructor(private readonly server: Server, address: string, private readonly options: TcpTransportOptions) {
    this.address = address;
    this.logger = options.logger ?? silentLogger;
    this.frameBytesMax = options.frameBytesMax ?? FRAME_BYTES_MAX;
  }

  /** Starts listening. */
  static async listen(options: TcpTransportOptions): Promise<TcpTransport> {
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(options.port, options.host, () => {
        server.off("error", reject);
        resolve();
      });
    });
    server.unref();
    const { port } = server.address() as AddressInfo;
    const transport = new TcpTransport(server, options.advertise ?? `${options.host}:${port}`, options);
    server.on("connection", (socket) => transport.accept(socket));
    return transport;
  }

  /** Installs a test filter (partitions); undefined removes it. */
  setFilter(filter: FrameFilter | undefined): void {
    this.filter = filter;
  }

  private accept(socket: Socket): void {
    if (this.closed) {
      socket.destroy();
      return;
    }
    socket.unref();
    socket.setNoDelay(true);
    this.inbound.add(socket);
    socket.once("close", () => this.inbound.delete(socket));
    socket.on("error", () => socket.destroy());
    this.readFrames(socket, (env) => this.onInbound(socket, env));
  }

  private readFrames(socket: Socket, onEnvelope: (env: Envelope) => void): void {
    const decoder = new FrameDecoder(this.frameBytesMax);
    socket.on("data", (chunk: Buffer) => {
      for (const ev of decoder.push(chunk)) {
        if ("error" in ev) {
          if (ev.fatal) {
            this.stats.oversized++;
            this.logger.warn({ component: "transport", err: ev.error }, "closing connection: oversized frame");
            socket.destroy();
            return;
          }
          this.stats.malformed++;
          continue;
        }
        const env = ev.value as Envelope;
        if (typeof env !== "object" || env === null || typeof env.f !== "string" || typeof env.k !== "number") {
          this.stats.malformed++;
          continue;
        }
        this.stats.framesIn++;
        onEnvelope(env);
      }
    });
  }

  private onInbound(socket: Socket, env: Envelope): void {
    if (this.filter && !this.filter("in", env.f)) return;
    if (env.k === Kind.Message) {
      try {
        this.options.onMessage?.(env.f, env.b);
      } catch (err) {
        this.logger.error({ component: "transport", err }, "message handler threw");
      }
    } else if (env.k === Kind.Request && typeof env.i === "number") {
      const id = env.i;
      const handler = this.options.onRequest;
      const answer = handler ? Promise.resolve().then(() => handler(env.f, env.b)) : Promise.reject(new ClosedError("request handler"));
      answer.then(
        (b) => this.writeTo(socket, { k: Kind.Response, f: this.address, i: id, b }),
        (err: unknown) => this.writeTo(socket, {
          k: Kind.Response, f: this.address, i: id,
          e: err instanceof Error ? err.message : String(err), c: err instanceof DiscoError ? err.code : "PROTOCOL",
        }),
      );
    } else {
      this.stats.malformed++;
    }
  }

  private writeTo(socket: Socket, env: Envelope): void {
    if (socket.destroyed) return;
    try {
      socket.write(encodeFrame(env, this.frameBytesMax));
      this.stats.framesOut++;
    } catch (err) {
      this.logger.warn({ component: "transport", err }, "could not encode a response");
    }
  }

  /**
   * Sends a one-way message. Returns false when it was dropped (queue full,
   * filtered, too large, or the transport closed); delivery is never promised.
   */
  send(to: string, body: unknown): boolean {
    if (this.closed || (this.filter && !this.filter("out", to))) {
      this.stats.dropped++;
      return false;
    }
    let frame: Buffer;
    try {
      frame = encodeFrame({ k: Kind.Message, f: this.address, b: body } satisfies Envelope, this.frameBytesMax);
    } catch (err) {
      this.stats.dropped++;
      this.logger.warn({ component: "transport", err }, "dropping an unencodable message");
      return false;
    }
    return this.enqueue(to, frame, true);
  }

  /**
   * Sends a request and waits for its response.
   * @throws TimeoutError, ClosedError, AbortedError, or RemoteError carrying the remote error.
   */
  request(to: string, body: unknown, options: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<unknown> {
    if (this.closed) return Promise.reject(new ClosedError("transport"));
    try {
      throwIfAborted(options.signal);
    } catch (err) {
      return Promise.reject(err);
    }
    if (this.pending.size >= PENDING_REQUESTS_MAX) return Promise.reject(new TimeoutError("too many requests in flight"));
    if (this.filter && !this.filter("out", to)) {
      return new Promise((_, reject) => setTimeout(() => reject(new TimeoutError(`request to ${to} timed out (filtered)`)), 0).unref());
    }
    const id = this.nextRequestId++;
    let frame: Buffer;
    try {
      frame = encodeFrame({ k: Kind.Request, f: this.address, i: id, b: body } satisfies Envelope, this.frameBytesMax);
    } catch (err) {
      return Promise.reject(err);
    }
    const timeoutMs = options.timeoutMs ?? this.options.requestTimeoutMs ?? 5000;
    return new Promise<unknown>((resolve, reject) => {
      const finish = (): void => {
        this.pending.delete(id);
        this.peers.get(to)?.pendingIds.delete(id);
        clearTimeout(timer);
        options.signal?.removeEventListener("abort", onAbort);
      };
      const onAbort = (): void => {
        finish();
        reject(new AbortedError({ cause: options.signal?.reason }));
      };
      const timer = setTimeout(() => {
        finish();
        reject(new TimeoutError(`request to ${to} timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      // Left ref'd on purpose: like fetch(), a request in flight keeps the
      // process alive until it is answered or times out.
      options.signal?.addEventListener("abort", onAbort, { once: true });
      this.pending.set(id, {
        resolve: (v) => { finish(); resolve(v); },
        reject: (e) => { finish(); reject(e); },
        timer,
      });
      if (!this.enqueue(to, frame, false)) this.pending.get(id)?.reject(new TimeoutError(`queue to ${to} is full`));
      else this.peers.get(to)?.pendingIds.add(id);
    });
  }

  private enqueue(to: string, frame: Buffer, droppable: boolean): boolean {
    let peer = this.peers.get(to);
    if (!peer) {
      peer = new Peer(to);
      this.peers.set(to, peer);
    }
    const socket = peer.socket;
    if (socket && !socket.destroyed && peer.queue.length === 0 && !socket.writableNeedDrain) {
      socket.write(frame);
      this.stats.framesOut++;
      return true;
    }
    if (peer.queue.length >= PEER_QUEUE_FRAMES_MAX) {
      if (!droppable) return false;
      peer.queue.shift();
      this.stats.dropped++;
    }
    peer.queue.push(frame);
    if (!socket || socket.destroyed) void this.connect(peer);
    return true;
  }

  private connect(peer: Peer): Promise<void> {
    peer.connecting ??= pRetry(() => this.openSocket(peer), {
      retries: Number.MAX_SAFE_INTEGER, minTimeout: 50, maxTimeout: 2000, factor: 2, randomize: true,
      signal: this.abort.signal, unref: true,
      shouldRetry: () => !this.closed && peer.queue.length > 0,
    }).catch(() => {
      // Gave up (closed, or nothing left to send): whatever is queued is dropped.
      this.stats.dropped += peer.queue.length;
      peer.queue = [];
    }).finally(() => {
      peer.connecting = undefined;
    });
    return peer.connecting;
  }

  private openSocket(peer: Peer): Promise<void> {
    const [host, portText] = splitAddress(peer.address);
    return new Promise<void>((resolve, reject) => {
      const socket = connect({ host, port: Number(portText) });
      socket.unref();
      socket.setNoDelay(true);
      const onError = (err: Error): void => {
        socket.destroy();
        reject(err);
      };
      socket.once("error", onError);
      socket.once("connect", () => {
        socket.off("error", onError);
        socket.on("error", () => socket.destroy());
        if (peer.everConnected) this.stats.reconnects++;
        peer.everConnected = true;
        peer.socket = socket;
        socket.once("close", () => {
          if (peer.socket === socket) peer.socket = undefined;
          // Answers come back only on this connection: whatever was asked through it will never be answered.
          for (const id of [...peer.pendingIds]) {
            this.pending.get(id)?.reject(new TimeoutError(`connection to ${peer.address} lost; the outcome of the request is unknown`));
          }
          if (!this.closed && peer.queue.length > 0) void this.connect(peer);
        });
        socket.on("drain", () => this.flush(peer));
        this.readFrames(socket, (env) => this.onResponse(env));
        this.flush(peer);
        resolve();
      });
    });
  }

  private flush(peer: Peer): void {
    const socket = peer.socket;
    while (socket && !socket.destroyed && peer.queue.length > 0) {
      const ok = socket.write(peer.queue.shift()!);
      this.stats.framesOut++;
      if (!ok) return; // wait for "drain"
    }
  }

  private onResponse(env: Envelope): void {
    if (env.k === Kind.Message) {
      this.onInbound(undefined as unknown as Socket, env);
      return;
    }
    if (env.k !== Kind.Response || typeof env.i !== "number") {
      this.stats.malformed++;
      return;
    }
    if (this.filter && !this.filter("in", env.f)) return;
    const p = this.pending.get(env.i);
    if (!p) return;
    if (env.e !== undefined) p.reject(new RemoteError(env.c ?? "PROTOCOL", env.e));
    else p.resolve(env.b);
  }

  /** Closes every connection and the listener; pending requests fail with ClosedError. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.abort.abort();
    for (const p of [...this.pending.values()]) p.reject(new ClosedError("transport"));
    for (const peer of this.peers.values()) {
      peer.queue = [];
      peer.socket?.destroy();
    }
    for (const s of this.inbound) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** Splits `host:port` (IPv6 as `[::1]:port`). */
function splitAddress(address: string): [string, string] {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d+)$/.exec(address);
  if (!m) throw new TypeError(`bad address "${address}"`);
  return [(m[1] ?? m[2])!, m[3]!];
}
