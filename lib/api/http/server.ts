/**
 * The HTTP listener serving Consul's /v1 API (and the UI when enabled).
 *
 * @module
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import type { HttpApiContext } from "./context.js";
import { toHttpError } from "./errors.js";
import { readBody, sendText, type ApiRequest } from "./request.js";
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
  const sockets = new Set<Socket>();
  const server: Server = createServer((req, res) => void handler(req, res));
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });
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
      for (const s of sockets) s.destroy();
    }),
  };
}

async function handle(ctx: HttpApiContext, router: Router, req: IncomingMessage, res: ServerResponse): Promise<void> {
  ctx.metrics.requests++;
  const aborter = new AbortController();
  res.once("close", () => aborter.abort());
  try {
    const url = new URL(req.url ?? "/", "http://agent");
    const dc = url.searchParams.get("dc");
    if (dc && dc !== ctx.agent.datacenter && ctx.forwardToDatacenter) {
      // Another datacenter's question: its servers answer, with their index and headers.
      const body = req.method === "GET" || req.method === "HEAD" ? undefined : await readBody(req);
      const answer = await ctx.forwardToDatacenter(dc, { method: req.method ?? "GET", url: req.url ?? "/", body }, aborter.signal);
      res.statusCode = answer.status;
      for (const [k, v] of Object.entries(answer.headers)) res.setHeader(k, v);
      res.end(answer.body);
      return;
    }
    const match = router.match(req.method ?? "GET", url.pathname);
    if (match === undefined) {
      ctx.metrics.errors++;
      return sendText(res, 404, `404 page not found: ${url.pathname}`);
    }
    if (match === "method") {
      ctx.metrics.errors++;
      return sendText(res, 405, `method ${req.method} not allowed`);
    }
    const apiReq: ApiRequest = {
      method: req.method ?? "GET", path: url.pathname, query: url.searchParams, params: match.params,
      raw: req, signal: aborter.signal,
    };
    await match.handler(ctx, apiReq, res);
  } catch (err) {
    ctx.metrics.errors++;
    if (res.headersSent || res.destroyed) return;
    const httpErr = toHttpError(err);
    if (httpErr.status >= 500) ctx.logger.warn({ component: "http", err }, "request failed");
    sendText(res, httpErr.status, httpErr.message);
  }
}
