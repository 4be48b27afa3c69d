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
 * Push-pull (TCP) bytes are not counted: the transport keeps no byte counter,
 * and in the LAN profile a push-pull happens once per 30 s per member.
 *
 * Run: `npx tsx bench/index.ts gossip`. Knobs: GOSSIP_BENCH_SIZES (default
 * "10,50"), GOSSIP_BENCH_WINDOW_S (steady window, default 10),
 * GOSSIP_BENCH_PROFILE (lan | local, default lan), GOSSIP_BENCH_ENCRYPT (1 | 0, default 1).
 */
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

async function runSize(ctx: BenchContext, n: number): Promise<void> {
  const key = ENCRYPT ? generateKey() : undefined;
  const tag = `${n} members, ${PROFILE}${ENCRYPT ? ", encrypted" : ""}`;
  const heapBefore = heapMb();
  const common = { profile: PROFILE, bind: { host: "127.0.0.1", port: 0 }, label: "bench", ...(key ? { encrypt: key } : {}) };
  const seed = await GossipNode.start({ ...common, name: "m0" });
  const seedAddr = `127.0.0.1:${seed.address.port}`;
  const joinStart = performance.now();
  const rest = await Promise.all(Array.from({ length: n - 1 }, (_, i) => GossipNode.start({ ...common, name: `m${i + 1}`, join: [seedAddr] })));
  const nodes = [seed, ...rest];
  try {
    const converged = await until(() => nodes.every((x) => x.stats().members.alive === n), WAIT_MS_MAX);
    ctx.record({ case: `join → all see all alive, ${tag}`, value: (performance.now() - joinStart) / 1000, unit: "s", timedOut: converged.timedOut });

    // Let the join broadcasts drain, then measure a quiet window.
    await sleep(2000);
    const heapAfter = heapMb();
    const bytes0 = nodes.reduce((s, x) => s + x.stats().udp.bytesOut, 0);
    const packets0 = nodes.reduce((s, x) => s + x.stats().udp.packetsOut, 0);
    const cpu0 = process.cpuUsage();
    const w0 = performance.now();
    await sleep(WINDOW_S * 1000);
    const cpu = process.cpuUsage(cpu0);
    const seconds = (performance.now() - w0) / 1000;
    const bytes = nodes.reduce((s, x) => s + x.stats().udp.bytesOut, 0) - bytes0;
    const packets = nodes.reduce((s, x) => s + x.stats().udp.packetsOut, 0) - packets0;
    const cpuMsPerS = (cpu.user + cpu.system) / 1000 / seconds;
    ctx.record({ case: `CPU per member, steady, ${tag}`, value: cpuMsPerS / n, unit: "ms CPU/s", processTotal: cpuMsPerS });
    ctx.record({ case: `heap per member, ${tag}`, value: ((heapAfter - heapBefore) * 1024) / n, unit: "KiB", gcExposed: typeof (globalThis as { gc?: unknown }).gc === "function" });
    ctx.record({ case: `UDP bytes sent per member per second, ${tag}`, value: bytes / n / seconds, unit: "B/s", packetsPerS: packets / n / seconds });

    const victim = nodes[n - 1]!;
    const others = nodes.slice(0, n - 1);
    const killedAt = performance.now();
    await victim.close();
    const first = await until(() => others.some((x) => x.member(victim.name)?.status === "failed"), WAIT_MS_MAX);
    const all = await until(() => others.every((x) => x.member(victim.name)?.status === "failed"), WAIT_MS_MAX);
    ctx.record({ case: `close → first member marks it failed, ${tag}`, value: first.ms / 1000, unit: "s", timedOut: first.timedOut });
    ctx.record({ case: `close → all members mark it failed, ${tag}`, value: (performance.now() - killedAt) / 1000, unit: "s", timedOut: all.timedOut });
    const fp = others.reduce((s, x) => s + x.stats().members.failed, 0) - others.length;
    ctx.record({ case: `false failures during the run, ${tag}`, value: fp, unit: "member-views" });
  } finally {
    await Promise.all(nodes.map((x) => x.close()));
  }
}

/** Runs each size in turn. */
export default async function (ctx: BenchContext): Promise<void> {
  for (const n of SIZES) await runSize(ctx, n);
}
