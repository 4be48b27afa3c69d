import t from "tap";
import type { Test } from "tap";
import { failoverFeed, remoteFeed, REMOTE_RETRY_MS } from "../../lib/agent/remote-feed.js";
import { WanPool, WAN_PING_INTERVAL_MS, WAN_UNREACHABLE_DETECTION_MS_MAX, WAN_FORWARD_TIMEOUT_MS } from "../../lib/agent/wan.js";
import type { Instance } from "../../lib/resolver/instance.js";
import type { InstanceFeed } from "../../lib/resolver/resolver.js";
import { NoPathToDatacenterError } from "../../lib/util/errors.js";
import { silentLogger } from "../../lib/util/logger.js";
import { SeededRng, type Rng } from "../../lib/util/rng.js";
import { SimTimers, SimWan, runUntil, type SimCatalog, type SimServer } from "./multi-dc-net.js";

/**
 * Seeded simulation of two or three datacenters' WAN pools (and a failover
 * resolver feed) under random WAN partitions and heals, gossip failures and
 * health changes. Invariants:
 * - a forward to a datacenter cut off for its whole duration ends in
 *   NoPathToDatacenterError within WAN_UNREACHABLE_DETECTION_MS_MAX, never a hang;
 * - a forward to a datacenter whose WAN has been whole for two ping intervals succeeds;
 * - no request is ever sent to a server gossip lists as failed;
 * - once quiet, datacenters() lists the own datacenter, then the reachable ones by RTT;
 * - once quiet, the failover feed serves the primary if it has passing instances,
 *   else the nearest reachable failover datacenter that has some.
 * DISCO_SEED=n replays one seed.
 */

/** One-way latencies between datacenters (ms): distinct enough that RTT order is certain. */
const LATENCY_MS = { "dc1|dc2": 20, "dc1|dc3": 70, "dc2|dc3": 45 };
const SERVERS_PER_DC = 3;
const RUN_MS = 150_000;
/** How long the chaos pauses before a quiet check: partitions found, heals noticed, feeds retried. */
const QUIET_MS = 3 * WAN_PING_INTERVAL_MS + 2 * REMOTE_RETRY_MS;
/** Room for the event that fires exactly at a bound (timers tie by scheduling order). */
const SLACK_MS = 10;
/** "After heal, forwarding succeeds within N ping intervals": N = 2. */
const HEAL_BOUND_MS = 2 * WAN_PING_INTERVAL_MS;

interface ForwardRecord {
  from: SimServer;
  dc: string;
  startMs: number;
  endMs?: number;
  outcome?: "ok" | "no-path" | string;
}

interface RunResult {
  seed: number;
  dcs: number;
  forwards: number;
  /** Forwards the partition invariant applied to (cut off for their whole bound). */
  partitioned: number;
  /** Forwards the heal invariant applied to. */
  healed: number;
  quietChecks: number;
  violations: string[];
}

/** Overrides of the pools' timing, for the checker-sensitivity test. */
type PoolTiming = { pingIntervalMs?: number; pingTimeoutMs?: number };

function toInstance(dc: string, id: string, status: "passing" | "critical"): Instance {
  return { id, service: "web", node: `${dc}-node`, address: "10.0.0.1", port: 80, tags: [], meta: {}, status, weights: { passing: 1, warning: 1 } };
}

/** The primary datacenter's own instances, as the agent's catalog feed gives them (passing only). */
function localFeed(catalog: SimCatalog): InstanceFeed {
  return {
    start(push) {
      const send = (): void => push(catalog.passing().map((i) => toInstance(catalog.dc, i.id, i.status)));
      send();
      return catalog.watch(send);
    },
  };
}

function pick<T>(rng: Rng, list: readonly T[]): T {
  return list[rng.int(list.length)]!;
}

