/**
 * `npx tsx bench/index.ts visible`: how long after `register()` returns in one
 * process a resolver (`discover(name)`) in ANOTHER process has the instance.
 *
 * (a) raft: 3 server processes on loopback (test/agent/fixtures/raft-server.ts,
 *     data on disk, fsync on) and 2 client agent processes
 *     (bench/fixtures/visible-agent.ts): A registers, B resolves. Goal: p99 < 20 ms.
 * (b) gossip: VISIBLE_GOSSIP_NODES (default 3) gossip-mode agent processes
 *     (A registers, B resolves, the rest are bystanders), profile
 *     VISIBLE_GOSSIP_PROFILE (default lan: gossip interval 200 ms; local: 100 ms).
 *     Goal: p99 within two gossip intervals.
 *
 * Clock: both ends stamp with process.hrtime.bigint(), which is
 * CLOCK_MONOTONIC on Linux and so one clock for every process on the machine;
 * the figure is B's "seen" stamp minus A's stamp when register() returned.
 * It is negative when B saw the instance before A's call returned (A's
 * register() also waits for A's own replica). As a cross-check the parent
 * stamps each line as it reads it; both lines cross one pipe, so the
 * difference of those stamps should agree within a few tenths of a ms.
 *
 * Each sample: register a fresh ID on A; wait for A's answer and B's "seen";
 * deregister it and wait until B lost it; then pause a random 0–VISIBLE_GAP_MS
 * (raft, default 100: two heartbeat ticks) or 0–one gossip interval (gossip),
 * so registrations do not phase-lock with the servers' heartbeats or the
 * gossip ticks. (The wait for B's "gone" ends just after a gossip tick; a
 * shorter pause would start every sample early in the gossip period and
 * bias the figure upward.) VISIBLE_SAMPLES (default 300) samples after
 * VISIBLE_WARMUP (default 20). VISIBLE_MODES picks "raft,gossip" (default both).
 * VISIBLE_DUMP=DIR writes each case's raw samples there as JSON.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { freePorts, percentile, type BenchContext } from "./harness.js";

const SAMPLES = Number(process.env["VISIBLE_SAMPLES"] ?? 300);
const WARMUP = Number(process.env["VISIBLE_WARMUP"] ?? 20);
const GAP_MS = process.env["VISIBLE_GAP_MS"] === undefined ? undefined : Number(process.env["VISIBLE_GAP_MS"]);
const MODES = (process.env["VISIBLE_MODES"] ?? "raft,gossip").split(",");
const GOSSIP_NODES = Math.max(3, Number(process.env["VISIBLE_GOSSIP_NODES"] ?? 3));
const GOSSIP_PROFILE = (process.env["VISIBLE_GOSSIP_PROFILE"] ?? "lan") as "lan" | "local";
/** memberlist's GossipInterval per profile (our LAN_PROFILE / LOCAL_PROFILE copy it). */
const GOSSIP_INTERVAL_MS = { lan: 200, local: 100 }[GOSSIP_PROFILE];
/** One sample that takes longer than this is counted as lost and the run goes on. */
const SAMPLE_WAIT_MS = 10_000;
/** Starting processes, electing a leader, converging gossip. */
const START_WAIT_MS = 30_000;
const SERVICE = "vis";
const DUMP_DIR = process.env["VISIBLE_DUMP"];

const serverFixture = fileURLToPath(new URL("../test/agent/fixtures/raft-server.ts", import.meta.url));
const agentFixture = fileURLToPath(new URL("./fixtures/visible-agent.ts", import.meta.url));
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** One line from a child, with the parent's monotonic stamp when it was read. */
interface ChildEvent { ev: string; id?: string; t?: string; t0?: string; t1?: string; tf?: string; tr?: string; tq?: string; alive?: number; message?: string; rx: bigint }

interface Waiter { match: (e: ChildEvent) => boolean; resolve: (e: ChildEvent) => void; reject: (err: Error) => void }

