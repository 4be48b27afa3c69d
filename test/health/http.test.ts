import http from "node:http";
import https from "node:https";
import type { AddressInfo } from "node:net";
import t, { type Test } from "tap";
import { createCheckRunner, type CheckResult, type CheckRunner } from "../../lib/health/index.js";
import { realTimers } from "../../lib/util/timers.js";
import { CHECK_OUTPUT_BYTES_MAX } from "../../lib/util/limits.js";
import { def, flush, ResultSink, TEST_TLS_CERT, TEST_TLS_KEY, until } from "./fixtures/helpers.js";

interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  closed: boolean;
}

/** A test server on 127.0.0.1:0 with a few health endpoints; records what it receives. */
async function startServer(t: Test, tls = false) {
  const seen: Seen[] = [];
  const handler: http.RequestListener = (req, res) => {
    const entry: Seen = { method: req.method ?? "", url: req.url ?? "", headers: req.headers, body: "", closed: false };
    seen.push(entry);
    req.on("data", (c: Buffer) => (entry.body += c.toString()));
    res.on("close", () => (entry.closed = true));
    req.on("end", () => {
      switch (req.url) {
        case "/ok": return void res.end("ok");
        case "/busy": return void res.writeHead(429).end("slow down");
        case "/fail": return void res.writeHead(500).end("down");
        case "/redirect": return void res.writeHead(301, { location: "/ok" }).end();
        case "/echo": return void res.end(`${req.method} ${entry.body}`);
        case "/slow": return; // never answers
        case "/trickle": // status and some body, then nothing
          res.writeHead(200);
          res.write("partial");
          return;
        case "/endless": // a body that never ends: the check must stop reading at the cap
          res.writeHead(200);
          res.write("x".repeat(64 * 1024));
          return;
        default: return void res.writeHead(404).end();
      }
    });
  };
  const server = tls
    ? https.createServer({ key: TEST_TLS_KEY, cert: TEST_TLS_CERT }, handler)
    : http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  t.teardown(() => new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  }));
  return { port, seen, base: `${tls ? "https" : "http"}://127.0.0.1:${port}` };
}

/** Starts an HTTP check; it is stopped when the test ends. */
function run(t: Test, input: Record<string, unknown>): { runner: CheckRunner; sink: ResultSink } {
  const sink = new ResultSink();
  const runner = createCheckRunner(def({ interval: "10s", ...input }), { timers: realTimers(), onResult: sink.onResult });
  t.teardown(() => runner.stop());
  runner.start();
  return { runner, sink };
}

t.test("http: 2xx passing, 429 warning, anything else critical (Consul HTTP check)", async (t) => {
  const { base } = await startServer(t);
  const cases: Array<[string, CheckResult]> = [
    ["/ok", { status: "passing", output: `HTTP GET ${base}/ok: 200 OK Output: ok` }],
    ["/busy", { status: "warning", output: `HTTP GET ${base}/busy: 429 Too Many Requests Output: slow down` }],
    ["/fail", { status: "critical", output: `HTTP GET ${base}/fail: 500 Internal Server Error Output: down` }],
    ["/redirect", { status: "critical", output: `HTTP GET ${base}/redirect: 301 Moved Permanently Output: ` }],
    ["/missing", { status: "critical", output: `HTTP GET ${base}/missing: 404 Not Found Output: ` }],
  ];
  for (const [path, expected] of cases) {
    const { sink } = run(t, { http: base + path });
    t.same(await sink.next(), expected, path);
  }
});

t.test("http: method, headers and body are sent; probes identify themselves", async (t) => {
  const { base, seen } = await startServer(t);
  const { sink } = run(t, {
    http: `${base}/echo`, method: "put", body: "ping", header: { "X-Token": ["a", "b"], "User-Agent": "mine" },
  });
  t.same(await sink.next(), { status: "passing", output: `HTTP PUT ${base}/echo: 200 OK Output: PUT ping` });
  t.equal(seen[0]!.headers["x-token"], "a, b", "repeated header values arrive");
  t.equal(seen[0]!.headers["user-agent"], "mine", "the check's own User-Agent wins");
  t.equal(seen[0]!.headers["content-length"], "4");
  t.equal(seen[0]!.headers["connection"], "close", "no keep-alive: each run has its own connection");
  const plain = run(t, { http: `${base}/ok` });
  await plain.sink.next();
  t.equal(seen[1]!.headers["user-agent"], "disco Health Check");
});

