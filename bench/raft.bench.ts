/**
 * `npm run bench -- raft`: KV put throughput and latency on a 3-server
 * cluster of separate processes on loopback (fsync on), 16-byte keys and
 * 64-byte values, at 1, 16 and 128 concurrent clients; consistent and stale
 * gets at 16; leader failover time. When `etcd` is on PATH, a 3-member etcd
 * runs the same workload in the same run (driven from Node by etcd3), and the
 * ratio is printed.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { TcpTransport } from "../lib/transport/tcp.js";
import { encodeCommand } from "../lib/catalog/commands.js";
import { freePorts, median, percentile, type BenchContext } from "./harness.js";

const RUN_MS = Number(process.env["RAFT_BENCH_RUN_MS"] ?? 4000);
const CONCURRENCY = [1, 16, 128];
const KEYS = 1000;
const VALUE = "v".repeat(64);
const fixture = fileURLToPath(new URL("../test/agent/fixtures/raft-server.ts", import.meta.url));

const key16 = (i: number): string => `bench/k${String(i % KEYS).padStart(9, "0")}`; // 16 bytes


interface DiscoServer { rpc: string; http: string; dir: string; proc?: ChildProcess }

/** A SIGKILLed child has exitCode null and signalCode set: check both. */
const running = (s: DiscoServer): boolean => s.proc !== undefined && s.proc.exitCode === null && s.proc.signalCode === null;

function startDisco(s: DiscoServer, name: string, peers: string[]): Promise<void> {
  const proc = spawn(process.execPath, ["--import", "tsx", fixture, name, s.rpc, s.http.split(":")[1]!, s.dir, peers.join(",")], { stdio: ["pipe", "pipe", "inherit"] });
  s.proc = proc;
  return new Promise((resolve, reject) => {
    proc.stdout!.on("data", (c: Buffer) => c.toString().includes("READY") && resolve());
    proc.once("exit", (code) => reject(new Error(`server exited ${code}`)));
  });
}

async function discoLeader(servers: DiscoServer[]): Promise<DiscoServer | undefined> {
  for (const s of servers) {
    if (!running(s)) continue;
    try {
      const rpc = (await (await fetch(`http://${s.http}/v1/status/leader`, { signal: AbortSignal.timeout(300) })).json()) as string;
      const l = servers.find((x) => x.rpc === rpc && running(x));
      if (l) return l;
    } catch { /* next */ }
  }
  return undefined;
}

async function waitUntil<T>(fn: () => Promise<T | undefined>, ms: number): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Runs `op` from `concurrency` workers for RUN_MS; returns ops/s and latency percentiles (ms). */
async function load(concurrency: number, op: (i: number) => Promise<void>): Promise<{ rate: number; p50: number; p99: number; errors: number }> {
  const lat: number[] = [];
  let errors = 0;
  let n = 0;
  const end = performance.now() + RUN_MS;
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (performance.now() < end) {
      const t0 = performance.now();
      try {
        await op(n++);
        lat.push(performance.now() - t0);
      } catch {
        errors++;
      }
    }
  }));
  return { rate: lat.length / ((performance.now() - started) / 1000), p50: percentile(lat, 50), p99: percentile(lat, 99), errors };
}

