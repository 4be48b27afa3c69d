/**
 * The web UI's routes: the page and its files under /ui/, the redirects to
 * it, and the two summary reads the page lists services and nodes with.
 *
 * @module
 */
import type { ServerResponse } from "node:http";
import type { CatalogState } from "../../catalog/state.js";
import { readHeaders } from "../http/blocking.js";
import type { HttpApiContext } from "../http/context.js";
import { sendJson, sendText, type ApiRequest } from "../http/request.js";
import type { Route } from "../http/router.js";
import { uiAsset } from "./assets.js";
import { nodesSummary, servicesSummary, summaryScopes } from "./summary.js";
import { waitForAnyScope } from "./watch-any.js";

/**
 * Content-Security-Policy of every UI file: scripts, styles and requests only
 * from this agent, no inline script, no frames. The page builds its DOM from
 * text nodes; this is the second wall should that ever slip.
 */
export const UI_CONTENT_SECURITY_POLICY = [
  "default-src 'none'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:", "connect-src 'self'",
  "base-uri 'none'", "form-action 'none'", "frame-ancestors 'none'",
].join("; ");

function redirect(res: ServerResponse, status: number, location: string): void {
  res.setHeader("Location", location);
  sendText(res, status, `Redirecting to ${location}\n`);
}

function search(req: ApiRequest): string {
  const q = req.query.toString();
  return q ? `?${q}` : "";
}

async function serveAsset(_ctx: HttpApiContext, req: ApiRequest, res: ServerResponse): Promise<void> {
  // The /ui/* pattern matches /ui too; relative links need the trailing slash.
  if (req.path === "/ui") return redirect(res, 301, `/ui/${search(req)}`);
  const file = uiAsset(req.params["*"] ?? "");
  if (!file) return sendText(res, 404, `404 page not found: ${req.path}`);
  res.setHeader("Content-Security-Policy", UI_CONTENT_SECURITY_POLICY);
  res.setHeader("X-Content-Type-Options", "nosniff");
  res.setHeader("X-Frame-Options", "DENY");
  res.setHeader("Referrer-Policy", "no-referrer");
  // Revalidate every time: the files change with the package, and a 304 costs one round trip.
  res.setHeader("Cache-Control", "no-cache");
  res.setHeader("ETag", file.etag);
  if (req.raw.headers["if-none-match"] === file.etag) {
    res.statusCode = 304;
    res.end();
    return;
  }
  res.statusCode = 200;
  res.setHeader("Content-Type", file.contentType);
  res.setHeader("Content-Length", file.body.length);
  res.end(file.body);
}

/** A blocking read of a summary built from the catalog state as it is after the wait. */
function summaryRoute(pattern: string, compute: (state: CatalogState, ctx: HttpApiContext) => unknown): Route {
  return {
    method: "GET", pattern,
    handler: async (ctx, req, res) => {
      const index = await waitForAnyScope(ctx, req, () => summaryScopes(ctx.backend.catalog.state));
      readHeaders(ctx, req, res, index);
      sendJson(res, 200, compute(ctx.backend.catalog.state, ctx), req.query.has("pretty"));
    },
  };
}

/**
 * The UI's routes, for the HTTP server to add when the agent's `ui` option is on:
 * - `GET /` and `GET /ui` redirect to `/ui/`;
 * - `GET /ui/…` serves the page, `app.js` and `style.css`;
 * - `GET /v1/internal/ui/services`: every service with its instance count and
 *   passing/warning/critical check counts (Consul's UI endpoint of that name);
 * - `GET /v1/internal/ui/nodes`: every node with its services and checks.
 *
 * The two summaries are blocking reads (`?index=&wait=`) over every scope
 * their answer depends on, so the page updates without polling.
 */
export function uiRoutes(): Route[] {
  return [
    // Temporary: the root must not stay cached as a redirect if the UI is later turned off.
    { method: "GET", pattern: "/", handler: async (_ctx, _req, res) => redirect(res, 302, "/ui/") },
    { method: "GET", pattern: "/ui/*", handler: serveAsset },
    summaryRoute("/v1/internal/ui/services", (state, ctx) => servicesSummary(state, ctx.agent.datacenter)),
    summaryRoute("/v1/internal/ui/nodes", (state) => nodesSummary(state)),
  ];
}