async function runSeed(seed: number, timing: PoolTiming = {}): Promise<RunResult> {
  const rng = new SeededRng(seed);
  const chaos = rng.fork("chaos");
  const timers = new SimTimers();
  const net = new SimWan(timers, rng.fork("net"), LATENCY_MS);
  const dcNames = ["dc1", "dc2", "dc3"].slice(0, 2 + (seed % 2));
  for (const dc of dcNames) net.addDatacenter(dc, SERVERS_PER_DC);
  for (const dc of dcNames) for (const id of [`${dc}-web-1`, `${dc}-web-2`]) net.catalogs.get(dc)!.set(id, "passing");
  const pools = new Map<string, WanPool>();
  for (const s of net.servers) {
    const pool = new WanPool({ datacenter: s.dc, servers: () => net.gossipView(), request: net.requester(s), timers, logger: silentLogger, ...timing });
    pool.start();
    pools.set(s.address, pool);
  }
  const violations: string[] = [];
  const forwards: ForwardRecord[] = [];

  // The failover resolver feed of an agent on dc1's first server: dc1, then the others by RTT.
  const home = net.servers[0]!;
  const homePool = pools.get(home.address)!;
  const reader = {
    async remoteJson(dc: string, url: string, signal?: AbortSignal) {
      const answer = await homePool.forward(dc, { method: "GET", url }, signal);
      return { index: Number(answer.headers["x-consul-index"]), body: JSON.parse(Buffer.from(answer.body).toString("utf8")) as unknown };
    },
  };
  const feeds = dcNames.map((dc) => ({
    dc, feed: dc === "dc1" ? localFeed(net.catalogs.get("dc1")!) : remoteFeed(reader, dc, "web", { passingOnly: true }, timers),
  }));
  let served: string[] | undefined;
  const stopFailover = failoverFeed(feeds, () => homePool.datacenters()).start((list) => {
    served = list.map((i) => i.id).sort();
  }, () => {});

  const startForward = (): void => {
    const from = pick(chaos, net.servers);
    const others = dcNames.filter((d) => d !== from.dc);
    const dc = chaos.int(20) === 0 ? "dc9" : pick(chaos, others);
    const rec: ForwardRecord = { from, dc, startMs: timers.nowMs() };
    forwards.push(rec);
    pools.get(from.address)!.forward(dc, { method: "GET", url: "/v1/health/service/web?passing" }).then(
      (answer) => {
        rec.outcome = answer.status === 200 ? "ok" : `status ${answer.status}`;
        rec.endMs = timers.nowMs();
      },
      (err: unknown) => {
        rec.outcome = err instanceof NoPathToDatacenterError ? "no-path" : `error ${String(err)}`;
        rec.endMs = timers.nowMs();
      },
    );
  };

  const chaosStep = (): void => {
    const r = chaos.int(100);
    const a = pick(chaos, dcNames);
    const b = pick(chaos, dcNames.filter((d) => d !== a));
    if (r < 14) net.setCut(a, b, true);
    else if (r < 24) net.setCut(a, b, false);
    else if (r < 28) net.healAll();
    else if (r < 42) net.catalogs.get(a)!.set(`${a}-web-${1 + chaos.int(2)}`, chaos.int(2) === 0 ? "passing" : "critical");
    else if (r < 48) {
      // At most one server per datacenter is failed in gossip at a time, so a reachable datacenter always has one to use.
      const failedHere = net.servers.find((s) => s.dc === a && net.gossipFailed.has(s.address));
      if (failedHere) net.gossipFailed.delete(failedHere.address);
      else net.gossipFailed.add(pick(chaos, net.servers.filter((s) => s.dc === a)).address);
    } else startForward();
  };

  let quietChecks = 0;
  const quietCheck = (): void => {
    quietChecks++;
    const at = `t=${timers.nowMs()} cuts=[${net.currentCuts().join(",")}]`;
    for (const s of net.servers) {
      const rtt = (dc: string): number => (net.isCut(s.dc, dc) ? Number.POSITIVE_INFINITY : LATENCY_MS[(s.dc < dc ? `${s.dc}|${dc}` : `${dc}|${s.dc}`) as keyof typeof LATENCY_MS]);
      const expected = [s.dc, ...dcNames.filter((d) => d !== s.dc).sort((x, y) => rtt(x) - rtt(y) || x.localeCompare(y))];
      const got = pools.get(s.address)!.datacenters();
      if (got.join() !== expected.join()) violations.push(`${at}: ${s.name}.datacenters() = [${got}], expected [${expected}]`);
    }
    const order = ["dc1", ...dcNames.filter((d) => d !== "dc1" && !net.isCut("dc1", d)).sort((x, y) => LATENCY_MS[`dc1|${x}` as keyof typeof LATENCY_MS] - LATENCY_MS[`dc1|${y}` as keyof typeof LATENCY_MS])];
    const chosen = order.find((dc) => net.catalogs.get(dc)!.passing().length > 0) ?? "dc1";
    const expected = net.catalogs.get(chosen)!.passing().map((i) => i.id).sort();
    if (served?.join() !== expected.join()) violations.push(`${at}: failover serves [${served}], expected ${chosen}'s [${expected}]`);
  };

  let nextQuietMs = 20_000;
  while (timers.nowMs() < RUN_MS) {
    await runUntil(timers, timers.nowMs() + 100 + chaos.int(1500));
    if (timers.nowMs() >= nextQuietMs) {
      if (chaos.int(3) === 0) net.healAll();
      await runUntil(timers, timers.nowMs() + QUIET_MS);
      quietCheck();
      nextQuietMs = timers.nowMs() + 15_000 + chaos.int(15_000);
    } else {
      chaosStep();
    }
  }
  net.healAll();
  net.gossipFailed.clear();
  await runUntil(timers, timers.nowMs() + QUIET_MS);
  quietCheck();
  await runUntil(timers, timers.nowMs() + WAN_FORWARD_TIMEOUT_MS + 1000);

  let partitioned = 0;
  let healed = 0;
  for (const f of forwards) {
    const what = `forward ${f.from.name} -> ${f.dc} at t=${f.startMs}`;
    if (f.endMs === undefined) {
      violations.push(`${what} never ended (a hang)`);
      continue;
    }
    const took = f.endMs - f.startMs;
    if (!dcNames.includes(f.dc)) {
      if (f.outcome !== "no-path" || took !== 0) violations.push(`${what}: unknown datacenter gave ${f.outcome} after ${took} ms`);
      continue;
    }
    const bound = WAN_UNREACHABLE_DETECTION_MS_MAX + SLACK_MS;
    if (net.cutThroughout(f.from.dc, f.dc, f.startMs, f.startMs + bound)) {
      partitioned++;
      if (f.outcome !== "no-path" || took > bound) violations.push(`${what}: partitioned, but gave ${f.outcome} after ${took} ms (bound ${bound} ms)`);
    }
    if (net.wholeThroughout(f.from.dc, f.dc, f.startMs - HEAL_BOUND_MS, f.endMs) && f.startMs >= HEAL_BOUND_MS) {
      healed++;
      if (f.outcome !== "ok") violations.push(`${what}: WAN whole since ${HEAL_BOUND_MS} ms before, but gave ${f.outcome} after ${took} ms`);
    }
  }
  for (const d of net.deliveries) {
    if (d.targetFailed) violations.push(`t=${d.atMs}: ${d.from} sent a request to ${d.to}, which gossip lists as failed`);
  }
  stopFailover();
  for (const p of pools.values()) p.close();
  return { seed, dcs: dcNames.length, forwards: forwards.length, partitioned, healed, quietChecks, violations };
}

