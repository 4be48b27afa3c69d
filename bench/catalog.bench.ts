/**
 * Catalog benches: apply throughput on a 100,000-instance catalog, and
 * blocking-watch wake-up latency and memory with 10,000 waiters.
 *
 * Run: npx tsx bench/index.ts catalog
 */
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { median, type BenchContext } from "./harness.js";
import { Catalog } from "../lib/catalog/catalog.js";
import type { CatalogCommand, RegisterCommand } from "../lib/catalog/commands.js";
import type { CheckStatus } from "../lib/catalog/types.js";
import { realTimers } from "../lib/util/timers.js";

/** Preload shape: 10,000 nodes × 10 services = 100,000 instances (each with one check). */
const NODES = 10_000;
const SERVICES_PER_NODE = 10;
/** Commands per timed run, and runs per figure (the median is reported). */
const OPS_PER_RUN = 20_000;
const RUNS = 5;
/** Waiters in the watch benches (the brief's 10,000). */
const WAITERS = 10_000;
/** Long enough that no waiter times out during a run. */
const WAIT_MS = 60_000;

function register(node: number, svc: number, status: CheckStatus): RegisterCommand {
  const id = `svc-${svc}-${node}`;
  return {
    op: "register",
    node: { node: `node-${node}`, address: `10.${(node >> 8) & 255}.${node & 255}.1` },
    service: { id, service: `svc-${svc}`, tags: ["v1", `zone-${node % 3}`], port: 8000 + svc },
    checks: [{ checkId: `service:${id}`, serviceId: id, status, ttlMs: 10_000 }],
  };
}

/** A forced GC, so heap figures are live memory rather than garbage. */
function gcFn(): () => void {
  setFlagsFromString("--expose-gc");
  return runInNewContext("gc") as () => void;
}

/** The next log index; 1 is the empty catalog's. */
class LogIndex {
  index = 1;
}

function preload(catalog: Catalog, clock: LogIndex): number {
  const t0 = performance.now();
  for (let n = 0; n < NODES; n++) {
    for (let s = 0; s < SERVICES_PER_NODE; s++) catalog.apply(++clock.index, register(n, s, "passing"));
  }
  return performance.now() - t0;
}

/** Median commands/s of `make(i)` applied OPS_PER_RUN times per run. */
function throughput(catalog: Catalog, clock: LogIndex, make: (i: number, run: number) => CatalogCommand): number {
  const rates: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const cmds = Array.from({ length: OPS_PER_RUN }, (_, i) => make(i, run));
    const t0 = performance.now();
    for (const cmd of cmds) catalog.apply(++clock.index, cmd);
    rates.push(OPS_PER_RUN / ((performance.now() - t0) / 1000));
  }
  return median(rates);
}

/** Spreads writes over the whole catalog rather than one hot instance. */
function spread(i: number): [number, number] {
  const k = (i * 7919) % (NODES * SERVICES_PER_NODE);
  return [Math.floor(k / SERVICES_PER_NODE), k % SERVICES_PER_NODE];
}

export default async function (ctx: BenchContext): Promise<void> {
  const gc = gcFn();
  const catalog = new Catalog({ timers: realTimers() });
  const clock = new LogIndex();
  const loadMs = preload(catalog, clock);
  ctx.record({ case: "preload 100k instances (register)", value: (NODES * SERVICES_PER_NODE) / (loadMs / 1000), unit: "commands/s", ms: loadMs });
  gc();
  ctx.record({ case: "heap with 100k instances", value: process.memoryUsage().heapUsed / 2 ** 20, unit: "MiB" });

  // Each run flips every touched check to the other status, so every command is a real change.
  const flip = (run: number): CheckStatus => (run % 2 === 0 ? "warning" : "passing");
  ctx.record({
    case: "register with a status change",
    value: throughput(catalog, clock, (i, run) => register(...spread(i), flip(run))),
    unit: "commands/s",
    runs: RUNS,
  });
  ctx.record({
    case: "register unchanged (heartbeat, no index moves)",
    value: throughput(catalog, clock, (i) => register(...spread(i), "passing")),
    unit: "commands/s",
    runs: RUNS,
  });
  ctx.record({
    case: "check-update",
    value: throughput(catalog, clock, (i, run) => {
      const [n, s] = spread(i);
      return { op: "check-update", node: `node-${n}`, checkId: `service:svc-${s}-${n}`, status: flip(run + 1), nowMs: i };
    }),
    unit: "commands/s",
    runs: RUNS,
  });

  // Wake-up latency: all 10,000 waiters on one service, one write to it.
  const fanout: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const scope = { kind: "service" as const, name: "svc-3" };
    const min = catalog.state.scopeIndex(scope);
    const waits = Array.from({ length: WAITERS }, () => catalog.hub.wait(scope, min, { timeoutMs: WAIT_MS }));
    const t0 = performance.now();
    // A new output is always a real change, whatever the status already is.
    catalog.apply(++clock.index, { op: "check-update", node: `node-${run}`, checkId: `service:svc-3-${run}`, status: "passing", output: `fanout ${run}`, nowMs: 0 });
    await Promise.all(waits);
    fanout.push(performance.now() - t0);
  }
  ctx.record({ case: "wake 10,000 waiters on one service", value: median(fanout), unit: "ms", runs: RUNS });

  // Wake-up latency: 10,000 waiters on 10,000 different nodes, a write touching one of them.
  const single: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const waits = Array.from({ length: WAITERS }, (_, n) => {
      const scope = { kind: "node" as const, name: `node-${n}` };
      return catalog.hub.wait(scope, catalog.state.scopeIndex(scope), { timeoutMs: WAIT_MS });
    });
    const target = 17 + run;
    const t0 = performance.now();
    catalog.apply(++clock.index, { op: "check-update", node: `node-${target}`, checkId: `service:svc-0-${target}`, status: "passing", output: `single ${run}`, nowMs: 0 });
    await waits[target];
    single.push(performance.now() - t0);
    if (catalog.hub.size !== WAITERS - 1) throw new Error(`expected ${WAITERS - 1} waiters left, found ${catalog.hub.size}`);
    // Release the rest before the next run (setState wakes every waiter).
    catalog.hub.setState(catalog.state);
    await Promise.all(waits);
  }
  ctx.record({ case: "wake 1 waiter among 10,000 on other scopes", value: median(single), unit: "ms", runs: RUNS });

  // Heap held by 10,000 pending waiters (on 10,000 distinct KV keys, each with a real timer).
  gc();
  const before = process.memoryUsage().heapUsed;
  const pending = Array.from({ length: WAITERS }, (_, i) =>
    catalog.hub.wait({ kind: "kv", key: `watch/${i}` }, 1, { timeoutMs: WAIT_MS }),
  );
  gc();
  const perWaiter = (process.memoryUsage().heapUsed - before) / WAITERS;
  ctx.record({ case: "heap per pending waiter", value: perWaiter, unit: "bytes", waiters: WAITERS, totalKiB: (perWaiter * WAITERS) / 1024 });
  catalog.close();
  await Promise.all(pending);
}
