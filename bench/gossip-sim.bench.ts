/**
 * The 1,000-member SWIM + Lifeguard simulation (seeded, in memory, LAN profile,
 * 1–5 ms one-way delay):
 * - protocol periods until a join and a failure reach every member;
 * - time until each member sees a killed member as failed (p50 / p99 over members);
 * - false positives per member-hour under 10% packet loss, and with 1% of members
 *   stalled, Lifeguard on vs off.
 *
 * Each of two clusters (Lifeguard on, off) is bootstrapped once and then runs
 * the join, three kills, the stalled run and the lossy run in turn.
 *
 * Run: `npx tsx bench/index.ts gossip-sim`. Knobs: GOSSIP_SIM_N (members, default
 * 1000), GOSSIP_SIM_STALL_S (default 60), GOSSIP_SIM_LOSS_S (default 20),
 * GOSSIP_SIM_SEED.
 */
import type { BenchContext } from "./harness.js";
import { percentile } from "./harness.js";
import { Sim, type SimNode } from "../test/membership/sim.js";
import type { PushPullState } from "../lib/membership/types.js";
import type { MembershipConfigOptions } from "../lib/membership/config.js";

const N = Number(process.env["GOSSIP_SIM_N"] ?? 1000);
/** Simulated seconds of the stalled-members run (cheap: queues stay short). */
const STALL_SECONDS = Number(process.env["GOSSIP_SIM_STALL_S"] ?? 60);
/** Simulated seconds of the 10%-loss run (costly: gossip never goes quiet). */
const LOSS_SECONDS = Number(process.env["GOSSIP_SIM_LOSS_S"] ?? 20);
const SEED = Number(process.env["GOSSIP_SIM_SEED"] ?? 1);
const PROBE_INTERVAL_MS = 1000;
/** Stalled members add up to this much processing delay to each packet in and out. */
const STALL_MS = 2000;
/** Cap on simulated settle time after the bootstrap (all initial broadcasts drained). */
const SETTLE_MS_MAX = 120_000;

/** Builds n members that already know each other (as after a completed join), then lets gossip settle. */
function cluster(seed: number, n: number, config: MembershipConfigOptions, lossRate = 0): { sim: Sim; nodes: SimNode[] } {
  const sim = new Sim({ seed, wire: false, lossRate, config: { profile: "lan", ...config } });
  const nodes: SimNode[] = [];
  for (let i = 0; i < n; i++) nodes.push(sim.add(`m${i}`));
  const state: PushPullState = {
    join: false,
    userLtime: 0,
    members: nodes.map((x) => ({ name: x.name, address: x.addr.address, port: x.addr.port, incarnation: 0, status: "alive", meta: {} })),
  };
  for (const x of nodes) sim.act(x, (c) => c.receiveStreamReply(nodes[0]!.addr, state));
  sim.runUntilTrue(() => nodes.every((x) => x.core.pendingBroadcasts === 0), SETTLE_MS_MAX, 1000);
  return { sim, nodes };
}

/** Distinct (member, incarnation) failure declarations about members in `healthy`. */
function falseIncidents(nodes: SimNode[], healthy: Set<string>, sinceMs: number): { incidents: number; observations: number } {
  const seen = new Set<string>();
  let observations = 0;
  for (const n of nodes) {
    for (const e of n.events) {
      if (e.at < sinceMs || e.event.type !== "member-failed" || !healthy.has(e.event.member.name)) continue;
      observations++;
      seen.add(`${e.event.member.name}@${e.event.member.incarnation}`);
    }
  }
  return { incidents: seen.size, observations };
}

