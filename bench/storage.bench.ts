/**
 * Write-ahead log append throughput and latency with fsync on, for 1, 16 and
 * 128 concurrent appenders (group commit lets concurrent appends share one
 * fsync), and the fsyncs per second that takes. Each case runs RUNS times on
 * a fresh log; the figures recorded are the medians over the runs.
 *
 * Run: npx tsx bench/index.ts storage
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openFileLog } from "../lib/storage/file-log.js";
import { median, percentile, type BenchContext } from "./harness.js";

/** Bytes of data per record: a typical small catalog command. */
const RECORD_BYTES = 64;
/** Concurrent appenders per case. */
const CONCURRENCY = [1, 16, 128];
/** Length of one run. */
const RUN_MS = 1500;
/** Runs per case; medians over these are recorded. */
const RUNS = 3;

interface RunResult {
  recordsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  fsyncsPerSec: number;
}

async function run(appenders: number): Promise<RunResult> {
  const dir = await mkdtemp(join(tmpdir(), "disco-bench-storage-"));
  try {
    const log = await openFileLog(dir);
    const data = new Uint8Array(RECORD_BYTES).fill(7);
    const latencies: number[] = [];
    const syncsBefore = log.stats().fsyncs;
    const start = performance.now();
    const appender = async (): Promise<void> => {
      while (performance.now() - start < RUN_MS) {
        const t0 = performance.now();
        await log.append([{ index: log.lastIndex() + 1, term: 1, data }]);
        latencies.push(performance.now() - t0);
      }
    };
    await Promise.all(Array.from({ length: appenders }, appender));
    const seconds = (performance.now() - start) / 1000;
    const fsyncs = log.stats().fsyncs - syncsBefore;
    await log.close();
    return {
      recordsPerSec: latencies.length / seconds,
      p50Ms: percentile(latencies, 50),
      p99Ms: percentile(latencies, 99),
      fsyncsPerSec: fsyncs / seconds,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export default async function (ctx: BenchContext): Promise<void> {
  for (const appenders of CONCURRENCY) {
    const runs: RunResult[] = [];
    for (let i = 0; i < RUNS; i++) runs.push(await run(appenders));
    const med = (pick: (r: RunResult) => number): number => median(runs.map(pick));
    const extras = { record_bytes: RECORD_BYTES, runs: RUNS, run_ms: RUN_MS };
    const name = `append ${RECORD_BYTES}B fsync, ${appenders} appender${appenders > 1 ? "s" : ""}`;
    const recordsPerSec = med((r) => r.recordsPerSec);
    const fsyncsPerSec = med((r) => r.fsyncsPerSec);
    ctx.record({ case: `${name}: throughput`, value: recordsPerSec, unit: "records/s", ...extras });
    ctx.record({ case: `${name}: latency p50`, value: med((r) => r.p50Ms), unit: "ms", ...extras });
    ctx.record({ case: `${name}: latency p99`, value: med((r) => r.p99Ms), unit: "ms", ...extras });
    ctx.record({ case: `${name}: fsyncs`, value: fsyncsPerSec, unit: "fsyncs/s", records_per_fsync: recordsPerSec / fsyncsPerSec, ...extras });
  }
}
