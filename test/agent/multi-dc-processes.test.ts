// Two datacenters of real `disco agent` processes on 127.0.0.1: three raft servers and one client agent each,
// LAN gossip inside a datacenter, WAN gossip between them (dc1's servers -retry-join-wan one dc2 server; the
// others are found by flood join). This process only starts, signals and kills the processes it spawned.
//
// The CLI is bundled once with esbuild (tsx's own dependency) rather than run through tsx: eight processes
// each compiling the sources would take most of the time budget on a small machine.
import t from "tap";
import { build } from "esbuild";
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { copyFile, mkdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Agent } from "../../lib/index.js";
import { WAN_UNREACHABLE_DETECTION_MS_MAX } from "../../lib/agent/wan.js";
import { childEnv } from "../support/child-env.js";
import { freePorts, tempDir, waitFor } from "./helpers.js";

const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));
/** Longest wait for any one phase (start, election, WAN discovery, failover, heal). */
const PHASE_MS = 20_000;
/** How long a request to a cut-off datacenter may take: the WAN pool's bound, plus one client-to-server hop and HTTP. */
const NO_PATH_BOUND_MS = WAN_UNREACHABLE_DETECTION_MS_MAX + 1500;

interface Node {
  name: string;
  dc: string;
  server: boolean;
  ports: { lan: number; wan: number; rpc: number; http: number; dns: number };
  dataDir: string;
  child?: ChildProcess;
  output: string;
}

const spawned: Node[] = [];
let bundleDir: string | undefined;
let cli = "";

/** Bundles lib/cli/main.ts into one file; package.json sits two levels up, where the code looks for its version. */
async function bundleCli(): Promise<string> {
  bundleDir = await tempDir("mdc-cli");
  await mkdir(join(bundleDir, "lib", "cli"), { recursive: true });
  await copyFile(join(REPO_ROOT, "package.json"), join(bundleDir, "package.json"));
  const outfile = join(bundleDir, "lib", "cli", "main.mjs");
  await build({
    entryPoints: [join(REPO_ROOT, "lib/cli/main.ts")], outfile, bundle: true, platform: "node", format: "esm", target: "node20",
    external: ["msgpackr-extract"], logLevel: "error",
    // Bundled CommonJS dependencies call require() for Node's own modules.
    banner: { js: 'import { createRequire as __disco_createRequire } from "node:module"; const require = __disco_createRequire(import.meta.url);' },
  });
  return outfile;
}

function start(n: Node, args: string[]): Promise<void> {
  const child = spawn(process.execPath, [cli, "agent", ...args], {
    cwd: REPO_ROOT, env: childEnv(), stdio: ["ignore", "pipe", "pipe"],
  });
  n.child = child;
  spawned.push(n);
  child.stdout!.on("data", (d: Buffer) => (n.output += d.toString("utf8")));
  child.stderr!.on("data", (d: Buffer) => (n.output += d.toString("utf8")));
  return waitFor(() => {
    if (child.exitCode !== null) throw new Error(`${n.name} exited with ${child.exitCode}:\n${n.output}`);
    return n.output.includes("==> disco agent running!");
  }, PHASE_MS, `${n.name} to start`).catch((err: Error) => {
    throw new Error(`${err.message}; its output:\n${n.output.slice(-3000)}`);
  });
}

/** Sends a signal to one process this test spawned, by its pid. */
function signal(n: Node, sig: NodeJS.Signals): void {
  if (n.child && n.child.exitCode === null && n.child.signalCode === null) process.kill(n.child.pid!, sig);
}

async function json<T>(url: string, init: RequestInit = {}): Promise<{ status: number; body: T | string; index: number }> {
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(PHASE_MS) });
  const text = await res.text();
  let body: T | string = text;
  try {
    body = JSON.parse(text) as T;
  } catch {
    // not JSON: an error text
  }
  return { status: res.status, body, index: Number(res.headers.get("x-consul-index") ?? 0) };
}