async function dissemination(ctx: BenchContext, sim: Sim, nodes: SimNode[], lg: string): Promise<void> {

  // A join: one new member pushes-pulls with m0; how long until every member knows it?
  const joinAt = sim.now;
  const seenJoin = new Map<string, number>();
  sim.onEvent = (node, ev, at) => {
    if (ev.type === "member-join" && ev.member.name === "newcomer" && !seenJoin.has(node.name)) seenJoin.set(node.name, at - joinAt);
  };
  const newcomer = sim.add("newcomer");
  sim.join(newcomer, [nodes[0]!]);
  sim.runUntilTrue(() => seenJoin.size >= N + 1, 60_000, 100);
  const joinTimes = [...seenJoin.values()];
  const joinAll = Math.max(...joinTimes);
  ctx.record({ case: `join reaches all ${N}, ${lg}`, value: joinAll / PROBE_INTERVAL_MS, unit: "periods", ms: joinAll, p50Ms: percentile(joinTimes, 50), p99Ms: percentile(joinTimes, 99), reached: seenJoin.size, n: N + 1, seed: SEED });

  // Failures: kill 3 members one after the other; per-member time from the kill to its member-failed event.
  const perMember: number[] = [];
  const firstDetect: number[] = [];
  const spread: number[] = [];
  for (const victim of [nodes[123 % N]!, nodes[456 % N]!, nodes[789 % N]!]) {
    const killedAt = sim.now;
    const seen = new Map<string, number>();
    sim.onEvent = (node, ev, at) => {
      if (ev.type === "member-failed" && ev.member.name === victim.name && !seen.has(node.name)) seen.set(node.name, at - killedAt);
    };
    sim.kill(victim);
    const observers = sim.live().length;
    sim.runUntilTrue(() => seen.size >= observers, 180_000, 250);
    const times = [...seen.values()];
    perMember.push(...times);
    const first = Math.min(...times);
    firstDetect.push(first);
    spread.push(Math.max(...times) - first);
    sim.runFor(5_000);
  }
  sim.onEvent = undefined;
  ctx.record({ case: `kill → first member declares failed, ${lg}`, value: percentile(firstDetect, 50) / 1000, unit: "s (median of 3)", max: Math.max(...firstDetect) / 1000 });
  ctx.record({ case: `failure: first declaration → all members, ${lg}`, value: Math.max(...spread) / PROBE_INTERVAL_MS, unit: "periods (max of 3)" });
  ctx.record({ case: `kill → member sees failed p50, ${lg}`, value: percentile(perMember, 50) / 1000, unit: "s", samples: perMember.length });
  ctx.record({ case: `kill → member sees failed p99, ${lg}`, value: percentile(perMember, 99) / 1000, unit: "s", max: Math.max(...perMember) / 1000 });
  const loadStart = sim.packetsSent;
  const loadAt = sim.now;
  sim.runFor(30_000);
  const perMemberPerPeriod = (sim.packetsSent - loadStart) / sim.live().length / ((sim.now - loadAt) / PROBE_INTERVAL_MS);
  ctx.record({ case: `steady-state packets per member per period, ${lg}`, value: perMemberPerPeriod, unit: "packets" });
}

/** Runs `seconds` of simulated time under a fault and records false positives about healthy members. */
function falsePositives(
  ctx: BenchContext,
  sim: Sim,
  nodes: SimNode[],
  label: string,
  seconds: number,
  fault: { lossRate: number; stalledFraction: number },
): void {
  const t0 = Date.now();
  const live = sim.live();
  const stalled = new Set<string>();
  const stallCount = Math.round(live.length * fault.stalledFraction);
  for (let i = 0; i < stallCount; i++) {
    const node = live[Math.floor((i * live.length) / stallCount)]!;
    node.stallMs = STALL_MS;
    stalled.add(node.name);
  }
  sim.lossRate = fault.lossRate;
  const healthy = new Set(live.filter((n) => !stalled.has(n.name)).map((n) => n.name));
  // Suspicion episodes about healthy members: distinct (member, incarnation) that someone
  // suspected on its own failed probe (Lifeguard's extra confirmations are not extra episodes).
  const accusations = new Set<string>();
  sim.onPacket = (from, msgs) => {
    for (const m of msgs) {
      if (m.type === "suspect" && m.from === from.name && healthy.has(m.node)) accusations.add(`${m.node}@${m.incarnation}`);
    }
  };
  const start = sim.now;
  sim.runFor(seconds * 1000);
  sim.onPacket = undefined;
  const { incidents, observations } = falseIncidents(nodes, healthy, start);
  const memberHours = (healthy.size * seconds) / 3600;
  ctx.record({
    case: `false positives, ${label}`,
    value: incidents / memberHours,
    unit: "per healthy member-hour",
    incidents,
    observations,
    falseSuspicionsPerMemberHour: Number((accusations.size / memberHours).toFixed(1)),
    stalledDeclaredFailed: falseIncidents(nodes, stalled, start).incidents,
    memberHours: Number(memberHours.toFixed(1)),
    simS: seconds,
    realS: Math.round((Date.now() - t0) / 1000),
  });
  // Back to a clean network and let the cluster settle before the next scenario.
  for (const n of live) n.stallMs = 0;
  sim.lossRate = 0;
  sim.runFor(30_000);
}

export default async function (ctx: BenchContext): Promise<void> {
  for (const lifeguard of [true, false]) {
    const lg = `lifeguard ${lifeguard ? "on" : "off"}`;
    const t0 = Date.now();
    const { sim, nodes } = cluster(SEED, N, { lifeguard });
    ctx.record({ case: `bootstrap ${N} members and settle, ${lg}`, value: (Date.now() - t0) / 1000, unit: "s real", simMs: sim.now });
    await dissemination(ctx, sim, nodes, lg);
    falsePositives(ctx, sim, nodes, `1% stalled (≤${STALL_MS} ms per packet), ${lg}`, STALL_SECONDS, { lossRate: 0, stalledFraction: 0.01 });
    falsePositives(ctx, sim, nodes, `10% loss, ${lg}`, LOSS_SECONDS, { lossRate: 0.1, stalledFraction: 0 });
  }
}
