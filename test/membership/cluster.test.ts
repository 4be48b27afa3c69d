import t from "tap";
import { Sim, simSeed, startCluster, type SimNode } from "./sim.js";

const SEED = simSeed(20240601);

/** Members (other than the subject) that ever saw `subject` with a member-failed event. */
function sawFailed(nodes: SimNode[], subject: string): string[] {
  return nodes.filter((n) => n.events.some((e) => e.event.type === "member-failed" && e.event.member.name === subject)).map((n) => n.name);
}

function falsePositives(nodes: SimNode[], healthy: Set<string>): number {
  let count = 0;
  for (const n of nodes) for (const e of n.events) if (e.event.type === "member-failed" && healthy.has(e.event.member.name)) count++;
  return count;
}

t.test(`sim: 50 members joining through one seed converge (seed ${SEED})`, async (t) => {
  const sim = new Sim({ seed: SEED });
  startCluster(sim, 50);
  const took = sim.runUntilTrue(() => sim.converged(), 60_000);
  t.ok(took !== undefined, `converged in ${took} ms of simulated time`);
  t.equal(sim.nodes[0]!.core.members().length, 50);
});

t.test(`sim: a killed member is declared failed by every member (seed ${SEED})`, async (t) => {
  const sim = new Sim({ seed: SEED + 1 });
  const nodes = startCluster(sim, 30);
  sim.runUntilTrue(() => sim.converged(), 60_000);
  sim.kill(nodes[7]!);
  const took = sim.runUntilTrue(() => sim.allSee("m7", "failed"), 120_000);
  t.ok(took !== undefined, `all saw m7 failed after ${took} ms`);
  // n = 30: min = 4 · log10(30) · 1 s ≈ 5.9 s, max ≈ 35.4 s; detection also waits for the probe.
  t.ok(took! >= 5_000 && took! <= 40_000, "within probe + suspicion max");
  t.same(falsePositives(sim.nodes, new Set(sim.live().map((n) => n.name))), 0, "nobody else failed");
});

t.test(`sim: a briefly unreachable member is suspected, refutes, and is never declared failed (seed ${SEED})`, async (t) => {
  const sim = new Sim({ seed: SEED + 2 });
  const nodes = startCluster(sim, 20);
  sim.runUntilTrue(() => sim.converged(), 60_000);
  const victim = nodes[5]!;
  sim.partition([[victim], nodes.filter((n) => n !== victim)]);
  const suspected = sim.runUntilTrue(() => nodes.some((n) => sim.statusAt(n, "m5") === "suspect"), 10_000, 50);
  t.ok(suspected !== undefined, "someone suspects m5");
  sim.runFor(1_000);
  sim.heal();
  const back = sim.runUntilTrue(() => sim.allSee("m5", "alive"), 30_000);
  t.ok(back !== undefined, `all see m5 alive again after ${back} ms`);
  t.ok(victim.core.incarnation > 0, "it refuted with a higher incarnation");
  t.same(sawFailed(nodes, "m5"), [], "never declared failed");
});

t.test(`sim: a graceful leave shows "left" everywhere and settles (seed ${SEED})`, async (t) => {
  const sim = new Sim({ seed: SEED + 3 });
  const nodes = startCluster(sim, 30);
  sim.runUntilTrue(() => sim.converged(), 60_000);
  const leaver = nodes[9]!;
  sim.act(leaver, (c) => c.leave());
  const settled = sim.runUntilTrue(() => leaver.core.leaveSettled(), 30_000, 50);
  t.ok(settled !== undefined, `leave settled after ${settled} ms`);
  sim.kill(leaver);
  const took = sim.runUntilTrue(() => sim.allSee("m9", "left"), 30_000);
  t.ok(took !== undefined, `all see m9 left`);
  sim.runFor(60_000);
  t.ok(sim.allSee("m9", "left"), "and stay so (not failed)");
  t.same(sawFailed(nodes, "m9"), []);
});