function dig(port: number, name: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile("dig", ["@127.0.0.1", "-p", String(port), "+short", "+time=2", "+tries=1", name, "SRV"], { timeout: 5000 }, (err, stdout) => {
      if (err) reject(err);
      else resolve(stdout.trim());
    });
  });
}

let dc1: Node[] = [];
let dc2: Node[] = [];
let sdk: Agent | undefined;
const http = (n: Node): string => `http://127.0.0.1:${n.ports.http}`;
const client = (nodes: Node[]): Node => nodes.find((n) => !n.server)!;

t.before(async () => {
  cli = await bundleCli();
  const make = async (dc: string): Promise<Node[]> => Promise.all(["s0", "s1", "s2", "c"].map(async (id) => {
    const [lan, wan, rpc, httpPort, dns] = await freePorts(5) as [number, number, number, number, number];
    return { name: `${dc}-${id}`, dc, server: id !== "c", ports: { lan, wan, rpc, http: httpPort, dns }, dataDir: await tempDir(`mdc-${dc}-${id}`), output: "" };
  }));
  dc1 = await make("dc1");
  dc2 = await make("dc2");
  const argsOf = (n: Node, nodes: Node[]): string[] => {
    const common = [`-data-dir=${n.dataDir}`, "-bind=127.0.0.1", `-serf-lan-port=${n.ports.lan}`, `-http-port=${n.ports.http}`,
      `-node=${n.name}`, `-datacenter=${n.dc}`, "-log-level=warn"];
    const joins = nodes.filter((o) => o.server && o !== n).map((o) => `-join=127.0.0.1:${o.ports.lan}`);
    if (!n.server) return [...common, `-dns-port=${n.ports.dns}`, ...joins];
    const wanJoin = n.dc === "dc1" ? [`-retry-join-wan=127.0.0.1:${dc2[0]!.ports.wan}`] : [];
    return [...common, "-server", "-bootstrap-expect=3", `-serf-wan-port=${n.ports.wan}`, `-server-port=${n.ports.rpc}`, "-dns-port=-1", ...joins, ...wanJoin];
  };
  await Promise.all([...dc1, ...dc2].map((n) => start(n, argsOf(n, n.dc === "dc1" ? dc1 : dc2))));
  for (const nodes of [dc1, dc2]) {
    await waitFor(async () => (await json<string>(`${http(nodes[0]!)}/v1/status/leader`)).body !== "", PHASE_MS, `a leader in ${nodes[0]!.dc}`);
  }
  // The SDK: an agent in this process, a client of dc1's servers.
  sdk = await Agent.start({ mode: "raft", server: false, datacenter: "dc1", node: "sdk", join: dc1.filter((n) => n.server).map((n) => `127.0.0.1:${n.ports.rpc}`) });
  // The only service: "web" in dc2, registered on dc2's client agent, with a TTL check fed over HTTP.
  const c2 = http(client(dc2));
  await json(`${c2}/v1/agent/service/register`, { method: "PUT", body: JSON.stringify({ Name: "web", ID: "web-dc2", Port: 8002, Check: { TTL: "300s" } }) });
  await json(`${c2}/v1/agent/check/pass/service:web-dc2`, { method: "PUT" });
  await waitFor(async () => {
    const r = await json<string[]>(`${http(client(dc1))}/v1/catalog/datacenters`);
    return Array.isArray(r.body) && r.body.length === 2;
  }, PHASE_MS, "dc1's client agent to see both datacenters");
});

t.teardown(async () => {
  await sdk?.close();
  for (const n of spawned) signal(n, "SIGKILL");
  await Promise.all(spawned.map((n) => (n.child!.exitCode !== null || n.child!.signalCode !== null ? undefined : new Promise((r) => n.child!.once("exit", r)))));
  await Promise.all(spawned.map((n) => rm(n.dataDir, { recursive: true, force: true })));
  if (bundleDir) await rm(bundleDir, { recursive: true, force: true });
});

