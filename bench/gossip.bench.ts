/**
 * The gossip driver on real loopback sockets: N GossipNodes in this process
 * (LAN profile, AES-256-GCM encryption and a label, as a production cluster
 * would run), each on its own UDP+TCP port on 127.0.0.1.
 *
 * For each N it records:
 * - time from the joins starting until every member sees all N alive;
 * - CPU and heap per member, and UDP bytes sent per member per second, over a
 *   steady window with nothing changing;
 * - time from closing one member abruptly until the first, and then every,
 *   other member marks it failed.
 *
 * All members share one event loop, so CPU figures include the loop's own
 * overhead and are an upper bound of what one member costs its host process.
 * Push-pull (TCP) bytes are not counted here: the transport keeps no byte
 * counter, and in the LAN profile a push-pull happens once per 30 s per member
 * (bench/gossip-memberlist.bench.ts counts them, by wrapping socket writes).
 *
 * The scenario is exported as {@link runGossipScenario} so
 * bench/gossip-memberlist.bench.ts runs the very same one beside memberlist.
 *
 * Run: `npx tsx bench/index.ts gossip`. Knobs: GOSSIP_BENCH_SIZES (default
 * "10,50"), GOSSIP_BENCH_WINDOW_S (steady window, default 10),
 * GOSSIP_BENCH_PROFILE (lan | local, default lan), GOSSIP_BENCH_ENCRYPT (1 | 0, default 1).
 */
import { Socket } from "node:net";
import type { BenchContext } from "./harness.js";
import { GossipNode } from "../lib/membership/node.js";
import type { MembershipProfile } from "../lib/membership/config.js";
import { generateKey } from "../lib/transport/keyring.js";

const SIZES = (process.env["GOSSIP_BENCH_SIZES"] ?? "10,50").split(",").map(Number);
const WINDOW_S = Number(process.env["GOSSIP_BENCH_WINDOW_S"] ?? 10);
const PROFILE = (process.env["GOSSIP_BENCH_PROFILE"] ?? "lan") as MembershipProfile;
const ENCRYPT = process.env["GOSSIP_BENCH_ENCRYPT"] !== "0";
/** Cap on waiting for convergence or detection; a bench that hits it records the cap and says so. */
const WAIT_MS_MAX = 90_000;
/** Pause after convergence so the join broadcasts drain before the quiet window. */
const SETTLE_MS = 2000;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function until(predicate: () => boolean, maxMs: number): Promise<{ ms: number; timedOut: boolean }> {
  const t0 = performance.now();
  while (!predicate()) {
    if (performance.now() - t0 > maxMs) return { ms: maxMs, timedOut: true };
    await sleep(10);
  }
  return { ms: performance.now() - t0, timedOut: false };
}

function heapMb(): number {
  (globalThis as { gc?: () => void }).gc?.();
  return process.memoryUsage().heapUsed / 2 ** 20;
}

/**
 * Counts bytes written on TCP sockets in this process until the returned
 * function is called (which restores `Socket.prototype.write` and returns the
 * count). Used only while gossip members are the process's only TCP users.
 */
function countTcpWrites(): () => number {
  const original = Socket.prototype.write;
  let bytes = 0;
  Socket.prototype.write = function (this: Socket, chunk: unknown, ...rest: unknown[]): boolean {
    if (typeof this.remotePort === "number") {
      bytes += typeof chunk === "string" ? Buffer.byteLength(chunk) : (chunk as Uint8Array).byteLength;
    }
    return (original as (...a: unknown[]) => boolean).call(this, chunk, ...rest);
  } as typeof Socket.prototype.write;
  return () => {
    Socket.prototype.write = original;
    return bytes;
  };
}

/** What one run of the scenario sets up. */
export interface GossipScenarioOptions {
  /** Members, seed included. */
  n: number;
  profile: MembershipProfile;
  /** AES-256-GCM with one fresh key. */
  encrypt: boolean;
  /** Cluster label ("" for none). */
  label: string;
  /** Length of the quiet window, seconds. */
  windowS: number;
  /** Also count TCP (push-pull) bytes sent, by wrapping socket writes during the window. */
  countTcp?: boolean;
}

/** What one run measured. Times in ms, bytes and CPU per member on average. */
export interface GossipScenarioResult {
  joinMs: number;
  joinTimedOut: boolean;
  windowS: number;
  cpuMsPerSPerMember: number;
  processCpuMsPerS: number;
  heapKiBPerMember: number;
  gcExposed: boolean;
  udpBytesPerMemberPerS: number;
  udpPacketsPerMemberPerS: number;
  /** Only when `countTcp` was asked. */
  tcpBytesPerMemberPerS: number | undefined;
  /** Push-pulls the members started during the window. */
  pushPullsInWindow: number;
  /** From close() returning until the first other member marks the victim failed. */
  firstFailedMs: number;
  firstTimedOut: boolean;
  /** From just before close() until every other member marks the victim failed. */
  allFailedMs: number;
  allTimedOut: boolean;
  /** Member-views of a failed member other than the victim. */
  falseFailures: number;
}

/**
 * Starts N members (the seed, then N−1 joining it concurrently), waits until
 * all see all, measures a quiet window, closes the last member without
 * leaving and times its detection; closes everything before returning.
 */
