/**
 * End to end, as the seed deployment runs: an agent; backends registering with
 * TTL heartbeats (two through the SDK in this process, one in a child process
 * over the HTTP API); nginx proxying to `upstream web`, whose file
 * `disco template` (a subprocess) renders and reloads nginx on every change.
 */
import t from "tap";
import { childEnv } from "../support/child-env.js";
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer, get, type Server } from "node:http";
import { createServer as createNetServer, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Agent } from "../../lib/agent/agent.js";

const repo = fileURLToPath(new URL("../../", import.meta.url));
const cliMain = fileURLToPath(new URL("../../lib/template/cli-main.ts", import.meta.url));
const backendFixture = fileURLToPath(new URL("./fixtures/backend.ts", import.meta.url));

/** TTL of every backend's check. */
const TTL_MS = 2000;
/** -wait of the template. */
const WAIT = { minMs: 100, maxMs: 500 };

function findNginx(): string | undefined {
  const dirs = [...(process.env["PATH"] ?? "").split(":"), "/usr/sbin", "/usr/local/sbin", "/usr/local/nginx/sbin"];
  return dirs.map((d) => join(d, "nginx")).find((p) => existsSync(p));
}

async function freePort(): Promise<number> {
  const s = createNetServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  const port = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

/** One request on a fresh connection (so a reloaded nginx is never bypassed by an old keep-alive worker). */
function request(port: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = get({ host: "127.0.0.1", port, path: "/", agent: false, timeout: 3000 }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("timeout", () => req.destroy(new Error("request timed out")));
    req.on("error", reject);
  });
}

/** Polls `probe` every 20 ms until it returns a value, failing after `ms`. */
async function until<T>(probe: () => Promise<T | undefined>, ms: number, what: string): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Which backends answer `count` requests through nginx. */
async function responders(port: number, count: number): Promise<Set<string>> {
  const seen = new Set<string>();
  for (let i = 0; i < count; i++) {
    const r = await request(port);
    if (r.status === 200) seen.add(r.body);
  }
  return seen;
}

function backend(id: string): Promise<{ server: Server; port: number }> {
  const server = createServer((_req, res) => {
    res.setHeader("Connection", "close");
    res.end(id);
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve({ server, port: (server.address() as AddressInfo).port })));
}

function waitExit(p: ChildProcess): Promise<number | null> {
  if (p.exitCode !== null || p.signalCode !== null) return Promise.resolve(p.exitCode);
  return new Promise((r) => p.once("exit", (code) => r(code)));
}

const UPSTREAM_TPL = `upstream web {
{{- range service "web" }}
  server {{ .Address }}:{{ .Port }} max_fails=1 fail_timeout=1s; # {{ .ID }}
{{- else }}
  server 127.0.0.1:65535; # no healthy instances: nginx answers 502
{{- end }}
}
`;