t.test("multi-dc processes: the WAN pool lists all six servers as NODE.DC; datacenters come own first", async (t) => {
  await waitFor(async () => {
    const r = await json<{ Name: string }[]>(`${http(dc1[1]!)}/v1/agent/members?wan=1`);
    return Array.isArray(r.body) && r.body.length === 6;
  }, PHASE_MS, "six WAN members");
  const r = await json<{ Name: string; Tags: Record<string, string> }[]>(`${http(dc2[2]!)}/v1/agent/members?wan=1`);
  t.same((r.body as { Name: string }[]).map((m) => m.Name).sort(), ["dc1-s0.dc1", "dc1-s1.dc1", "dc1-s2.dc1", "dc2-s0.dc2", "dc2-s1.dc2", "dc2-s2.dc2"], "dc2's servers found dc1's, and each other (flood join)");
  const cliOut = await new Promise<string>((resolve, reject) => {
    execFile(process.execPath, [cli, "members", "-wan", `-http-addr=127.0.0.1:${dc1[0]!.ports.http}`], { env: childEnv(), timeout: PHASE_MS }, (err, stdout) => (err ? reject(err) : resolve(stdout)));
  });
  t.match(cliOut, /^Node\s+Address\s+Status\s+Type\s+Build\s+Protocol\s+DC\n/, "`disco members -wan` prints the WAN pool");
  t.equal(cliOut.split("\n").filter((l) => /\.dc[12]\s+127\.0\.0\.1:\d+\s+alive\s+server\s/.test(l)).length, 6, "six alive servers named NODE.DC");
  await waitFor(async () => ((await json<string[]>(`${http(client(dc2))}/v1/catalog/datacenters`)).body as string[]).length === 2, PHASE_MS, "dc2's client agent to hear of dc1");
  t.same((await json(`${http(client(dc2))}/v1/catalog/datacenters`)).body, ["dc2", "dc1"], "a client agent lists its servers' datacenters, its own first");
  t.same((await json(`${http(dc1[0]!)}/v1/catalog/datacenters`)).body, ["dc1", "dc2"]);
});

t.test("multi-dc processes: a service only in dc2 is found from dc1 over the SDK (dc: \"dc2\") and HTTP (?dc=dc2), with dc2's index", async (t) => {
  const local = await json<unknown[]>(`${http(client(dc1))}/v1/health/service/web?passing`);
  t.same(local.body, [], "nothing named web in dc1");
  const remote = await json<{ Node: { Node: string; Datacenter: string }; Service: { ID: string } }[]>(`${http(client(dc1))}/v1/health/service/web?dc=dc2&passing`);
  t.equal(remote.status, 200);
  t.match(remote.body, [{ Node: { Node: "dc2-c", Datacenter: "dc2" }, Service: { ID: "web-dc2", Port: 8002 } }]);
  const direct = await json(`${http(client(dc2))}/v1/health/service/web?passing`);
  t.ok(remote.index > 0 && remote.index <= direct.index, `X-Consul-Index is dc2's (${remote.index}, dc2 says ${direct.index})`);
  const web = sdk!.discover("web", { dc: "dc2" });
  t.teardown(() => web.close());
  await web.ready();
  t.match(web.pick(), { id: "web-dc2", node: "dc2-c", port: 8002, status: "passing" });
});

t.test("multi-dc processes: DNS on dc1's client agent answers web.service.dc2.disco with dc2's instance", async (t) => {
  const port = client(dc1).ports.dns;
  let answer = "";
  await waitFor(async () => {
    answer = await dig(port, "web.service.dc2.disco").catch(() => "");
    return answer.length > 0;
  }, 10_000, "an SRV answer for web.service.dc2.disco");
  t.match(answer, /\b8002 /, `SRV names dc2's port: ${answer}`);
});