/** A child process speaking the visible-agent line protocol. */
class Child {
  private readonly pending: ChildEvent[] = [];
  private readonly waiters = new Set<Waiter>();
  private exited: Error | undefined;
  readonly ready: Promise<string>;

  constructor(readonly name: string, readonly proc: ChildProcess) {
    let onReady: (addr: string) => void = () => {};
    this.ready = new Promise((resolve, reject) => {
      onReady = resolve;
      proc.once("exit", (code, signal) => reject(new Error(`${name} exited (${code ?? signal}) before it was ready`)));
    });
    createInterface({ input: proc.stdout! }).on("line", (line) => {
      const rx = process.hrtime.bigint();
      // visible-agent prints "READY <gossip address>"; the raft server fixture prints "READY".
      if (line === "READY" || line.startsWith("READY ")) return onReady(line.slice(6));
      if (!line.startsWith("{")) return;
      const e = { ...(JSON.parse(line) as Omit<ChildEvent, "rx">), rx };
      for (const w of this.waiters) {
        if (e.ev === "error" && e.id !== undefined && w.match({ ...e, ev: "registered" })) {
          this.waiters.delete(w);
          return w.reject(new Error(`${name}: ${e.message}`));
        }
        if (w.match(e)) {
          this.waiters.delete(w);
          return w.resolve(e);
        }
      }
      this.pending.push(e);
    });
    proc.once("exit", (code, signal) => {
      this.exited = new Error(`${name} exited (${code ?? signal})`);
      for (const w of this.waiters) w.reject(this.exited);
      this.waiters.clear();
    });
  }

  send(command: Record<string, unknown>): void {
    this.proc.stdin!.write(JSON.stringify(command) + "\n");
  }

  /** The first event (already read, or still to come) that matches, within `ms`. */
  wait(match: (e: ChildEvent) => boolean, ms: number): Promise<ChildEvent> {
    const i = this.pending.findIndex(match);
    if (i >= 0) return Promise.resolve(this.pending.splice(i, 1)[0]!);
    if (this.exited) return Promise.reject(this.exited);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(new Error(`${this.name}: timed out`));
      }, ms);
      const waiter: Waiter = {
        match,
        resolve: (e) => { clearTimeout(timer); resolve(e); },
        reject: (err) => { clearTimeout(timer); reject(err); },
      };
      this.waiters.add(waiter);
    });
  }

  stop(): Promise<void> {
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.proc.kill("SIGKILL"), 5000);
      this.proc.once("exit", () => { clearTimeout(timer); resolve(); });
      this.proc.stdin!.end();
    });
  }
}

function spawnAgent(name: string, options: Record<string, unknown>): Child {
  const proc = spawn(process.execPath, ["--import", "tsx", agentFixture, JSON.stringify({ node: name, ...options })], { stdio: ["pipe", "pipe", "inherit"] });
  return new Child(name, proc);
}

/**
 * One sample's figures, ms. The phases (raft clients only) split the path:
 * register() called → A's forward answered (server → leader → commit →
 * apply → back) → register() returned (A's own replica caught up); and on B,
 * its follow long poll answered → its resolver changed. In gossip mode:
 * register() returned → B sends its fetch of A's registrations (B heard the
 * new version through gossip) → the fetch answered → B's resolver changed.
 */
interface Sample {
  visibleMs: number; fromCallMs: number; registerMs: number; parentMs: number;
  forwardMs?: number; catchUpMs?: number; followToSeenMs?: number; answerToFollowMs?: number;
  heardMs?: number; fetchMs?: number; fetchedToSeenMs?: number;
}

const ms = (a: string | bigint, b: string | bigint): number => Number(BigInt(a) - BigInt(b)) / 1e6;

