/**
 * Runs one request through the API's handler without a socket: the request
 * body is a buffer and the response is collected in memory. Used to answer
 * requests forwarded from other datacenters over RPC.
 *
 * @module
 */
import { EventEmitter } from "node:events";
import { Readable } from "node:stream";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { ForwardedRequest, ForwardedResponse } from "./context.js";
import type { HttpHandler } from "./server.js";

/** The parts of ServerResponse the handlers use, kept in memory. */
class MemoryResponse extends EventEmitter {
  statusCode = 200;
  headersSent = false;
  destroyed = false;
  /** Set by end(): a 'close' after it is the normal end, not the client leaving. */
  writableFinished = false;
  readonly headers: Record<string, string> = {};
  body: Buffer = Buffer.alloc(0);
  private finish!: () => void;
  readonly finished = new Promise<void>((resolve) => (this.finish = resolve));

  setHeader(name: string, value: string | number | readonly string[]): this {
    this.headers[name.toLowerCase()] = Array.isArray(value) ? value.join(", ") : String(value);
    return this;
  }

  /** Sets the status and headers (an object, or a flat name, value, … list). */
  writeHead(status: number, headers?: Record<string, string | number | readonly string[]> | readonly (string | number)[]): this {
    this.statusCode = status;
    if (Array.isArray(headers)) {
      for (let i = 0; i + 1 < headers.length; i += 2) this.setHeader(String(headers[i]), String(headers[i + 1]));
    } else if (headers) {
      for (const [k, v] of Object.entries(headers)) this.setHeader(k, v);
    }
    return this;
  }

  end(data?: string | Uint8Array): this {
    if (data !== undefined) this.body = typeof data === "string" ? Buffer.from(data) : Buffer.from(data);
    this.headersSent = true;
    this.writableFinished = true;
    this.finish();
    this.emit("close");
    return this;
  }
}

/** Answers a forwarded request with `handler`; `signal` ends a blocking query early. */
export async function exchangeInMemory(handler: HttpHandler, request: ForwardedRequest, signal?: AbortSignal): Promise<ForwardedResponse> {
  const body = request.body ? Buffer.from(request.body) : Buffer.alloc(0);
  const req = Readable.from(body.length > 0 ? [body] : []) as unknown as IncomingMessage;
  Object.assign(req, { method: request.method, url: request.url, headers: { "content-length": String(body.length) } });
  const res = new MemoryResponse();
  signal?.addEventListener("abort", () => {
    res.destroyed = true;
    res.emit("close");
  }, { once: true });
  await handler(req, res as unknown as ServerResponse);
  await Promise.race([res.finished, new Promise<void>((r) => (signal?.aborted ? r() : signal?.addEventListener("abort", () => r(), { once: true })))]);
  return { status: res.statusCode, headers: res.headers, body: res.body };
}
