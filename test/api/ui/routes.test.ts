import t from "tap";
import { UI_CONTENT_SECURITY_POLICY } from "../../../lib/api/ui/routes.js";
import { uiAsset } from "../../../lib/api/ui/assets.js";
import { APP_JS } from "../../../lib/api/ui/assets/app-js.js";
import { startUiServer } from "./ui-server.js";

async function server(t: { teardown(fn: () => unknown): void }) {
  const s = await startUiServer();
  t.teardown(() => s.close());
  return s;
}

t.test("GET / redirects to /ui/ (302), GET /ui to /ui/ (301) keeping the query", async (t) => {
  const { base } = await server(t);
  const root = await fetch(base + "/", { redirect: "manual" });
  t.equal(root.status, 302);
  t.equal(root.headers.get("location"), "/ui/");
  const ui = await fetch(base + "/ui?x=1", { redirect: "manual" });
  t.equal(ui.status, 301);
  t.equal(ui.headers.get("location"), "/ui/?x=1");
  await root.text();
  await ui.text();
});

t.test("the page and its files: content types, CSP allowing scripts from self only, no inline script", async (t) => {
  const { base } = await server(t);
  for (const [path, type] of [["/ui/", "text/html"], ["/ui/app.js", "text/javascript"], ["/ui/style.css", "text/css"]] as const) {
    const res = await fetch(base + path);
    t.equal(res.status, 200, path);
    t.match(res.headers.get("content-type"), type);
    t.equal(res.headers.get("content-security-policy"), UI_CONTENT_SECURITY_POLICY);
    t.equal(res.headers.get("x-content-type-options"), "nosniff");
    const body = await res.text();
    if (path === "/ui/") {
      t.notMatch(body, /<script>|<script [^>]*>[^<]/, "no inline script");
      t.notMatch(body, /https?:\/\//, "nothing from another origin");
    }
  }
  t.match(UI_CONTENT_SECURITY_POLICY, /script-src 'self'(;|$)/);
  t.notMatch(UI_CONTENT_SECURITY_POLICY, /unsafe-inline|unsafe-eval/);
});

t.test("a repeated request with the ETag gets 304; HEAD gets headers only", async (t) => {
  const { base } = await server(t);
  const first = await fetch(base + "/ui/app.js");
  const etag = first.headers.get("etag")!;
  await first.text();
  t.ok(etag);
  const again = await fetch(base + "/ui/app.js", { headers: { "if-none-match": etag } });
  t.equal(again.status, 304);
  await again.text();
  const head = await fetch(base + "/ui/style.css", { method: "HEAD" });
  t.equal(head.status, 200);
  t.equal(await head.text(), "");
});

t.test("an unknown file under /ui/ is 404; an extension-less path gets the page", async (t) => {
  const { base } = await server(t);
  const missing = await fetch(base + "/ui/nope.png");
  t.equal(missing.status, 404);
  await missing.text();
  const deep = await fetch(base + "/ui/services/web");
  t.equal(deep.status, 200);
  t.match(await deep.text(), /<main id="main">/);
  t.equal(uiAsset(""), uiAsset("index.html"));
  t.equal(uiAsset("a/b.js"), undefined);
});

t.test("the script builds the DOM from text: no innerHTML, outerHTML, insertAdjacentHTML, document.write or eval", async (t) => {
  t.notMatch(APP_JS, /innerHTML|outerHTML|insertAdjacentHTML|document\.write|\beval\(|new Function/);
});

t.test("/v1/internal/ui/services and /nodes answer with X-Consul-Index and block until the catalog changes", async (t) => {
  const { base, agent } = await server(t);
  await agent.register({ name: "web", port: 80, tags: ["v1"], check: { ttl: "60s" } });
  const first = await fetch(base + "/v1/internal/ui/services");
  const index = Number(first.headers.get("x-consul-index"));
  t.ok(index > 1);
  t.match(await first.json(), [{ Name: "web", InstanceCount: 1, Tags: ["v1"] }]);
  const blocked = fetch(`${base}/v1/internal/ui/services?index=${index}&wait=5s`);
  await agent.register({ name: "web", id: "web-2", port: 81, tags: ["v1"], check: { ttl: "60s" } });
  const res = await blocked;
  t.ok(Number(res.headers.get("x-consul-index")) > index);
  t.match(await res.json(), [{ Name: "web", InstanceCount: 2 }]);

  const nodes = await fetch(base + "/v1/internal/ui/nodes");
  t.ok(Number(nodes.headers.get("x-consul-index")) >= 1);
  t.match(await nodes.json(), [{ Node: "n1", Services: [{ ID: "web" }, { ID: "web-2" }] }]);
});
