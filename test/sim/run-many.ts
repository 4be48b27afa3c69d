/**
 * Runs many simulation seeds by hand:
 *   npx tsx test/sim/run-many.ts [count=1000] [firstSeed=1]
 * Prints each failing seed (replay with DISCO_SEED=n npx tap test/sim) and a summary.
 */
import { runSeed } from "./run.js";

// `npx tap test/sim` would load this file as a test; it is a script, so do nothing under tap.
const underTap = process.env["TAP"] === "1";
const count = underTap ? 0 : Number(process.argv[2] ?? 1000);
const first = Number(process.argv[3] ?? 1);
let failed = 0;
let unknown = 0;
let ops = 0;
const started = Date.now();
for (let seed = first; seed < first + count; seed++) {
  // Every 4th seed runs without pre-vote/check-quorum; every 4th+1 with membership changes on 5 nodes.
  const opts =
    seed % 4 === 0
      ? { sim: { raft: { preVote: false, checkQuorum: false } } }
      : seed % 4 === 1
        ? { membership: true, sim: { nodes: 5 } }
        : {};
  const r = runSeed(seed, opts);
  ops += r.ops;
  if (r.linearizability === "unknown") unknown++;
  if (r.violations.length > 0) {
    failed++;
    process.stdout.write(`FAIL seed ${seed}:\n  ${r.violations.slice(0, 5).join("\n  ")}\n`);
  }
  if ((seed - first + 1) % 100 === 0) process.stdout.write(`… ${seed - first + 1} seeds, ${failed} failed\n`);
}
if (!underTap) process.stdout.write(
  `${count} seeds from ${first}: ${count - failed} clean, ${failed} failed, ${unknown} with linearizability unknown; ` +
    `${ops} client operations checked; ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
);
process.exitCode = failed > 0 ? 1 : 0;
