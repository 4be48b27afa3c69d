import t, { type Test } from "tap";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Agent } from "../../lib/agent/agent.js";
import { startTemplate } from "../../lib/template/start.js";
import { httpTemplateSource, requestFor } from "../../lib/template/http-source.js";
import { agentTemplateSource } from "../../lib/template/catalog-source.js";
import type { RenderEvent } from "../../lib/template/options.js";
import type { Dependency } from "../../lib/template/dependency.js";
import type { Logger } from "../../lib/util/logger.js";

/** Bounded wait for the next render that satisfies `pred`. */
function renderWatch(): { onRender: (e: RenderEvent) => void; until(pred: (e: RenderEvent) => boolean, what: string, ms?: number): Promise<RenderEvent>; events: RenderEvent[] } {
  const events: RenderEvent[] = [];
  const waiters = new Set<(e: RenderEvent) => void>();
  return {
    events,
    onRender: (e) => {
      events.push(e);
      for (const w of [...waiters]) w(e);
    },
    until: (pred, what, ms = 5000) => new Promise((resolve, reject) => {
      const last = events.at(-1);
      if (last && pred(last)) return resolve(last);
      const timer = setTimeout(() => {
        waiters.delete(w);
        reject(new Error(`timed out after ${ms} ms waiting for a render with ${what}; last: ${JSON.stringify(events.at(-1)?.contents)}`));
      }, ms);
      const w = (e: RenderEvent): void => {
        if (!pred(e)) return;
        clearTimeout(timer);
        waiters.delete(w);
        resolve(e);
      };
      waiters.add(w);
    }),
  };
}

/** A logger that lets a test wait for a line. */
function waitableLogger(): Logger & { until(re: RegExp, ms?: number): Promise<void> } {
  const lines: string[] = [];
  const listeners = new Set<() => void>();
  const rec = (level: string) => (obj: object | string, msg?: string): void => {
    lines.push(`${level} ${typeof obj === "string" ? obj : `${msg ?? ""} ${JSON.stringify(obj, (_k, v) => (v instanceof Error ? v.message : v))}`}`);
    for (const l of listeners) l();
  };
  return {
    debug: rec("debug"), info: rec("info"), warn: rec("warn"), error: rec("error"),
    until: (re, ms = 5000) => new Promise((resolve, reject) => {
      const check = (): boolean => lines.some((l) => re.test(l));
      if (check()) return resolve();
      const timer = setTimeout(() => {
        listeners.delete(l);
        reject(new Error(`no log line matching ${re} within ${ms} ms:\n${lines.join("\n")}`));
      }, ms);
      const l = (): void => {
        if (!check()) return;
        clearTimeout(timer);
        listeners.delete(l);
        resolve();
      };
      listeners.add(l);
    }),
  };
}

const TEMPLATE = `{{ range service "web" }}server {{ .Address }}:{{ .Port }};
{{ end }}# {{ key "app/version" }}
`;

async function setup(t: Test): Promise<{ agent: Agent; dir: string; address: string }> {
  const agent = await Agent.start({ node: "tpl-node", http: "127.0.0.1:0" });
  t.teardown(() => agent.close());
  // The library unrefs everything; a host process has its own reasons to stay up, this test has this one.
  const keepAlive = setInterval(() => {}, 1000);
  t.teardown(() => clearInterval(keepAlive));
  const dir = await mkdtemp(join(tmpdir(), "disco-tpl-agent-"));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const { host, port } = agent.httpAddress!;
  return { agent, dir, address: `http://${host}:${port}` };
}

for (const mode of ["http", "in-process"] as const) {
  t.test(`${mode}: a missing key blocks the first render; then renders on start, re-renders on register, deregister and KV change`, async (t) => {
    const { agent, dir, address } = await setup(t);
    const dest = join(dir, "upstream.conf");
    const reloads = join(dir, "reloads");
    await agent.register({ name: "web", id: "web-1", port: 8081, check: { ttl: "10s" } });
    const logger = waitableLogger();
    const w = renderWatch();
    const tpl = startTemplate(mode === "http" ? httpTemplateSource({ address }) : agent, {
      contents: TEMPLATE, destination: dest, command: `echo reload >> ${reloads}`, logger, onRender: w.onRender,
    });
    t.teardown(() => tpl.close());

    await logger.until(/not rendering yet .*app\/version.* does not exist/);
    t.equal(w.events.length, 0, "nothing rendered while app/version is missing");
    await t.rejects(readFile(dest), { code: "ENOENT" });

    await agent.kv.put("app/version", "v1");
    await tpl.rendered;
    t.equal(await readFile(dest, "utf8"), "server 127.0.0.1:8081;\n# v1\n");
    t.equal(await readFile(reloads, "utf8"), "reload\n", "the command ran after the write");

    const reg2 = await agent.register({ name: "web", id: "web-2", port: 8082, check: { ttl: "10s" } });
    await w.until((e) => e.contents.includes(":8082"), "web-2");
    t.equal(await readFile(dest, "utf8"), "server 127.0.0.1:8081;\nserver 127.0.0.1:8082;\n# v1\n");

    await agent.kv.put("app/version", "v2");
    await w.until((e) => e.contents.includes("# v2"), "v2");

    await reg2.deregister();
    await w.until((e) => !e.contents.includes(":8082"), "web-2 gone");
    t.equal(await readFile(dest, "utf8"), "server 127.0.0.1:8081;\n# v2\n");
    t.equal((await readFile(reloads, "utf8")).split("\n").filter(Boolean).length, 4, "one reload per change");
  });
}

