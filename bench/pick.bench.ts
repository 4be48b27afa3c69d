/**
 * Cost of `Resolver.pick()` per policy, with 64 and 1,000 instances: ns per
 * pick (median of several runs, CPU time), ns per pick + report, and bytes
 * allocated per pick (marginal heap growth; run as
 * `node --expose-gc --import tsx bench/index.ts pick` so each run starts
 * from a collected heap; the GCs seen during the runs are reported).
 *
 * Every policy is warmed up before any is measured, so the resolver's call
 * into its policy is measured in the polymorphic state a process with
 * several policies would be in (the slower, honest case).
 */
import { PerformanceObserver } from "node:perf_hooks";
import { median, type BenchContext } from "./harness.js";
import { Resolver, type InstanceFeed } from "../lib/resolver/resolver.js";
import { POLICY_NAMES, type PolicyName } from "../lib/resolver/options.js";
import type { Instance } from "../lib/resolver/instance.js";
import { ManualClock } from "../lib/util/clock.js";
import { SeededRng } from "../lib/util/rng.js";

/** Picks per timed run: long enough to swamp timer resolution, short enough for 7 runs × 14 cases. */
const PICKS_PER_RUN = 1_000_000;
/** Timed runs per case; the median is reported. */
const RUNS = 7;
/** Set changes per rebuild case; the median of the second half (after warm-up) is reported. */
const REBUILD_RUNS = 20;
/** Picks in the shorter allocation run (the longer one is 3×). */
const ALLOC_PICKS = 1_000_000;
/** Distinct request keys cycled through by the hashing policies. */
const KEY_COUNT = 1024;

const SIZES = [64, 1000];
const KEYS = Array.from({ length: KEY_COUNT }, (_, i) => `user-${i}`);

function instances(count: number): Instance[] {
  return Array.from({ length: count }, (_, n) => ({
    id: `i${n}`,
    service: "bench",
    node: `node-${n}`,
    address: `10.0.${n >> 8}.${n & 255}`,
    port: 8000 + (n % 1000),
    tags: ["v1"],
    meta: {},
    status: "passing" as const,
    weights: { passing: 1 + (n % 3), warning: 1 },
  }));
}

function staticFeed(list: Instance[]): InstanceFeed {
  return { start: (push) => (push(list), () => {}) };
}

/** Median CPU ms to apply a changed set (one instance in or out): table, outlier state and policy rebuild. */
function rebuildMs(policy: PolicyName, size: number): number {
  let push: (list: Instance[]) => void = () => {};
  const feed: InstanceFeed = { start: (p) => ((push = p), () => {}) };
  const resolver = new Resolver("bench", { policy }, feed, { clock: new ManualClock(), rng: new SeededRng(7) });
  const full = instances(size);
  const less = full.slice(1);
  const times: number[] = [];
  for (let r = 0; r < REBUILD_RUNS; r++) {
    const start = process.cpuUsage();
    push(r % 2 === 0 ? full : less);
    const used = process.cpuUsage(start);
    if (r >= REBUILD_RUNS / 2) times.push((used.user + used.system) / 1000); // the first half warms up
  }
  resolver.close();
  return median(times);
}

function makeResolver(policy: PolicyName, size: number): Resolver {
  return new Resolver("bench", { policy }, staticFeed(instances(size)), { clock: new ManualClock(), rng: new SeededRng(7) });
}

let sink = 0;

function picks(resolver: Resolver, n: number, keyed: boolean): void {
  for (let i = 0; i < n; i++) sink ^= resolver.pick(keyed ? KEYS[i & (KEY_COUNT - 1)] : undefined).port;
}

function picksAndReports(resolver: Resolver, n: number, keyed: boolean): void {
  for (let i = 0; i < n; i++) {
    const picked = resolver.pick(keyed ? KEYS[i & (KEY_COUNT - 1)] : undefined);
    resolver.report(picked, { ok: true, latencyMs: 1 + (i & 7) });
  }
}

/**
 * Median ns per operation over RUNS runs, by CPU time (user + system) rather
 * than wall time, so other processes on a shared machine inflate it less;
 * the wall-clock median is returned too.
 */
function timeNs(fn: () => void, perRun: number): { cpu: number; wall: number } {
  const cpu: number[] = [];
  const wall: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    const c0 = process.cpuUsage();
    const w0 = process.hrtime.bigint();
    fn();
    const w1 = process.hrtime.bigint();
    const c1 = process.cpuUsage(c0);
    cpu.push(((c1.user + c1.system) * 1000) / perRun);
    wall.push(Number(w1 - w0) / perRun);
  }
  return { cpu: median(cpu), wall: median(wall) };
}

/**
 * Bytes allocated per pick, as the marginal heap growth between a run of N
 * and a run of 3N picks (fixed costs such as compiled code cancel out).
 * Any GC inside a run makes the figure unreliable; the count is returned.
 */
async function allocation(resolver: Resolver, keyed: boolean): Promise<{ bytes: number; gcs: number }> {
  const gc = (globalThis as { gc?: () => void }).gc;
  let gcs = 0;
  const observer = new PerformanceObserver((list) => (gcs += list.getEntries().length));
  const growth = async (n: number): Promise<number> => {
    gc?.();
    await new Promise((r) => setImmediate(r)); // the forced GC's entry arrives before counting starts
    observer.observe({ entryTypes: ["gc"] });
    const before = process.memoryUsage().heapUsed;
    picks(resolver, n, keyed);
    const after = process.memoryUsage().heapUsed;
    await new Promise((r) => setImmediate(r));
    observer.disconnect();
    return after - before;
  };
  picks(resolver, ALLOC_PICKS, keyed);
  const small = await growth(ALLOC_PICKS);
  const large = await growth(3 * ALLOC_PICKS);
  return { bytes: Math.max(0, large - small) / (2 * ALLOC_PICKS), gcs };
}

export default async function (ctx: BenchContext): Promise<void> {
  const hasGc = typeof (globalThis as { gc?: unknown }).gc === "function";
  for (const size of SIZES) for (const policy of POLICY_NAMES) picks(makeResolver(policy, size), 200_000, policy === "ring-hash" || policy === "maglev");
  for (const size of SIZES) {
    for (const policy of POLICY_NAMES) {
      const keyed = policy === "ring-hash" || policy === "maglev";
      const resolver = makeResolver(policy, size);
      picks(resolver, 200_000, keyed);
      const ns = timeNs(() => picks(resolver, PICKS_PER_RUN, keyed), PICKS_PER_RUN);
      const withReport = makeResolver(policy, size);
      picksAndReports(withReport, 200_000, keyed);
      const nsReport = timeNs(() => picksAndReports(withReport, PICKS_PER_RUN, keyed), PICKS_PER_RUN);
      const alloc = await allocation(resolver, keyed);
      ctx.record({ case: `${policy} n=${size} pick`, value: ns.cpu, unit: "ns/pick", goal: 100, wallNs: ns.wall, keyed });
      ctx.record({ case: `${policy} n=${size} pick+report`, value: nsReport.cpu, unit: "ns/pair", wallNs: nsReport.wall });
      ctx.record({ case: `${policy} n=${size} set change`, value: rebuildMs(policy, size), unit: "ms (CPU)" });
      ctx.record({
        case: `${policy} n=${size} alloc`,
        value: alloc.bytes,
        unit: "B/pick",
        gcs: alloc.gcs,
        exposeGc: hasGc,
      });
    }
  }
  if (sink === 0.5) process.stdout.write("unreachable\n");
}