async function benchDisco(ctx: BenchContext): Promise<Map<string, number>> {
  const rates = new Map<string, number>();
  const ports = await freePorts(6);
  const servers: DiscoServer[] = await Promise.all([0, 1, 2].map(async (i) => ({
    rpc: `127.0.0.1:${ports[i]}`, http: `127.0.0.1:${ports[i + 3]}`, dir: await mkdtemp(join(tmpdir(), "disco-bench-")),
  })));
  const peers = servers.map((s) => s.rpc);
  await Promise.all(servers.map((s, i) => startDisco(s, `s${i}`, peers)));
  const client = await TcpTransport.listen({ host: "127.0.0.1", port: 0 });
  try {
    let leader = await waitUntil(() => discoLeader(servers), 20_000);
    const put = async (i: number): Promise<void> => {
      const c = encodeCommand({ op: "kv-set", key: key16(i), value: Buffer.from(VALUE), nowMs: Date.now() });
      const answer = (await client.request(leader.rpc, { t: "propose", c }, { timeoutMs: 5000 })) as { r: { ok: boolean } };
      if (!answer.r.ok) throw new Error("put refused");
    };
    for (const c of CONCURRENCY) {
      const r = await load(c, put);
      rates.set(`put c=${c}`, r.rate);
      ctx.record({ case: `disco put c=${c}`, value: Math.round(r.rate), unit: "ops/s", p50Ms: r.p50, p99Ms: r.p99, errors: r.errors });
    }
    const follower = servers.find((s) => s !== leader)!;
    for (const mode of ["consistent", "stale"]) {
      const r = await load(16, async (i) => {
        const res = await fetch(`http://${follower.http}/v1/kv/${key16(i)}?${mode}&raw`);
        await res.arrayBuffer();
        if (res.status !== 200 && res.status !== 404) throw new Error(String(res.status));
      });
      rates.set(`get ${mode}`, r.rate);
      ctx.record({ case: `disco get ${mode} c=16 (HTTP, follower)`, value: Math.round(r.rate), unit: "ops/s", p50Ms: r.p50, p99Ms: r.p99, errors: r.errors });
    }
    // Failover: SIGKILL the leader, time until a put through the new leader succeeds.
    const failovers: number[] = [];
    for (let round = 0; round < 3; round++) {
      const victim = leader;
      const killedAt = performance.now();
      victim.proc!.kill("SIGKILL");
      await new Promise((r) => victim.proc!.once("exit", r));
      leader = await waitUntil(async () => {
        const l = await discoLeader(servers);
        if (!l) return undefined;
        try {
          leader = l;
          await put(round);
          return l;
        } catch {
          return undefined;
        }
      }, 20_000);
      failovers.push(performance.now() - killedAt);
      await startDisco(victim, `s${servers.indexOf(victim)}`, peers);
      await new Promise((r) => setTimeout(r, 1500));
      leader = await waitUntil(() => discoLeader(servers), 20_000);
    }
    ctx.record({ case: "disco leader failover (SIGKILL → next put ok)", value: Math.round(median(failovers)), unit: "ms", runs: failovers.map(Math.round).join("/"), goal: "<1500" });
  } finally {
    await client.close();
    for (const s of servers) s.proc?.kill("SIGKILL");
  }
  return rates;
}

async function benchEtcd(ctx: BenchContext): Promise<Map<string, number> | undefined> {
  if (spawnSync("etcd", ["--version"]).status !== 0) {
    ctx.record({ case: "etcd", value: 0, unit: "skipped", note: "etcd not on PATH (apt-get install etcd-server)" });
    return undefined;
  }
  const { Etcd3 } = await import("etcd3");
  const ports = await freePorts(6);
  const names = ["e0", "e1", "e2"];
  const cluster = names.map((n, i) => `${n}=http://127.0.0.1:${ports[i + 3]}`).join(",");
  const procs: ChildProcess[] = [];
  for (const [i, name] of names.entries()) {
    const dir = await mkdtemp(join(tmpdir(), "etcd-bench-"));
    procs.push(spawn("etcd", [
      "--name", name, "--data-dir", dir,
      "--listen-client-urls", `http://127.0.0.1:${ports[i]}`, "--advertise-client-urls", `http://127.0.0.1:${ports[i]}`,
      "--listen-peer-urls", `http://127.0.0.1:${ports[i + 3]}`, "--initial-advertise-peer-urls", `http://127.0.0.1:${ports[i + 3]}`,
      "--initial-cluster", cluster, "--initial-cluster-state", "new", "--log-level", "error",
    ], { stdio: "ignore" }));
  }
  const rates = new Map<string, number>();
  const client = new Etcd3({ hosts: ports.slice(0, 3).map((p) => `http://127.0.0.1:${p}`) });
  try {
    await waitUntil(async () => {
      try {
        await client.put("ready").value("1");
        return true;
      } catch {
        return undefined;
      }
    }, 30_000);
    for (const c of CONCURRENCY) {
      const r = await load(c, (i) => client.put(key16(i)).value(VALUE).then(() => undefined));
      rates.set(`put c=${c}`, r.rate);
      ctx.record({ case: `etcd put c=${c}`, value: Math.round(r.rate), unit: "ops/s", p50Ms: r.p50, p99Ms: r.p99, errors: r.errors });
    }
    for (const mode of ["consistent", "stale"]) {
      const r = await load(16, (i) => {
        const q = client.get(key16(i));
        return (mode === "stale" ? q.serializable(true) : q).string().then(() => undefined);
      });
      rates.set(`get ${mode}`, r.rate);
      ctx.record({ case: `etcd get ${mode === "stale" ? "serializable" : "linearizable"} c=16`, value: Math.round(r.rate), unit: "ops/s", p50Ms: r.p50, p99Ms: r.p99, errors: r.errors });
    }
  } finally {
    client.close();
    for (const p of procs) p.kill("SIGKILL");
  }
  return rates;
}

export default async function raftBench(ctx: BenchContext): Promise<void> {
  const disco = await benchDisco(ctx);
  const etcd = await benchEtcd(ctx);
  if (!etcd) return;
  for (const [k, v] of disco) {
    const e = etcd.get(k);
    if (e) ctx.record({ case: `ratio disco/etcd ${k}`, value: Number((v / e).toFixed(2)), unit: "x" });
  }
}