t.test(`sim: a failed member restarts and rejoins with a higher incarnation (seed ${SEED})`, async (t) => {
  const sim = new Sim({ seed: SEED + 4 });
  const nodes = startCluster(sim, 20);
  sim.runUntilTrue(() => sim.converged(), 60_000);
  sim.kill(nodes[3]!);
  t.ok(sim.runUntilTrue(() => sim.allSee("m3", "failed"), 120_000) !== undefined, "declared failed");
  const reborn = sim.add("m3");
  t.equal(reborn.core.incarnation, 0, "restarts from 0");
  sim.join(reborn, [nodes[0]!]);
  const took = sim.runUntilTrue(() => sim.converged(), 30_000);
  t.ok(took !== undefined, `everyone sees m3 alive again after ${took} ms`);
  t.ok(reborn.core.incarnation > 0, "it outbid its old death");
  t.ok(nodes[1]!.events.some((e) => e.event.type === "member-join" && e.event.member.name === "m3" && e.event.member.incarnation > 0));
});

t.test(`sim: a user event reaches every member exactly once (seed ${SEED})`, async (t) => {
  const sim = new Sim({ seed: SEED + 5, lossRate: 0.05 });
  const nodes = startCluster(sim, 50);
  sim.runUntilTrue(() => sim.converged(), 60_000);
  sim.act(nodes[17]!, (c) => c.fireUserEvent("deploy", new TextEncoder().encode("v2")));
  const count = (n: SimNode) => n.events.filter((e) => e.event.type === "user-event" && e.event.name === "deploy").length;
  const took = sim.runUntilTrue(() => nodes.every((n) => count(n) >= 1), 30_000, 50);
  t.ok(took !== undefined, `reached all 50 in ${took} ms at 5% loss`);
  sim.runFor(10_000);
  t.ok(nodes.every((n) => count(n) === 1), "no duplicates");
});

t.test(`sim: no false positives at 0% loss over 10 simulated minutes (seed ${SEED})`, async (t) => {
  const sim = new Sim({ seed: SEED + 6, wire: false });
  const nodes = startCluster(sim, 50);
  sim.runUntilTrue(() => sim.converged(), 60_000);
  sim.runFor(600_000);
  t.equal(falsePositives(nodes, new Set(nodes.map((n) => n.name))), 0);
  t.ok(nodes.every((n) => n.core.stats.probesFailed === 0), "not even a failed probe");
  t.ok(sim.converged());
});

t.test(`sim: a partition is detected on both sides and heals (seed ${SEED})`, async (t) => {
  const sim = new Sim({ seed: SEED + 7, wire: false });
  const nodes = startCluster(sim, 20);
  sim.runUntilTrue(() => sim.converged(), 60_000);
  const left = nodes.slice(0, 10);
  const right = nodes.slice(10);
  sim.partition([left, right]);
  const split = sim.runUntilTrue(
    () => left.every((a) => right.every((b) => sim.statusAt(a, b.name) === "failed" && sim.statusAt(b, a.name) === "failed")),
    180_000,
    500,
  );
  t.ok(split !== undefined, `each side declared the other failed after ${split} ms`);
  t.ok(sim.allSee("m1", "alive", left), "each side still sees its own members alive");
  sim.heal();
  const healed = sim.runUntilTrue(() => sim.converged(), 300_000, 500);
  t.ok(healed !== undefined, `views agree again ${healed} ms after the heal`);
});

t.test(`lifeguard: a stalled member raises its own health score instead of accusing healthy peers (seed ${SEED})`, async (t) => {
  const sim = new Sim({ seed: SEED + 8, wire: false });
  const nodes = startCluster(sim, 20);
  sim.runUntilTrue(() => sim.converged(), 60_000);
  const slow = nodes[4]!;
  slow.stallMs = 1_500;
  let maxScore = 0;
  for (let i = 0; i < 120; i++) {
    sim.runFor(1_000);
    maxScore = Math.max(maxScore, slow.core.healthScore);
  }
  t.ok(maxScore > 0, `its health score rose to ${maxScore}`);
  const healthy = new Set(nodes.filter((n) => n !== slow).map((n) => n.name));
  t.equal(falsePositives(nodes, healthy), 0, "no healthy member declared failed");
});
