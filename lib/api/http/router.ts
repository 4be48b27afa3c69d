/**
 * A small router: method + path pattern (`:name` segments, a trailing `*`).
 *
 * @module
 */
import type { ServerResponse } from "node:http";
import type { HttpApiContext } from "./context.js";
import type { ApiRequest } from "./request.js";

/** A route handler. */
export type Handler = (ctx: HttpApiContext, req: ApiRequest, res: ServerResponse) => Promise<void>;

/** One route. */
export interface Route {
  method: string;
  pattern: string;
  handler: Handler;
}

interface Compiled extends Route {
  parts: string[];
}

/** Matches requests to routes. */
export class Router {
  private readonly routes: Compiled[] = [];

  /** Adds routes. */
  add(...routes: Route[]): this {
    for (const r of routes) this.routes.push({ ...r, parts: r.pattern.split("/").filter(Boolean) });
    return this;
  }

  /**
   * The handler and params for a request, `"method"` when the path exists
   * with another method, or undefined when nothing matches.
   */
  match(method: string, path: string): { handler: Handler; params: Record<string, string> } | "method" | undefined {
    const segments = path.split("/").filter(Boolean);
    let pathMatched = false;
    for (const r of this.routes) {
      const params = matchParts(r.parts, segments, path);
      if (!params) continue;
      if (r.method === method || (method === "HEAD" && r.method === "GET")) return { handler: r.handler, params };
      pathMatched = true;
    }
    return pathMatched ? "method" : undefined;
  }
}

function matchParts(parts: string[], segments: string[], path: string): Record<string, string> | undefined {
  const params: Record<string, string> = {};
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i]!;
    if (p === "*") {
      // The rest of the raw path, keeping a trailing slash (KV keys may end in '/').
      const prefix = "/" + parts.slice(0, i).join("/") + "/";
      params["*"] = path.length >= prefix.length ? decodeURIComponent(path.slice(prefix.length)) : "";
      return params;
    }
    const s = segments[i];
    if (s === undefined) return undefined;
    if (p.startsWith(":")) params[p.slice(1)] = decodeURIComponent(s);
    else if (p !== s) return undefined;
  }
  return segments.length === parts.length ? params : undefined;
}