async function sample(a: Child, b: Child, id: string): Promise<Sample> {
  a.send({ op: "register", service: SERVICE, id });
  const [reg, seen] = await Promise.all([
    a.wait((e) => e.ev === "registered" && e.id === id, SAMPLE_WAIT_MS),
    b.wait((e) => e.ev === "seen" && e.id === id, SAMPLE_WAIT_MS),
  ]);
  a.send({ op: "deregister", id });
  await Promise.all([
    a.wait((e) => e.ev === "deregistered" && e.id === id, SAMPLE_WAIT_MS),
    b.wait((e) => e.ev === "gone" && e.id === id, SAMPLE_WAIT_MS),
  ]);
  const s: Sample = { visibleMs: ms(seen.t!, reg.t1!), fromCallMs: ms(seen.t!, reg.t0!), registerMs: ms(reg.t1!, reg.t0!), parentMs: ms(seen.rx, reg.rx) };
  if (seen.tq && seen.tr) {
    Object.assign(s, { heardMs: ms(seen.tq, reg.t1!), fetchMs: ms(seen.tr, seen.tq), fetchedToSeenMs: ms(seen.t!, seen.tr) });
  } else if (reg.tf && seen.tr) {
    Object.assign(s, { forwardMs: ms(reg.tf, reg.t0!), catchUpMs: ms(reg.t1!, reg.tf), followToSeenMs: ms(seen.t!, seen.tr), answerToFollowMs: ms(seen.tr, reg.tf) });
  }
  return s;
}

/** Runs the warm-up and the samples from A to B; records the figures under `tag`. */
async function measure(ctx: BenchContext, a: Child, b: Child, tag: string, goal: { p99Ms: number; text: string }, gapMs: number): Promise<void> {
  b.send({ op: "watch", service: SERVICE });
  await b.wait((e) => e.ev === "watching", START_WAIT_MS);
  const samples: Sample[] = [];
  let lost = 0;
  // This machine is shared: the load says how much of a tail is scheduling.
  const loadBefore = loadavg()[0]!;
  for (let i = 0; i < WARMUP + SAMPLES; i++) {
    try {
      const s = await sample(a, b, `${tag.split(" ")[0]}-${i}`);
      if (i >= WARMUP) samples.push(s);
    } catch {
      if (i >= WARMUP) lost++;
    }
    await sleep(Math.random() * gapMs);
  }
  if (DUMP_DIR) await writeFile(join(DUMP_DIR, `visible-${tag.split(" ")[0]}.json`), JSON.stringify(samples));
  const pick = (k: keyof Sample): number[] => samples.map((s) => s[k]).filter((v): v is number => v !== undefined);
  const visible = pick("visibleMs");
  const p99 = percentile(visible, 99);
  const extra = { samples: samples.length, lost, load1: `${loadBefore.toFixed(1)}→${loadavg()[0]!.toFixed(1)}` };
  ctx.record({ case: `register() returned → visible on another process, p50, ${tag}`, value: percentile(visible, 50), unit: "ms", ...extra });
  ctx.record({ case: `register() returned → visible on another process, p99, ${tag}`, value: p99, unit: "ms", maxMs: Math.max(...visible), goal: goal.text, met: p99 < goal.p99Ms });
  ctx.record({ case: `seen before register() returned, ${tag}`, value: visible.filter((v) => v < 0).length / Math.max(1, visible.length) * 100, unit: "% of samples" });
  const phases = [
    ["fromCallMs", "register() called → visible"], ["registerMs", "register() call duration"], ["parentMs", "cross-check, parent's read stamps"],
    ["forwardMs", "phase: A's write forwarded, committed, answered"], ["catchUpMs", "phase: A's replica catches up (read-your-writes)"],
    ["answerToFollowMs", "phase: A's answer → B's follow answer"], ["followToSeenMs", "phase: B's follow answer → B's resolver change"],
    ["heardMs", "phase: register() returned → B hears the new version by gossip"], ["fetchMs", "phase: B fetches A's registrations (TCP)"],
    ["fetchedToSeenMs", "phase: B's fetch answered → B's resolver change"],
  ] as const;
  for (const [k, label] of phases) {
    const v = pick(k);
    if (v.length === 0) continue;
    ctx.record({ case: `${label}, p50, ${tag}`, value: percentile(v, 50), unit: "ms", p99Ms: percentile(v, 99) });
  }
}

