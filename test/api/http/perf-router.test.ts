import t from "tap";
import fc from "fast-check";
import { Router, type Handler, type Route } from "../../../lib/api/http/router.js";
import { apiRoutes } from "../../../lib/api/http/routes.js";

/** A handler that is only compared by identity. */
function handler(): Handler {
  return async () => undefined;
}

/** The router's contract, written the slow and obvious way: every route in order, params decoded. */
function reference(routes: Route[], method: string, path: string): { route: Route; params: Record<string, string> } | "method" | undefined {
  const segments = path.split("/").filter(Boolean);
  let pathMatched = false;
  for (const r of routes) {
    const parts = r.pattern.split("/").filter(Boolean);
    const params: Record<string, string> = {};
    let ok = true;
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i]!;
      if (p === "*") {
        const prefix = "/" + parts.slice(0, i).join("/") + "/";
        params["*"] = path.length >= prefix.length ? decodeURIComponent(path.slice(prefix.length)) : "";
        break;
      }
      const s = segments[i];
      if (s === undefined || (!p.startsWith(":") && p !== s)) {
        ok = false;
        break;
      }
      if (p.startsWith(":")) params[p.slice(1)] = decodeURIComponent(s);
      if (i === parts.length - 1 && segments.length !== parts.length) ok = false;
    }
    if (parts.length === 0 && segments.length !== 0) ok = false;
    if (!ok) continue;
    if (r.method === method || (method === "HEAD" && r.method === "GET")) return { route: r, params };
    pathMatched = true;
  }
  return pathMatched ? "method" : undefined;
}

function same(t: Tap.Test, routes: Route[], router: Router, method: string, path: string): void {
  const want = reference(routes, method, path);
  const got = router.match(method, path);
  if (want === undefined || want === "method") t.equal(got, want, `${method} ${path}`);
  else t.same(got, { handler: want.route.handler, params: want.params }, `${method} ${path}`);
}

t.test("router: the first route added that matches wins, as a scan of every route would find", async (t) => {
  const routes: Route[] = [
    { method: "PUT", pattern: "/v1/agent/service/register", handler: handler() },
    { method: "GET", pattern: "/v1/agent/service/:id", handler: handler() },
    { method: "GET", pattern: "/v1/kv/*", handler: handler() },
    { method: "PUT", pattern: "/v1/kv/*", handler: handler() },
    { method: "GET", pattern: "/v1/:any/thing", handler: handler() },
    { method: "GET", pattern: "/ui/*", handler: handler() },
    { method: "GET", pattern: "/", handler: handler() },
    { method: "GET", pattern: "/v1", handler: handler() },
  ];
  const router = new Router().add(...routes);
  const paths = [
    "/v1/agent/service/register", "/v1/agent/service/web-1", "/v1/kv/a/b/", "/v1/kv", "/v1/kv/", "/v1/kv/a%20b",
    "/v1/catalog/thing", "/v1/agent/thing", "/ui/", "/ui/app.js", "/", "/v1", "/nope/at/all", "/v1//kv/x",
  ];
  for (const method of ["GET", "PUT", "HEAD", "DELETE"]) for (const path of paths) same(t, routes, router, method, path);
});

t.test("router: every real API route resolves as a full scan would (candidates by prefix lose nothing)", async (t) => {
  const routes = [...apiRoutes];
  const router = new Router().add(...routes);
  for (const r of routes) {
    const path = r.pattern.replace(/:[^/]+/g, "x").replace("*", "some/key/");
    for (const method of ["GET", "PUT", "DELETE", "HEAD", "POST"]) same(t, routes, router, method, path);
  }
});

t.test("router: matches a full scan on generated route tables and paths (property)", async (t) => {
  const segment = fc.constantFrom("v1", "kv", "agent", "a", "b", "%41", "a%2Fb");
  const patternPart = fc.constantFrom("v1", "kv", "agent", "a", ":x", ":y", "*");
  const pattern = fc.array(patternPart, { maxLength: 4 }).map((parts) => {
    const star = parts.indexOf("*");
    return "/" + (star < 0 ? parts : parts.slice(0, star + 1)).join("/");
  });
  const route = fc.record({ method: fc.constantFrom("GET", "PUT"), pattern });
  fc.assert(fc.property(
    fc.array(route, { maxLength: 8 }),
    fc.array(fc.array(segment, { maxLength: 5 }), { maxLength: 8 }),
    fc.constantFrom("GET", "PUT", "HEAD"),
    (specs, pathSegments, method) => {
      const routes = specs.map((s) => ({ ...s, handler: handler() }));
      const router = new Router().add(...routes);
      for (const segs of pathSegments) {
        const path = "/" + segs.join("/");
        const want = reference(routes, method, path);
        const got = router.match(method, path);
        if (want === undefined || want === "method") {
          if (got !== want) throw new Error(`${method} ${path}: ${String(got)} != ${String(want)}`);
        } else if (typeof got !== "object" || got.handler !== want.route.handler || JSON.stringify(got.params) !== JSON.stringify(want.params)) {
          throw new Error(`${method} ${path}: wrong route or params`);
        }
      }
    },
  ), { numRuns: 1000, seed: 11 });
  t.pass("1000 generated tables agree");
});

t.test("router: routes added after a match are found (the prefix index is rebuilt)", async (t) => {
  const router = new Router().add({ method: "GET", pattern: "/v1/a/b", handler: handler() });
  t.equal(router.match("GET", "/v1/a/c"), undefined);
  const late = handler();
  router.add({ method: "GET", pattern: "/v1/a/:x", handler: late });
  t.same(router.match("GET", "/v1/a/c"), { handler: late, params: { x: "c" } });
});

t.test("router: a captured segment with broken percent-encoding throws URIError (answered 500 as before)", async (t) => {
  const router = new Router().add({ method: "GET", pattern: "/v1/kv/*", handler: handler() });
  t.throws(() => router.match("GET", "/v1/kv/%zz"), URIError);
});
