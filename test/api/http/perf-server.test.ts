import t from "tap";
import { Agent as HttpAgent, request } from "node:http";
import type { HttpApiContext } from "../../../lib/api/http/context.js";
import { exchangeInMemory } from "../../../lib/api/http/memory-exchange.js";
import type { ApiRequest } from "../../../lib/api/http/request.js";
import { createHttpHandler, startHttpApi, type RouteExtender } from "../../../lib/api/http/server.js";
import { Agent } from "../../../lib/index.js";
import { silentLogger } from "../../../lib/util/logger.js";

/** Longest a test route waits for an event before giving up (keeps a broken test from hanging). */
const WAIT_MS_MAX = 5000;

/** Just what the server itself reads from its context; the test routes need nothing more. */
function fakeContext(): HttpApiContext {
  return {
    agent: { datacenter: "dc1" }, logger: silentLogger,
    metrics: { requests: 0, errors: 0, blockingQueriesActive: 0 },
  } as unknown as HttpApiContext;
}

/** Resolves when `signal` aborts, or with false after WAIT_MS_MAX. */
function aborted(signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), WAIT_MS_MAX);
    signal.addEventListener("abort", () => {
      clearTimeout(timer);
      resolve(true);
    }, { once: true });
  });
}

/** GET over one keep-alive connection (the agent holds a single socket). */
function get(agent: HttpAgent, url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    request(url, { agent }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode!, body }));
    }).on("error", reject).end();
  });
}

async function serve(t: Tap.Test, extend: RouteExtender): Promise<string> {
  const ctx = fakeContext();
  const api = await startHttpApi(ctx, { host: "127.0.0.1", port: 0 }, extend);
  t.teardown(() => api.close());
  return `http://127.0.0.1:${api.address.port}`;
}

t.test("server: a request's signal fires when its client goes away before the answer", async (t) => {
  let seen: Promise<boolean> | undefined;
  let arrived!: () => void;
  const inHandler = new Promise<void>((r) => (arrived = r));
  const base = await serve(t, (router) => router.add({
    method: "GET", pattern: "/t/hold", handler: async (_ctx, req, res) => {
      seen = aborted(req.signal);
      arrived();
      if (await seen) return;
      res.end("late");
    },
  }));
  const client = new AbortController();
  const pending = fetch(`${base}/t/hold`, { signal: client.signal }).catch((err: Error) => err.name);
  await inHandler;
  client.abort();
  t.equal(await pending, "AbortError");
  t.equal(await seen, true, "the handler's signal aborted");
});

t.test("server: a signal first read after the client left is already aborted", async (t) => {
  let result: Promise<boolean> | undefined;
  let arrived!: () => void;
  const inHandler = new Promise<void>((r) => (arrived = r));
  const base = await serve(t, (router) => router.add({
    method: "GET", pattern: "/t/late", handler: async (_ctx, req, res) => {
      arrived();
      await new Promise<void>((r) => {
        const timer = setTimeout(r, WAIT_MS_MAX);
        res.once("close", () => (clearTimeout(timer), r()));
      });
      result = Promise.resolve(req.signal.aborted);
    },
  }));
  const client = new AbortController();
  const pending = fetch(`${base}/t/late`, { signal: client.signal }).catch(() => undefined);
  await inHandler;
  client.abort();
  await pending;
  for (let i = 0; i < 100 && result === undefined; i++) await new Promise((r) => setTimeout(r, 10));
  t.equal(await result, true);
});

t.test("server: answered requests never see their signal abort, and a keep-alive connection reuses a clean one", async (t) => {
  const signals: AbortSignal[] = [];
  const base = await serve(t, (router) => router.add(
    {
      method: "GET", pattern: "/t/quick", handler: async (_ctx, req, res) => {
        signals.push(req.signal);
        res.end("ok");
      },
    },
    {
      method: "GET", pattern: "/t/leaky", handler: async (_ctx, req, res) => {
        signals.push(req.signal);
        req.signal.addEventListener("abort", () => undefined); // left behind on purpose
        res.end("ok");
      },
    },
  ));
  const agent = new HttpAgent({ keepAlive: true, maxSockets: 1 });
  t.teardown(() => agent.destroy());
  for (const path of ["/t/quick", "/t/quick", "/t/leaky", "/t/quick", "/t/quick"]) t.same(await get(agent, base + path), { status: 200, body: "ok" });
  t.equal(signals[0], signals[1], "sequential requests on one connection share a clean signal");
  t.equal(signals[1], signals[2], "the leaky route got it too (it was clean when handed out) …");
  t.not(signals[2], signals[3], "… and it was not handed out again with a listener left on it");
  t.equal(signals[3], signals[4]);
  agent.destroy();
  await new Promise((r) => setTimeout(r, 50));
  t.ok(signals.every((s) => !s.aborted), "closing an idle connection aborts nothing");
});

