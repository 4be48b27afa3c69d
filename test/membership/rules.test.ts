import t from "tap";
import { aliveApplies, deadApplies, forceLeaveOutcome, suspectOutcome, type KnownState } from "../../lib/membership/rules.js";
import type { MemberStatus } from "../../lib/membership/types.js";

const at = (status: MemberStatus, incarnation: number): KnownState => ({ status, incarnation });

t.test("swim: alive overrides any state only at a strictly higher incarnation (SWIM §4.2)", async (t) => {
  const table: [cur: KnownState | undefined, inc: number, applies: boolean][] = [
    [undefined, 0, true],
    [at("alive", 1), 1, false],
    [at("alive", 1), 2, true],
    [at("alive", 2), 1, false],
    [at("suspect", 1), 1, false],
    [at("suspect", 1), 2, true],
    [at("failed", 3), 3, false],
    [at("failed", 3), 4, true],
    [at("left", 3), 3, false],
    [at("left", 3), 4, true],
  ];
  for (const [cur, inc, applies] of table) {
    t.equal(aliveApplies(cur, inc), applies, `${cur ? `${cur.status}@${cur.incarnation}` : "unknown"} ← alive@${inc}`);
  }
});

t.test("swim: suspect applies at an incarnation ≥ current to alive members, confirms a same-incarnation suspicion", async (t) => {
  const table: [cur: KnownState | undefined, inc: number, outcome: string][] = [
    [undefined, 0, "ignore"],
    [at("alive", 2), 1, "ignore"],
    [at("alive", 2), 2, "suspect"],
    [at("alive", 2), 3, "suspect"],
    [at("suspect", 2), 2, "confirm"],
    [at("suspect", 2), 1, "ignore"],
    [at("suspect", 2), 3, "suspect"],
    [at("failed", 2), 2, "ignore"],
    [at("failed", 2), 5, "ignore"],
    [at("left", 2), 2, "ignore"],
  ];
  for (const [cur, inc, outcome] of table) {
    t.equal(suspectOutcome(cur, inc), outcome, `${cur ? `${cur.status}@${cur.incarnation}` : "unknown"} ← suspect@${inc}`);
  }
});

t.test("swim: dead applies at an incarnation ≥ current; a leave also turns failed into left", async (t) => {
  const table: [cur: KnownState | undefined, inc: number, leave: boolean, applies: boolean][] = [
    [undefined, 0, false, false],
    [at("alive", 2), 1, false, false],
    [at("alive", 2), 2, false, true],
    [at("suspect", 2), 2, false, true],
    [at("suspect", 2), 3, true, true],
    [at("failed", 2), 2, false, false],
    [at("failed", 2), 2, true, true],
    [at("failed", 2), 1, true, false],
    [at("left", 2), 2, true, false],
    [at("left", 2), 3, false, false],
  ];
  for (const [cur, inc, leave, applies] of table) {
    const label = `${cur ? `${cur.status}@${cur.incarnation}` : "unknown"} ← ${leave ? "left" : "dead"}@${inc}`;
    t.equal(deadApplies(cur, inc, leave), applies, label);
  }
});

t.test("force-leave: a live member only gets an intent (it may refute, as Serf's leaving); failed becomes left; prune forgets failed or left", async (t) => {
  const table: [cur: KnownState | undefined, inc: number, prune: boolean, outcome: string][] = [
    [undefined, 0, false, "ignore"],
    [undefined, 0, true, "ignore"],
    [at("alive", 2), 1, false, "ignore"],
    [at("alive", 2), 2, false, "intent"],
    [at("alive", 2), 2, true, "intent"],
    [at("suspect", 2), 3, false, "intent"],
    [at("failed", 2), 1, false, "ignore"],
    [at("failed", 2), 2, false, "leave"],
    [at("failed", 2), 3, false, "leave"],
    [at("failed", 2), 2, true, "prune"],
    [at("left", 2), 2, false, "ignore"],
    [at("left", 2), 2, true, "prune"],
    [at("left", 2), 1, true, "ignore"],
  ];
  for (const [cur, inc, prune, outcome] of table) {
    const label = `${cur ? `${cur.status}@${cur.incarnation}` : "unknown"} ← force-leave${prune ? " -prune" : ""}@${inc}`;
    t.equal(forceLeaveOutcome(cur, inc, prune), outcome, label);
  }
});
