/**
 * `npm run bench` runs every bench/*.bench.ts; `npm run bench -- NAME [NAME…]`
 * runs the named ones (NAME is the file name without `.bench.ts`).
 */
import { readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { runBench, printTable, type BenchRow, type BenchMain } from "./harness.js";

const here = dirname(fileURLToPath(import.meta.url));
const all = readdirSync(here)
  .filter((f) => f.endsWith(".bench.ts"))
  .map((f) => f.slice(0, -".bench.ts".length))
  .sort();
const wanted = process.argv.slice(2).filter((a) => !a.startsWith("-"));
const unknown = wanted.filter((w) => !all.includes(w));
if (unknown.length > 0) {
  console.error(`unknown bench: ${unknown.join(", ")}; available: ${all.join(", ")}`);
  process.exit(2);
}
const rows: BenchRow[] = [];
for (const name of wanted.length > 0 ? wanted : all) {
  console.log(`# ${name}`);
  const mod = (await import(pathToFileURL(join(here, `${name}.bench.ts`)).href)) as { default: BenchMain };
  await runBench(name, mod.default, rows);
}
printTable(rows);
