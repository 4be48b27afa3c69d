import t from "tap";
import type { Test } from "tap";
import { runSeed } from "./run.js";
import type { RunResult } from "./run.js";

/**
 * Seeded cluster simulations (raft-scenarios.md R47, R48): partitions (symmetric and one-way),
 * crashes that lose unpersisted state, loss, duplication, reordering, leadership transfers and
 * snapshots, then healing. DISCO_SEED=n replays one seed.
 */
const FIXED_SEEDS = Array.from({ length: 16 }, (_, i) => i + 1).concat([424242, 99991, 31337, 8675309]);
const RANDOM_SEEDS = 3;

function report(t: Test, r: RunResult): void {
  t.same(
    r.violations,
    [],
    r.violations.length > 0
      ? `seed ${r.seed} failed (replay with DISCO_SEED=${r.seed}):\n  ${r.violations.join("\n  ")}`
      : `seed ${r.seed}: ${r.ops} ops (${r.pending} unknown), linearizability ${r.linearizability}, ${r.stats.elections} elections, ${r.stats.crashes} crashes, ${r.stats.snapshotsSent} snapshots sent, ${r.stats.confChanges} membership changes`,
  );
}

const replay = process.env["DISCO_SEED"];
if (replay !== undefined) {
  t.test(`sim: replay of seed ${replay}`, async (t) => report(t, runSeed(Number(replay))));
} else {
  t.test("sim: safety and liveness hold for a fixed list of seeds (§5.4 safety, §5.3 log matching, R47)", async (t) => {
    for (const seed of FIXED_SEEDS) report(t, runSeed(seed));
  });
  t.test("sim: safety and liveness hold for fresh random seeds (printed for replay)", async (t) => {
    for (let i = 0; i < RANDOM_SEEDS; i++) {
      const seed = Math.floor(Math.random() * 2 ** 31);
      t.comment(`random seed ${seed}`);
      report(t, runSeed(seed));
    }
  });
  t.test("sim: the checkers catch stale reads when reads skip ReadIndex (checker sensitivity, R22)", async (t) => {
    let caught = 0;
    for (const seed of [1, 2, 3, 4, 5, 6]) {
      const r = runSeed(seed, { sim: { unsafeLocalReads: true } });
      if (r.violations.some((v) => v.startsWith("linearizability"))) caught++;
    }
    t.ok(caught >= 1, `stale follower reads flagged in ${caught} of 6 runs`);
  });
  t.test("sim: single-server membership changes under faults stay safe (R34-R39, R47)", async (t) => {
    for (const seed of [21, 22, 23, 24, 25, 26]) report(t, runSeed(seed, { membership: true, sim: { nodes: 5 } }));
  });
  t.test("sim: without pre-vote and check-quorum the cluster stays safe (R29 baseline)", async (t) => {
    for (const seed of [7, 8, 9]) report(t, runSeed(seed, { sim: { raft: { preVote: false, checkQuorum: false } } }));
  });
}