t.test("nginx e2e: disco template keeps nginx's upstream in step with registrations, TTL lapses and new instances", { timeout: 60_000 }, async (t) => {
  const nginx = findNginx();
  if (!nginx) {
    t.fail("nginx is not installed: this end-to-end test needs it (apt-get install -y nginx)");
    return;
  }
  const prefix = await mkdtemp(join(tmpdir(), "disco-nginx-"));
  t.teardown(() => rm(prefix, { recursive: true, force: true }));
  await mkdir(join(prefix, "logs"));
  await mkdir(join(prefix, "tmp"));

  // The agent, with a ref'd handle of our own: the library unrefs everything.
  const agent = await Agent.start({ node: "e2e", http: "127.0.0.1:0" });
  t.teardown(() => agent.close());
  const keepAlive = setInterval(() => {}, 1000);
  t.teardown(() => clearInterval(keepAlive));
  const agentUrl = `http://${agent.httpAddress!.host}:${agent.httpAddress!.port}`;

  // Backends 1 and 2 in this process, through the SDK (heartbeats are automatic).
  const b1 = await backend("web-1");
  const b2 = await backend("web-2");
  t.teardown(() => new Promise((r) => b1.server.close(r)));
  t.teardown(() => new Promise((r) => b2.server.close(r)));
  await agent.register({ name: "web", id: "web-1", address: "127.0.0.1", port: b1.port, check: { ttl: `${TTL_MS}ms` } });
  await agent.register({ name: "web", id: "web-2", address: "127.0.0.1", port: b2.port, check: { ttl: `${TTL_MS}ms` } });

  // Backend 3 in a child process that we will SIGKILL.
  const child = spawn(process.execPath, ["--import", "tsx", backendFixture, agentUrl, "web-3", `${TTL_MS}ms`], { cwd: repo, env: childEnv(), stdio: ["ignore", "pipe", "inherit"] });
  t.teardown(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    return waitExit(child);
  });
  const b3port = await new Promise<number>((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (c: Buffer) => {
      out += c.toString();
      const m = /READY (\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.once("exit", (code) => reject(new Error(`backend web-3 exited with ${code} before it was ready`)));
  });

  // nginx, in its own prefix, first with a placeholder upstream.
  const port = await freePort();
  const conf = join(prefix, "nginx.conf");
  const upstreamConf = join(prefix, "upstream.conf");
  const errorLog = join(prefix, "logs", "error.log");
  const tmp = (name: string): string => join(prefix, "tmp", name);
  await writeFile(upstreamConf, "upstream web {\n  server 127.0.0.1:65535;\n}\n");
  await writeFile(conf, `daemon off;
worker_processes 1;
pid ${join(prefix, "nginx.pid")};
error_log ${errorLog} warn;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path ${tmp("client")};
  proxy_temp_path ${tmp("proxy")};
  fastcgi_temp_path ${tmp("fastcgi")};
  uwsgi_temp_path ${tmp("uwsgi")};
  scgi_temp_path ${tmp("scgi")};
  include ${upstreamConf};
  server {
    listen 127.0.0.1:${port};
    keepalive_timeout 0;
    location / {
      proxy_pass http://web;
      proxy_connect_timeout 1s;
      proxy_next_upstream error timeout;
    }
  }
}
`);
  const nginxArgs = ["-p", prefix, "-c", conf, "-e", errorLog];
  const nginxProc = spawn(nginx, nginxArgs, { stdio: ["ignore", "ignore", "pipe"] });
  let nginxErr = "";
  nginxProc.stderr!.on("data", (c: Buffer) => (nginxErr += c.toString()));
  t.teardown(async () => {
    // Kill nginx by its PID: the master first (it takes its workers along), then make sure.
    if (nginxProc.exitCode === null && nginxProc.signalCode === null) {
      process.kill(nginxProc.pid!, "SIGTERM");
      const done = await Promise.race([waitExit(nginxProc).then(() => true), new Promise((r) => setTimeout(() => r(false), 3000))]);
      if (!done) process.kill(nginxProc.pid!, "SIGKILL");
    }
  });
  await until(async () => ((await request(port)).status === 502 ? true : undefined), 5000, `nginx to listen on ${port} (stderr: ${nginxErr})`);

  // disco template, as a subprocess, rendering upstream.conf and reloading nginx.
  await writeFile(join(prefix, "upstream.tpl"), UPSTREAM_TPL);
  const reload = `${nginx} ${nginxArgs.join(" ")} -s reload`;
  const tplProc = spawn(process.execPath, [
    "--import", "tsx", cliMain,
    "-template", `${join(prefix, "upstream.tpl")}:${upstreamConf}:${reload}`,
    `-wait=${WAIT.minMs}ms:${WAIT.maxMs}ms`, "-http-addr", agentUrl, "-log-level", "info",
  ], { cwd: repo, env: childEnv(), stdio: ["ignore", "pipe", "pipe"] });
  let tplLog = "";
  tplProc.stderr!.on("data", (c: Buffer) => (tplLog += c.toString()));
  t.teardown(async () => {
    if (tplProc.exitCode === null && tplProc.signalCode === null) tplProc.kill("SIGKILL");
    await waitExit(tplProc);
  });

  // 1. All three backends in rotation.
  const three = new Set(["web-1", "web-2", "web-3"]);
  const firstSeen = await until(async () => {
    const seen = await responders(port, 12);
    return [...three].every((id) => seen.has(id)) ? seen : undefined;
  }, 15_000, "requests through nginx to reach web-1, web-2 and web-3");
  t.same([...firstSeen].filter((id) => three.has(id)).sort(), [...three].sort(), "requests through nginx reach all three backends");
  t.match(await readFile(upstreamConf, "utf8"), new RegExp(`server 127\\.0\\.0\\.1:${b3port} .*# web-3`));

  // 2. A fourth backend registers: how long until nginx serves it?
  const b4 = await backend("web-4");
  t.teardown(() => new Promise((r) => b4.server.close(r)));
  const registeredAt = performance.now();
  await agent.register({ name: "web", id: "web-4", address: "127.0.0.1", port: b4.port, check: { ttl: `${TTL_MS}ms` } });
  await until(async () => ((await request(port)).body === "web-4" ? true : undefined), 10_000, "web-4 to be served through nginx");
  const changeMs = performance.now() - registeredAt;
  t.comment(`change-to-nginx time (register web-4 → first request served by it): ${changeMs.toFixed(0)} ms (template -wait=${WAIT.minMs}ms:${WAIT.maxMs}ms, includes nginx -s reload)`);
  t.ok(changeMs < 5000, `a new instance reaches nginx in ${changeMs.toFixed(0)} ms`);

  // 3. web-3's owner dies abruptly: its heartbeats stop, the TTL lapses, it leaves the rotation.
  const killedAt = performance.now();
  child.kill("SIGKILL");
  await waitExit(child);
  await until(async () => (!(await readFile(upstreamConf, "utf8")).includes("# web-3") ? true : undefined), TTL_MS + WAIT.maxMs + 5000, "web-3 to leave upstream.conf");
  const leaveMs = performance.now() - killedAt;
  t.comment(`SIGKILL of web-3's owner → gone from upstream.conf: ${leaveMs.toFixed(0)} ms (TTL ${TTL_MS} ms + wait max ${WAIT.maxMs} ms)`);
  t.ok(leaveMs <= TTL_MS + WAIT.maxMs + 1000, `web-3 left within TTL + wait (+1 s for the reload and scheduling): ${leaveMs.toFixed(0)} ms`);

  // 4. Settled: every request succeeds, served by the three live backends only.
  const expected = new Set(["web-1", "web-2", "web-4"]);
  await until(async () => {
    const seen = await responders(port, 9);
    return seen.size === 3 && [...seen].every((id) => expected.has(id)) ? true : undefined;
  }, 5000, "rotation of web-1, web-2, web-4");
  const N = 200;
  const statuses = new Map<number, number>();
  const served = new Map<string, number>();
  for (let i = 0; i < N; i++) {
    const r = await request(port);
    statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
    served.set(r.body, (served.get(r.body) ?? 0) + 1);
  }
  t.same([...statuses], [[200, N]], `all ${N} requests through nginx succeed`);
  t.same([...served.keys()].sort(), ["web-1", "web-2", "web-4"], "spread over the live backends only");
  t.comment(`requests per backend: ${JSON.stringify(Object.fromEntries(served))}`);

  // 5. The template process stops cleanly on SIGTERM.
  tplProc.kill("SIGTERM");
  t.equal(await waitExit(tplProc), 0, "disco template exits 0 on SIGTERM");
  t.match(tplLog, /command succeeded/, "nginx reloads ran");
  t.notMatch(tplLog, /\[ERROR\].*command failed/, "no reload failed");
});