function report(t: Test, r: RunResult): void {
  t.same(
    r.violations,
    [],
    r.violations.length > 0
      ? `seed ${r.seed} failed (replay with DISCO_SEED=${r.seed}):\n  ${r.violations.slice(0, 20).join("\n  ")}`
      : `seed ${r.seed}: ${r.dcs} datacenters, ${r.forwards} forwards (${r.partitioned} partitioned, ${r.healed} after a heal), ${r.quietChecks} quiet checks`,
  );
}

const FIXED_SEEDS = Array.from({ length: 16 }, (_, i) => i + 1);
const replay = process.env["DISCO_SEED"];
if (replay !== undefined) {
  t.test(`multi-dc sim: replay of seed ${replay}`, async (t) => report(t, await runSeed(Number(replay))));
} else {
  t.test("multi-dc sim: partitions end forwards in NoPathToDatacenterError within the bound, heals restore them, failover picks the nearest datacenter with passing instances (fixed seeds)", async (t) => {
    for (const seed of FIXED_SEEDS) report(t, await runSeed(seed));
  });
  t.test("multi-dc sim: the same for fresh random seeds (printed for replay)", async (t) => {
    for (let i = 0; i < 2; i++) {
      const seed = Math.floor(Math.random() * 2 ** 31);
      t.comment(`random seed ${seed}`);
      report(t, await runSeed(seed));
    }
  });
  t.test("multi-dc sim: the checker catches a pool that notices partitions too late (checker sensitivity)", async (t) => {
    let caught = 0;
    for (const seed of [1, 2, 3, 4]) {
      const r = await runSeed(seed, { pingIntervalMs: 30_000, pingTimeoutMs: 10_000 });
      if (r.violations.length > 0) caught++;
    }
    t.equal(caught, 4, "every seed reports a violation when pings are 15x slower than the bound assumes");
  });
}
