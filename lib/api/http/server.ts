/**
 * The HTTP listener serving Consul's /v1 API (and the UI when enabled).
 *
 * @module
 */
import { getEventListeners } from "node:events";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { HttpApiContext } from "./context.js";
import { toHttpError } from "./errors.js";
import { parseTarget, readBody, sendText, type ApiRequest } from "./request.js";
import { Router } from "./router.js";
import { apiRoutes } from "./routes.js";

/** A running HTTP API. */
export interface HttpApi {
  /** Where it listens (the real port when 0 was asked). */
  readonly address: { host: string; port: number };
  /** Stops listening and ends open connections (blocking queries included). */
  close(): Promise<void>;
}

/** Optional extra routes (the UI registers itself through this). */
export type RouteExtender = (router: Router) => void;

/** Handles one HTTP exchange against the API's routes. */
export type HttpHandler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

/** Builds the API's request handler (used by the listener, and by RPC forwarding from other datacenters). */
export function createHttpHandler(ctx: HttpApiContext, extend?: RouteExtender): HttpHandler {
  const router = new Router().add(...apiRoutes);
  extend?.(router);
  return (req, res) => handle(ctx, router, req, res);
}

/**
 * Starts the HTTP API on `host:port`.
 * @internal Started by the agent when its `http` option is set.
 */
export async function startHttpApi(
  ctx: HttpApiContext, listen: { host: string; port: number }, extend?: RouteExtender,
  handler: HttpHandler = createHttpHandler(ctx, extend),
): Promise<HttpApi> {
  const server: Server = createServer((req, res) => void handler(req, res));
  // A bad client must never take the agent down.
  server.on("clientError", (_err, socket) => socket.destroy());
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(listen.port, listen.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  server.unref();
  const { port } = server.address() as AddressInfo;
  return {
    address: { host: listen.host, port },
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      // The server tracks its connections itself; ending them here ends held blocking queries too.
      server.closeAllConnections();
    }),
  };
}

/**
 * Each connection's spare AbortController: one a finished request on it gave
 * back clean (never aborted, no listener left on its signal). Making an
 * AbortSignal costs Node 20 about 12 µs, as much as the rest of a cached read,
 * so sequential requests on a keep-alive connection take turns with one.
 * A reused signal can only fire when that same connection closes mid-request,
 * which is when its client has gone away for every request it ever sent.
 */
const spareControllers = new WeakMap<object, AbortController>();

/**
 * The signal that fires when a client goes away before its answer is
 * written. The controller is taken only when a handler asks for the signal,
 * and an answered request never aborts it (`abort()` builds a DOMException
 * with a stack, about 35 µs).
 */
class ClientGone {
  private controller: AbortController | undefined;
  private gone = false;

  constructor(private readonly connection: object | undefined, res: ServerResponse) {
    res.on("close", () => {
      // 'close' follows every response; only one closed unfinished means the client left.
      if (res.writableFinished) this.giveBack();
      else {
        this.gone = true;
        this.controller?.abort();
      }
    });
  }

  get signal(): AbortSignal {
    if (this.controller === undefined) {
      const spare = this.connection && spareControllers.get(this.connection);
      if (spare) spareControllers.delete(this.connection!);
      this.controller = spare ?? new AbortController();
      if (this.gone) this.controller.abort();
    }
    return this.controller.signal;
  }

  private giveBack(): void {
    const c = this.controller;
    if (c === undefined || this.connection === undefined || c.signal.aborted) return;
    // A listener left behind would pile up on a long-lived connection, so such a controller is not reused.
    if (getEventListeners(c.signal, "abort").length === 0) spareControllers.set(this.connection, c);
  }
}

/** An {@link ApiRequest} whose signal is made on first use. */
class ServerApiRequest implements ApiRequest {
  constructor(
    readonly method: string, readonly path: string, readonly query: URLSearchParams, readonly search: string,
    readonly params: Record<string, string>, readonly raw: IncomingMessage, private readonly gone: ClientGone,
  ) {}

  get signal(): AbortSignal {
    return this.gone.signal;
  }
}

async function handle(ctx: HttpApiContext, router: Router, req: IncomingMessage, res: ServerResponse): Promise<void> {
  ctx.metrics.requests++;
  const gone = new ClientGone(req.socket ?? undefined, res);
  try {
    const method = req.method ?? "GET";
    const { path, query, search } = parseTarget(req.url ?? "/");
    const dc = query.get("dc");
    if (dc && dc !== ctx.agent.datacenter && ctx.forwardToDatacenter) {
      // Another datacenter's question: its servers answer, with their index and headers.
      const body = method === "GET" || method === "HEAD" ? undefined : await readBody(req);
      const answer = await ctx.forwardToDatacenter(dc, { method, url: req.url ?? "/", body }, gone.signal);
      res.statusCode = answer.status;
      for (const [k, v] of Object.entries(answer.headers)) res.setHeader(k, v);
      res.end(answer.body);
      return;
    }
    const match = router.match(method, path);
    if (match === undefined) {
      ctx.metrics.errors++;
      return sendText(res, 404, `404 page not found: ${path}`);
    }
    if (match === "method") {
      ctx.metrics.errors++;
      return sendText(res, 405, `method ${method} not allowed`);
    }
    await match.handler(ctx, new ServerApiRequest(method, path, query, search, match.params, req, gone), res);
  } catch (err) {
    ctx.metrics.errors++;
    if (res.headersSent || res.destroyed) return;
    const httpErr = toHttpError(err);
    if (httpErr.status >= 500) ctx.logger.warn({ component: "http", err }, "request failed");
    sendText(res, httpErr.status, httpErr.message);
  }
}