t.test("server: unknown paths 404, wrong methods 405, errors become Consul's plain-text answers", async (t) => {
  const base = await serve(t, (router) => router.add(
    { method: "GET", pattern: "/t/boom", handler: async () => { throw new Error("kaput"); } },
  ));
  const answer = async (method: string, path: string): Promise<[number, string]> => {
    const res = await fetch(base + path, { method });
    return [res.status, await res.text()];
  };
  t.same(await answer("GET", "/t/none"), [404, "404 page not found: /t/none"]);
  t.same(await answer("PUT", "/t/boom"), [405, "method PUT not allowed"]);
  t.same(await answer("GET", "/t/boom"), [500, "kaput"]);
});

t.test("memory exchange: writeHead with a flat list or an object, and the caller's signal reaching the handler", async (t) => {
  let handlerSignal: AbortSignal | undefined;
  const handler = createHttpHandler(fakeContext(), (router) => router.add(
    { method: "GET", pattern: "/t/list", handler: async (_ctx, _req, res) => void res.writeHead(201, ["X-A", "1", "Content-Type", "text/plain"]).end("hi") },
    { method: "GET", pattern: "/t/object", handler: async (_ctx, _req, res) => void res.writeHead(202, { "X-B": 2 }).end() },
    {
      method: "GET", pattern: "/t/wait", handler: async (_ctx, req: ApiRequest) => {
        handlerSignal = req.signal;
        await aborted(req.signal);
      },
    },
  ));
  const list = await exchangeInMemory(handler, { method: "GET", url: "/t/list" });
  t.same({ ...list, body: Buffer.from(list.body).toString() }, { status: 201, headers: { "x-a": "1", "content-type": "text/plain" }, body: "hi" });
  const object = await exchangeInMemory(handler, { method: "GET", url: "/t/object" });
  t.same({ status: object.status, headers: object.headers }, { status: 202, headers: { "x-b": "2" } });
  const caller = new AbortController();
  const waiting = exchangeInMemory(handler, { method: "GET", url: "/t/wait" }, caller.signal);
  for (let i = 0; i < 100 && handlerSignal === undefined; i++) await new Promise((r) => setTimeout(r, 5));
  caller.abort();
  await waiting;
  t.equal(handlerSignal?.aborted, true, "the forwarded request was abandoned");
});

t.test("cached reads: same bytes whatever index/wait spelling, refreshed after a write, ?pretty kept apart", async (t) => {
  const agent = await Agent.start({ node: "n1", http: "127.0.0.1:0" });
  t.teardown(() => agent.close());
  const base = `http://127.0.0.1:${agent.httpAddress!.port}`;
  await agent.register({ name: "web", id: "web-1", port: 1 });
  const read = async (query: string): Promise<{ body: string; index: string; headers: string[] }> => {
    const res = await fetch(`${base}/v1/health/service/web${query}`);
    return { body: await res.text(), index: res.headers.get("x-consul-index")!, headers: [...res.headers.keys()] };
  };
  const first = await read("");
  const consul = ["content-length", "content-type", "x-consul-effective-consistency", "x-consul-index", "x-consul-knownleader", "x-consul-lastcontact"];
  t.same(first.headers.filter((h) => consul.includes(h)), consul, "Consul's headers, all in one writeHead");
  const again = await read(`?index=1&wait=1ms`);
  t.equal(again.body, first.body);
  t.equal(again.index, first.index);
  t.equal((await read("?wait=1ms&stale")).body, first.body);
  const pretty = await read("?pretty");
  t.not(pretty.body, first.body);
  t.same(JSON.parse(pretty.body), JSON.parse(first.body));
  await agent.register({ name: "web", id: "web-2", port: 2 });
  const after = await read("");
  t.equal((JSON.parse(after.body) as unknown[]).length, 2, "a write moves the index and the cached answer with it");
  t.equal((JSON.parse((await read("?pretty")).body) as unknown[]).length, 2);
  const head = await fetch(`${base}/v1/health/service/web`, { method: "HEAD" });
  t.equal(head.status, 200);
  t.equal(head.headers.get("x-consul-index"), after.index);
  t.equal(await head.text(), "", "HEAD has the headers and no body");
});