t.test("in-process: catalog and KV functions read the agent's own data", async (t) => {
  const { agent } = await setup(t);
  await agent.register({ name: "db", id: "db-1", port: 5432, tags: ["primary"], meta: { v: "15" }, check: { ttl: "10s" } });
  await agent.kv.put("cfg/a", "1");
  await agent.kv.put("cfg/sub/b", "2");
  const w = renderWatch();
  const tpl = startTemplate(agent, {
    contents: `{{ range services }}{{ .Name }}[{{ join "," .Tags }}] {{ end }}|{{ range nodes }}{{ .Node }}{{ end }}|{{ with node }}{{ .Node.Node }}:{{ range .Services }}{{ .ID }}{{ end }}{{ end }}|{{ range ls "cfg" }}{{ .Key }}={{ .Value }}{{ end }}|{{ range tree "cfg" }}{{ .Key }} {{ end }}|{{ range service "primary.db" }}{{ .ServiceMeta.v }}{{ end }}`,
    dry: true, onRender: w.onRender,
  });
  t.teardown(() => tpl.close());
  await tpl.rendered;
  t.equal(w.events[0]!.contents, "db[primary] |tpl-node|tpl-node:db-1|a=1|a sub/b |15");
});

t.test("in-process: another datacenter is refused (NotSupportedError), logged, and nothing renders", async (t) => {
  const { agent } = await setup(t);
  const source = agentTemplateSource(agent);
  const dep: Dependency = { kind: "catalog-services", dc: "dc9" };
  await t.rejects(source.fetch(dep, { index: 0, waitMs: 100, signal: new AbortController().signal }), { name: "NotSupportedError" });
});

t.test("in-process: a closed agent ends the watches (ClosedError) instead of spinning", async (t) => {
  const { agent } = await setup(t);
  const source = agentTemplateSource(agent);
  await agent.close();
  await t.rejects(source.fetch({ kind: "catalog-nodes", dc: undefined }, { index: 0, waitMs: 100, signal: new AbortController().signal }), { name: "ClosedError" });
});

t.test("http: blocking reads wait for a change and carry the index; a KV 404 is 'no value'", async (t) => {
  const { agent, address } = await setup(t);
  const source = httpTemplateSource({ address });
  const signal = new AbortController().signal;
  const dep: Dependency = { kind: "kv-get", key: "b/k", dc: undefined };
  const first = await source.fetch(dep, { index: 0, waitMs: 1000, signal });
  t.equal(first.value, undefined);
  t.ok(first.index > 0, "a 404 still carries X-Consul-Index");
  const blocked = source.fetch(dep, { index: first.index, waitMs: 5000, signal });
  await agent.kv.put("b/k", "v");
  const second = await blocked;
  t.ok(second.index > first.index);
  t.match(second.value, { Key: "b/k", Value: Buffer.from("v").toString("base64") });
  const list = await source.fetch({ kind: "kv-list", prefix: "nothing/", dc: undefined }, { index: 0, waitMs: 1000, signal });
  t.same(list.value, []);
  const node = await source.fetch({ kind: "catalog-node", name: "", dc: undefined }, { index: 0, waitMs: 1000, signal });
  t.match(node.value, { Node: { Node: "tpl-node" } }, "node without a name is the agent's own (/v1/agent/self)");
  const missing = await source.fetch({ kind: "catalog-node", name: "nope", dc: undefined }, { index: 0, waitMs: 1000, signal });
  t.equal(missing.value, undefined);
  await t.rejects(source.fetch({ kind: "catalog-nodes", dc: "dc9" }, { index: 0, waitMs: 1000, signal }), { name: "TemplateSourceError", status: 500 });
});

t.test("http: an unreachable agent is a TemplateSourceError (retried by the watcher)", async (t) => {
  const source = httpTemplateSource({ address: "http://127.0.0.1:1" });
  await t.rejects(source.fetch({ kind: "catalog-nodes", dc: undefined }, { index: 0, waitMs: 100, signal: new AbortController().signal }), { name: "TemplateSourceError", code: "CLOSED", message: /cannot reach the agent/ });
  t.throws(() => httpTemplateSource({ address: "not a url" }), { name: "InvalidConfigError", field: "address" });
  t.throws(() => httpTemplateSource({ address: "ftp://x" }), { name: "InvalidConfigError", field: "address" });
});

t.test("http: requests follow consul-template's (passing filter, tag, dc, recurse, encoded keys)", async (t) => {
  const q = (dep: Dependency): string => {
    const r = requestFor(dep, "self");
    return `${r.path}?${r.query.toString()}`;
  };
  t.equal(q({ kind: "health-service", name: "web", tag: "v1", dc: "dc1", passingOnly: true }), "/v1/health/service/web?dc=dc1&tag=v1&passing=");
  t.equal(q({ kind: "health-service", name: "web", tag: undefined, dc: undefined, passingOnly: false }), "/v1/health/service/web?");
  t.equal(q({ kind: "kv-list", prefix: "a b/c", dc: undefined }), "/v1/kv/a%20b/c?recurse=");
  t.equal(q({ kind: "catalog-node", name: "", dc: undefined }), "/v1/catalog/node/self?");
  t.equal(q({ kind: "catalog-services", dc: undefined }), "/v1/catalog/services?");
});