t.test("http: a password in the URL never reaches the output", async (t) => {
  const { port } = await startServer(t);
  const { sink } = run(t, { http: `http://probe:s3cret@127.0.0.1:${port}/ok` });
  const r = await sink.next();
  t.equal(r.status, "passing");
  t.notMatch(r.output, /s3cret/);
  t.match(r.output, /probe:redacted@/);
});

t.test("http: a request slower than the timeout is critical and its connection is closed", async (t) => {
  const { base, seen } = await startServer(t);
  const started = Date.now();
  const { sink } = run(t, { http: `${base}/slow`, timeout: "200ms" });
  t.same(await sink.next(), { status: "critical", output: `HTTP GET ${base}/slow: timed out after 200ms` });
  t.ok(Date.now() - started < 5000, "reported promptly");
  await t.resolves(until(() => seen[0]?.closed === true), "server saw the connection close");
});

t.test("http: a body that stalls past the timeout keeps the status of the code (Consul)", async (t) => {
  const { base } = await startServer(t);
  const { sink } = run(t, { http: `${base}/trickle`, timeout: "200ms" });
  t.same(await sink.next(), { status: "passing", output: `HTTP GET ${base}/trickle: 200 OK Output: partial` });
});

t.test("http: connection refused is critical with the error", async (t) => {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  const { sink } = run(t, { http: `http://127.0.0.1:${port}/health` });
  const r = await sink.next();
  t.equal(r.status, "critical");
  t.match(r.output, new RegExp(`^HTTP GET http://127\\.0\\.0\\.1:${port}/health: connect ECONNREFUSED`));
});

t.test("http: the body is read up to the output cap, then the response is dropped", async (t) => {
  const { base, seen } = await startServer(t);
  const { sink } = run(t, { http: `${base}/endless` });
  const r = await sink.next();
  t.equal(r.status, "passing", "status comes from the code even though the body never ends");
  t.ok(Buffer.byteLength(r.output) <= CHECK_OUTPUT_BYTES_MAX, "output within the cap");
  t.match(r.output, new RegExp(`^HTTP GET ${base}/endless: 200 OK Output: xxx`));
  await t.resolves(until(() => seen[0]?.closed === true), "connection closed by the check");
});

t.test("http: runs again every interval", async (t) => {
  const { base } = await startServer(t);
  const { runner, sink } = run(t, { http: `${base}/ok`, interval: "100ms" });
  for (let i = 0; i < 3; i++) t.equal((await sink.next()).status, "passing", `run ${i + 1}`);
  runner.stop();
});

t.test("http: stop() cancels the request in flight; no result after", async (t) => {
  const { base, seen } = await startServer(t);
  const { runner, sink } = run(t, { http: `${base}/slow`, timeout: "5s" });
  await until(() => seen.length === 1);
  runner.stop();
  await until(() => seen[0]!.closed);
  await flush();
  t.same(sink.results, [], "no result after stop");
  const sockets = process.getActiveResourcesInfo().filter((r) => r === "TCPSocketWrap");
  t.equal(sockets.length, 0, "no client socket left open (the server closed its side too)");
});

t.test("https: tlsSkipVerify accepts a self-signed certificate; without it the check is critical", async (t) => {
  const { base } = await startServer(t, true);
  const skip = run(t, { http: `${base}/ok`, tlsSkipVerify: true });
  t.same(await skip.sink.next(), { status: "passing", output: `HTTP GET ${base}/ok: 200 OK Output: ok` });
  const strict = run(t, { http: `${base}/ok` });
  const r = await strict.sink.next();
  t.equal(r.status, "critical");
  t.match(r.output, /self[- ]signed certificate/);
});