t.test("multi-dc processes: all dc1 instances critical makes failover ['dc2'] serve dc2; recovered, back to dc1", async (t) => {
  const c1 = http(client(dc1));
  for (const id of ["web-dc1-a", "web-dc1-b"]) {
    await json(`${c1}/v1/agent/service/register`, { method: "PUT", body: JSON.stringify({ Name: "web", ID: id, Port: 8001, Check: { TTL: "300s" } }) });
    await json(`${c1}/v1/agent/check/pass/service:${id}`, { method: "PUT" });
  }
  const web = sdk!.discover("web", { failover: ["dc2"] });
  t.teardown(() => web.close());
  await web.ready();
  const ids = (): string => web.instances().map((i) => i.id).sort().join();
  await waitFor(() => ids() === "web-dc1-a,web-dc1-b", PHASE_MS, "dc1's own instances");
  for (const id of ["web-dc1-a", "web-dc1-b"]) await json(`${c1}/v1/agent/check/fail/service:${id}?note=down`, { method: "PUT" });
  await waitFor(() => ids() === "web-dc2", PHASE_MS, "failover to dc2");
  t.equal(ids(), "web-dc2", "every dc1 instance critical: dc2 serves");
  await json(`${c1}/v1/agent/check/pass/service:web-dc1-b`, { method: "PUT" });
  await waitFor(() => ids() === "web-dc1-b", PHASE_MS, "back to dc1");
  t.equal(ids(), "web-dc1-b", "one dc1 instance recovered: back to dc1");
});

t.test("multi-dc processes: SIGSTOP of dc2's three servers gives HTTP 500 \"No path to datacenter\" within the bound, even to a blocking query in flight; SIGCONT heals by itself", async (t) => {
  const c1 = http(client(dc1));
  const url = `${c1}/v1/health/service/web?dc=dc2&passing`;
  const before = await json(url);
  t.equal(before.status, 200);
  const blocking = fetch(`${url}&index=${before.index}&wait=60s`, { signal: AbortSignal.timeout(PHASE_MS) }).then(async (r) => ({ status: r.status, text: await r.text(), at: Date.now() }));
  await new Promise((r) => setTimeout(r, 300));
  const servers2 = dc2.filter((n) => n.server);
  t.teardown(() => servers2.forEach((n) => signal(n, "SIGCONT")));
  for (const n of servers2) signal(n, "SIGSTOP");
  const stoppedAt = Date.now();
  const held = await blocking;
  t.equal(held.status, 500, "the blocking query in flight ends");
  t.match(held.text, /No path to datacenter/);
  t.ok(held.at - stoppedAt <= NO_PATH_BOUND_MS, `… within ${held.at - stoppedAt} ms (bound ${NO_PATH_BOUND_MS} ms)`);
  for (let i = 0; i < 3; i++) {
    const t0 = Date.now();
    const r = await json(url);
    t.equal(r.status, 500);
    t.match(r.body, /No path to datacenter/);
    t.ok(Date.now() - t0 <= NO_PATH_BOUND_MS, `a new request is answered in ${Date.now() - t0} ms, not a hang`);
  }
  await t.rejects(sdk!.remoteJson("dc2", "/v1/catalog/services"), { name: "NoPathToDatacenterError", datacenter: "dc2" }, "the SDK gets the typed error");
  for (const n of servers2) signal(n, "SIGCONT");
  const contAt = Date.now();
  // Right after SIGCONT the WAN gossip pool may still be settling (a member that was
  // stopped long enough is declared failed, then refutes), so wait for an answer with
  // dc2's instance rather than treat the first 200 as the end of the partition.
  let healed: { status: number; body: unknown } | undefined;
  await waitFor(async () => {
    healed = await json(url);
    return healed.status === 200;
  }, PHASE_MS, "dc2 to be reachable again");
  t.comment(`forwarding resumed ${Date.now() - contAt} ms after SIGCONT`);
  t.match(healed!.body, [{ Service: { ID: "web-dc2" } }], "healed by itself: dc2's instance, through dc1's client agent");
});
