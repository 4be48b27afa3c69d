/**
 * One request over a fresh TCP connection to a {@link TcpTransport} listener,
 * the way memberlist dials a new stream for each TCP ping: connect, send one
 * request frame, wait for its response, close. Unlike `TcpTransport.request`
 * nothing is queued or retried, so a request that timed out can never be
 * delivered later, and a large push-pull on the pooled connection cannot
 * hold up a liveness ping behind it.
 *
 * The frames are the transport's own (see tcp.ts): a request envelope
 * `{ k: 1, f: from, i: id, b: body }` answered by `{ k: 2, f, i, b }` or, when
 * the remote handler failed, `{ k: 2, f, i, e: message, c: code }`.
 *
 * @module
 */
import { connect } from "node:net";
import { AbortedError, MalformedPacketError, TimeoutError } from "../util/errors.js";
import { FrameDecoder, encodeFrame } from "./frame.js";
import { FRAME_BYTES_MAX } from "./limits.js";
import { RemoteError } from "./tcp.js";

/** Envelope kinds, as tcp.ts numbers them on the wire: a request, and the response to it. */
const KIND_REQUEST = 1;
const KIND_RESPONSE = 2;

/** The one request id used on a connection that carries one request. */
const REQUEST_ID = 1;

/** Options of {@link requestOnce}. */
export interface RequestOnceOptions {
  /** Our listening address, `host:port`: the listener hands it to its handler as the sender. */
  from: string;
  /** Time for connecting, sending and the answer together (ms). */
  timeoutMs: number;
  /**
   * Keep the process alive while the request is in flight: true for calls a
   * caller awaits (keyring operations), false for background work (pings).
   * @defaultValue false
   */
  holdProcess?: boolean;
  /** Frame size limit of the response. @defaultValue FRAME_BYTES_MAX */
  frameBytesMax?: number;
  /** Aborts the request (the connection is closed). */
  signal?: AbortSignal;
}

/**
 * Sends `body` as one request to the listener at `host`:`port` and resolves
 * with the response body. The connection is always closed afterwards.
 * @throws TimeoutError when nothing answered in time or the connection failed or closed first;
 *   RemoteError carrying the remote handler's code and message; MalformedPacketError for a
 *   response that is not a frame or an unencodable body; AbortedError when `signal` aborts.
 */
export function requestOnce(host: string, port: number, body: unknown, o: RequestOnceOptions): Promise<unknown> {
  const target = host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
  let frame: Buffer;
  try {
    if (o.signal?.aborted) throw new AbortedError({ cause: o.signal.reason });
    frame = encodeFrame({ k: KIND_REQUEST, f: o.from, i: REQUEST_ID, b: body }, o.frameBytesMax ?? FRAME_BYTES_MAX);
  } catch (err) {
    return Promise.reject(err);
  }
  return new Promise<unknown>((resolve, reject) => {
    let done = false;
    const socket = connect({ host, port });
    const timer = setTimeout(() => finish(new TimeoutError(`request to ${target} timed out after ${o.timeoutMs} ms`)), o.timeoutMs);
    if (!o.holdProcess) {
      socket.unref();
      timer.unref();
    }
    const onAbort = (): void => finish(new AbortedError({ cause: o.signal?.reason }));
    o.signal?.addEventListener("abort", onAbort, { once: true });
    function finish(err: unknown, value?: unknown): void {
      if (done) return;
      done = true;
      clearTimeout(timer);
      o.signal?.removeEventListener("abort", onAbort);
      socket.destroy();
      if (err === undefined) resolve(value);
      else reject(err);
    }
    socket.setNoDelay(true);
    socket.once("connect", () => socket.write(frame));
    socket.once("error", (err) => finish(new TimeoutError(`cannot reach ${target}: ${err.message}`, { cause: err })));
    socket.once("close", () => finish(new TimeoutError(`${target} closed the connection without answering`)));
    const decoder = new FrameDecoder(o.frameBytesMax ?? FRAME_BYTES_MAX);
    socket.on("data", (chunk: Buffer) => {
      for (const ev of decoder.push(chunk)) {
        if ("error" in ev) return finish(ev.error);
        const env = ev.value as { k?: unknown; i?: unknown; b?: unknown; e?: unknown; c?: unknown } | null;
        if (typeof env !== "object" || env === null || env.k !== KIND_RESPONSE || env.i !== REQUEST_ID) {
          return finish(new MalformedPacketError(`${target} answered something that is not our response`));
        }
        if (env.e !== undefined) return finish(new RemoteError(typeof env.c === "string" ? env.c : "PROTOCOL", String(env.e)));
        return finish(undefined, env.b);
      }
    });
  });
}
