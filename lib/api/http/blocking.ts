/**
 * Blocking reads: `?index=N&wait=D` waits until the query's own index moves
 * past N (or the wait ends), then answers with X-Consul-Index.
 *
 * @module
 */
import type { ServerResponse } from "node:http";
import type { WatchScope } from "../../catalog/scope.js";
import type { Consistency } from "../../agent/backend.js";
import type { HttpApiContext } from "./context.js";
import { HttpError } from "./errors.js";
import { blockingParams, consulHeaderList, consulHeaders, flag, type ApiRequest } from "./request.js";

/** Refuses a `?dc=` naming another datacenter, as Consul does when it has no path there. */
export function checkDatacenter(ctx: HttpApiContext, req: ApiRequest): void {
  const dc = req.query.get("dc");
  if (dc && dc !== ctx.agent.datacenter) throw new HttpError(500, "No path to datacenter");
}

/** The read consistency a request asks for. */
export function consistencyOf(req: ApiRequest): Consistency {
  if (flag(req.query, "consistent")) return "consistent";
  if (flag(req.query, "stale")) return "stale";
  return "default";
}

/**
 * Waits as the blocking parameters ask, then returns the scope's index.
 * The wait gets a random jitter of up to wait/16, as Consul adds, so many
 * watchers do not all come back at once.
 */
export async function waitForScope(ctx: HttpApiContext, req: ApiRequest, scope: WatchScope): Promise<number> {
  checkDatacenter(ctx, req);
  const { index, waitMs } = blockingParams(req.query);
  await ctx.backend.readBarrier(consistencyOf(req), req.signal);
  const { catalog } = ctx.backend;
  if (index > 0) {
    const jitter = ctx.rng.int(Math.max(1, Math.floor(waitMs / 16)));
    ctx.metrics.blockingQueriesActive++;
    try {
      await catalog.hub.wait(scope, index, { timeoutMs: waitMs + jitter, signal: req.signal });
    } finally {
      ctx.metrics.blockingQueriesActive--;
    }
  }
  return catalog.state.scopeIndex(scope);
}

/** Consul's headers for a read served at `index`. */
export function readHeaders(ctx: HttpApiContext, req: ApiRequest, res: ServerResponse, index: number): void {
  const consistency = consistencyOf(req);
  consulHeaders(res, index, ctx.backend.leaderContact(), consistency === "default" ? "leader" : consistency);
}

/** Most encoded answers kept; past it the oldest is dropped. */
export const RESPONSE_CACHE_ENTRIES_MAX = 1024;

/**
 * Encoded answers by query, valid while the query's scope index stays where
 * it was: a hot read (a health check of a big service polled by many
 * clients) is then a map lookup instead of a rebuild and a JSON.stringify.
 */
const responseCaches = new WeakMap<HttpApiContext, Map<string, { index: number; body: Buffer }>>();

/**
 * The cache key: the path and the query minus the blocking parameters (they
 * do not change the answer). Built from the query string as received, so it
 * costs a few string operations; two spellings of one query only take two
 * entries.
 */
function cacheKey(req: ApiRequest): string {
  const search = req.search ?? req.query.toString();
  if (!search.includes("index") && !search.includes("wait")) return `${req.path}?${search}`;
  let kept = "";
  for (const part of search.split("&")) {
    const eq = part.indexOf("=");
    const name = eq < 0 ? part : part.slice(0, eq);
    if (name === "index" || name === "wait") continue;
    kept = kept === "" ? part : `${kept}&${part}`;
  }
  return `${req.path}?${kept}`;
}

/** The cached answer for this request at `index`, encoding it when the scope has moved. */
function cachedBody(ctx: HttpApiContext, req: ApiRequest, index: number, compute: () => unknown): Buffer {
  let cache = responseCaches.get(ctx);
  if (!cache) responseCaches.set(ctx, (cache = new Map()));
  const key = cacheKey(req);
  const hit = cache.get(key);
  if (hit && hit.index === index) return hit.body;
  const value = compute();
  const body = Buffer.from(req.query.has("pretty") ? JSON.stringify(value, null, 4) : JSON.stringify(value));
  cache.delete(key);
  if (cache.size >= RESPONSE_CACHE_ENTRIES_MAX) cache.delete(cache.keys().next().value!);
  cache.set(key, { index, body });
  return body;
}

/**
 * A blocking read answered with JSON. The status line and headers go out in
 * one writeHead call: setHeader one by one costs more than the whole cached
 * lookup.
 */
export async function blockingJson(
  ctx: HttpApiContext, req: ApiRequest, res: ServerResponse, scope: WatchScope, compute: () => unknown,
): Promise<void> {
  const index = await waitForScope(ctx, req, scope);
  const body = cachedBody(ctx, req, index, compute);
  const consistency = consistencyOf(req);
  const headers = consulHeaderList(index, ctx.backend.leaderContact(), consistency === "default" ? "leader" : consistency);
  headers.push("Content-Type", "application/json", "Content-Length", String(body.length));
  res.writeHead(200, headers);
  res.end(body);
}