export async function runGossipScenario(o: GossipScenarioOptions): Promise<GossipScenarioResult> {
  const { n } = o;
  const key = o.encrypt ? generateKey() : undefined;
  const heapBefore = heapMb();
  const common = { profile: o.profile, bind: { host: "127.0.0.1", port: 0 }, label: o.label, ...(key ? { encrypt: key } : {}) };
  const seed = await GossipNode.start({ ...common, name: "m0" });
  const seedAddr = `127.0.0.1:${seed.address.port}`;
  const joinStart = performance.now();
  const rest = await Promise.all(Array.from({ length: n - 1 }, (_, i) => GossipNode.start({ ...common, name: `m${i + 1}`, join: [seedAddr] })));
  const nodes = [seed, ...rest];
  try {
    const converged = await until(() => nodes.every((x) => x.stats().members.alive === n), WAIT_MS_MAX);
    const joinMs = performance.now() - joinStart;

    // Let the join broadcasts drain, then measure a quiet window.
    await sleep(SETTLE_MS);
    const heapAfter = heapMb();
    const bytes0 = nodes.reduce((s, x) => s + x.stats().udp.bytesOut, 0);
    const packets0 = nodes.reduce((s, x) => s + x.stats().udp.packetsOut, 0);
    const pushPulls0 = nodes.reduce((s, x) => s + x.stats().pushPull.sent, 0);
    const stopCounting = o.countTcp ? countTcpWrites() : undefined;
    const cpu0 = process.cpuUsage();
    const w0 = performance.now();
    await sleep(o.windowS * 1000);
    const cpu = process.cpuUsage(cpu0);
    const seconds = (performance.now() - w0) / 1000;
    const tcpBytes = stopCounting?.();
    const bytes = nodes.reduce((s, x) => s + x.stats().udp.bytesOut, 0) - bytes0;
    const packets = nodes.reduce((s, x) => s + x.stats().udp.packetsOut, 0) - packets0;
    const pushPullsInWindow = nodes.reduce((s, x) => s + x.stats().pushPull.sent, 0) - pushPulls0;
    const cpuMsPerS = (cpu.user + cpu.system) / 1000 / seconds;

    const victim = nodes[n - 1]!;
    const others = nodes.slice(0, n - 1);
    const killedAt = performance.now();
    await victim.close();
    const first = await until(() => others.some((x) => x.member(victim.name)?.status === "failed"), WAIT_MS_MAX);
    const all = await until(() => others.every((x) => x.member(victim.name)?.status === "failed"), WAIT_MS_MAX);
    const allFailedMs = performance.now() - killedAt;
    return {
      joinMs, joinTimedOut: converged.timedOut, windowS: seconds,
      cpuMsPerSPerMember: cpuMsPerS / n, processCpuMsPerS: cpuMsPerS,
      heapKiBPerMember: ((heapAfter - heapBefore) * 1024) / n,
      gcExposed: typeof (globalThis as { gc?: unknown }).gc === "function",
      udpBytesPerMemberPerS: bytes / n / seconds, udpPacketsPerMemberPerS: packets / n / seconds,
      tcpBytesPerMemberPerS: tcpBytes === undefined ? undefined : tcpBytes / n / seconds, pushPullsInWindow,
      firstFailedMs: first.ms, firstTimedOut: first.timedOut, allFailedMs, allTimedOut: all.timedOut,
      falseFailures: others.reduce((s, x) => s + x.stats().members.failed, 0) - others.length,
    };
  } finally {
    await Promise.all(nodes.map((x) => x.close()));
  }
}

async function runSize(ctx: BenchContext, n: number): Promise<void> {
  const tag = `${n} members, ${PROFILE}${ENCRYPT ? ", encrypted" : ""}`;
  const r = await runGossipScenario({ n, profile: PROFILE, encrypt: ENCRYPT, label: "bench", windowS: WINDOW_S });
  ctx.record({ case: `join → all see all alive, ${tag}`, value: r.joinMs / 1000, unit: "s", timedOut: r.joinTimedOut });
  ctx.record({ case: `CPU per member, steady, ${tag}`, value: r.cpuMsPerSPerMember, unit: "ms CPU/s", processTotal: r.processCpuMsPerS });
  ctx.record({ case: `heap per member, ${tag}`, value: r.heapKiBPerMember, unit: "KiB", gcExposed: r.gcExposed });
  ctx.record({ case: `UDP bytes sent per member per second, ${tag}`, value: r.udpBytesPerMemberPerS, unit: "B/s", packetsPerS: r.udpPacketsPerMemberPerS });
  ctx.record({ case: `close → first member marks it failed, ${tag}`, value: r.firstFailedMs / 1000, unit: "s", timedOut: r.firstTimedOut });
  ctx.record({ case: `close → all members mark it failed, ${tag}`, value: r.allFailedMs / 1000, unit: "s", timedOut: r.allTimedOut });
  ctx.record({ case: `false failures during the run, ${tag}`, value: r.falseFailures, unit: "member-views" });
}

/** Runs each size in turn. */
export default async function (ctx: BenchContext): Promise<void> {
  for (const n of SIZES) await runSize(ctx, n);
}