async function raftCase(ctx: BenchContext): Promise<void> {
  const ports = await freePorts(6);
  const dirs = await Promise.all([0, 1, 2].map(() => mkdtemp(join(tmpdir(), "disco-visible-"))));
  const rpcs = [0, 1, 2].map((i) => `127.0.0.1:${ports[i]}`);
  const servers = [0, 1, 2].map((i) => new Child(`s${i}`, spawn(process.execPath, [
    "--import", "tsx", serverFixture, `s${i}`, rpcs[i]!, String(ports[i + 3]), dirs[i]!, rpcs.join(","),
  ], { stdio: ["pipe", "pipe", "inherit"] })));
  const clients: Child[] = [];
  try {
    await Promise.all(servers.map((s) => s.ready));
    const leaderKnown = async (): Promise<boolean> => {
      for (const p of ports.slice(3)) {
        try {
          const leader = (await (await fetch(`http://127.0.0.1:${p}/v1/status/leader`, { signal: AbortSignal.timeout(300) })).json()) as string;
          if (leader) return true;
        } catch { /* next */ }
      }
      return false;
    };
    const t0 = Date.now();
    while (!(await leaderKnown())) {
      if (Date.now() - t0 > START_WAIT_MS) throw new Error("no raft leader");
      await sleep(50);
    }
    clients.push(spawnAgent("client-a", { mode: "raft", server: false, join: rpcs }), spawnAgent("client-b", { mode: "raft", server: false, join: rpcs }));
    await Promise.all(clients.map((c) => c.ready));
    await measure(ctx, clients[0]!, clients[1]!, "raft (3 server + 2 client processes, fsync on)", { p99Ms: 20, text: "p99 < 20 ms" }, GAP_MS ?? 100);
  } finally {
    await Promise.all(clients.map((c) => c.stop()));
    for (const s of servers) s.proc.kill("SIGKILL");
    await Promise.all(servers.map((s) => (s.proc.exitCode === null && s.proc.signalCode === null ? new Promise((r) => s.proc.once("exit", r)) : undefined)));
    await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  }
}

async function gossipCase(ctx: BenchContext): Promise<void> {
  const common = { mode: "gossip", bind: "127.0.0.1:0", gossipProfile: GOSSIP_PROFILE };
  const agents: Child[] = [spawnAgent("g0", { ...common, join: [] })];
  try {
    const seed = await agents[0]!.ready;
    for (let i = 1; i < GOSSIP_NODES; i++) agents.push(spawnAgent(`g${i}`, { ...common, join: [seed] }));
    await Promise.all(agents.map((a) => a.ready));
    const t0 = Date.now();
    for (const a of agents) {
      for (;;) {
        a.send({ op: "members" });
        const e = await a.wait((x) => x.ev === "members", START_WAIT_MS);
        if (e.alive === GOSSIP_NODES) break;
        if (Date.now() - t0 > START_WAIT_MS) throw new Error("gossip did not converge");
        await sleep(50);
      }
    }
    const goalMs = 2 * GOSSIP_INTERVAL_MS;
    await measure(ctx, agents[0]!, agents[1]!, `gossip (${GOSSIP_NODES} processes, ${GOSSIP_PROFILE}, gossip interval ${GOSSIP_INTERVAL_MS} ms)`, { p99Ms: goalMs, text: `p99 < ${goalMs} ms (2 gossip intervals)` }, GAP_MS ?? GOSSIP_INTERVAL_MS);
  } finally {
    await Promise.all(agents.map((a) => a.stop()));
  }
}

/** Runs the modes named in VISIBLE_MODES. */
export default async function visibleBench(ctx: BenchContext): Promise<void> {
  if (MODES.includes("raft")) await raftCase(ctx);
  if (MODES.includes("gossip")) await gossipCase(ctx);
}
