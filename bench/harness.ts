/**
 * The bench harness: every bench records rows through `BenchContext.record`;
 * rows are printed as a table at the end and appended as JSON lines to
 * bench/results/<date>.jsonl so runs can be compared later.
 */
import { mkdirSync, appendFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** One measured figure. Extra fields (goal, baseline, ratio, …) are kept as given. */
export interface BenchRow {
  bench: string;
  case: string;
  value: number;
  unit: string;
  [extra: string]: unknown;
}

/** A row as a bench records it (the harness adds `bench`). */
export interface BenchRowInput {
  case: string;
  value: number;
  unit: string;
  [extra: string]: unknown;
}

/** What a bench module receives. */
export interface BenchContext {
  /** Records one figure. */
  record(row: BenchRowInput): void;
}

/** A bench module's default export. */
export type BenchMain = (ctx: BenchContext) => Promise<void>;

const here = dirname(fileURLToPath(import.meta.url));
export const resultsDir = join(here, "results");

/** Runs one bench module and returns its rows. */
export async function runBench(name: string, main: BenchMain, sink: BenchRow[]): Promise<void> {
  const file = join(resultsDir, `${new Date().toISOString().slice(0, 10)}.jsonl`);
  mkdirSync(resultsDir, { recursive: true });
  await main({
    record(row) {
      const full: BenchRow = { ...row, bench: name, case: row.case, value: row.value, unit: row.unit, at: new Date().toISOString(), node: process.version };
      sink.push(full);
      appendFileSync(file, JSON.stringify(full) + "\n");
      process.stdout.write(`  ${name} ${full.case}: ${formatValue(full.value)} ${full.unit}\n`);
    },
  });
}

function formatValue(v: number): string {
  if (Number.isInteger(v)) return v.toLocaleString("en-US");
  return v >= 100 ? v.toFixed(0) : v >= 1 ? v.toFixed(2) : v.toPrecision(3);
}

/** Prints the rows as one table. */
export function printTable(rows: BenchRow[]): void {
  const lines = rows.map((r) => {
    const extras = Object.entries(r)
      .filter(([k]) => !["bench", "case", "value", "unit", "at", "node"].includes(k))
      .map(([k, v]) => `${k}=${typeof v === "number" ? formatValue(v) : String(v)}`)
      .join(" ");
    return [r.bench, r.case, formatValue(r.value), r.unit, extras];
  });
  const header = ["bench", "case", "value", "unit", "notes"];
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => String(l[i]).length)));
  const fmt = (cols: unknown[]) => cols.map((c, i) => String(c).padEnd(widths[i]!)).join("  ").trimEnd();
  console.log("\n" + fmt(header));
  console.log(widths.map((w) => "-".repeat(w)).join("  "));
  for (const l of lines) console.log(fmt(l));
}

/** Median of a list of numbers (copies, does not sort in place). */
export function median(values: number[]): number {
  return percentile(values, 50);
}

/** The p-th percentile (nearest rank) of a list of numbers. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

/** Free TCP ports on 127.0.0.1 (bound to port 0, then released). */
export async function freePorts(n: number): Promise<number[]> {
  const { createServer } = await import("node:net");
  const servers = await Promise.all(Array.from({ length: n }, () => new Promise<import("node:net").Server>((r) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => r(s));
  })));
  const ports = servers.map((s) => (s.address() as import("node:net").AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}
