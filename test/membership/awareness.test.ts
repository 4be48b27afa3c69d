import t from "tap";
import { Awareness, AWARENESS_DELTA, missedProbeDelta } from "../../lib/membership/awareness.js";
import { Suspicion } from "../../lib/membership/suspicion.js";

t.test("lifeguard: the health score saturates in [0, max − 1] and scales timeouts by score + 1 (§IV-A)", async (t) => {
  const a = new Awareness(8);
  t.equal(a.value, 0);
  t.equal(a.scale(500), 500);
  a.apply(-1);
  t.equal(a.value, 0, "never below 0");
  a.apply(3);
  t.equal(a.value, 3);
  t.equal(a.scale(500), 2000);
  a.apply(100);
  t.equal(a.value, 7, "never above max − 1");
  t.equal(a.scale(1000), 8000);
});

t.test("lifeguard: awareness deltas (success −1, refute +1, missed nacks +1 each, no nacks expected +1)", async (t) => {
  t.equal(AWARENESS_DELTA.probeSucceeded, -1);
  t.equal(AWARENESS_DELTA.refutedSuspicion, 1);
  const table: [expected: number, received: number, delta: number][] = [
    [0, 0, 1],
    [3, 0, 3],
    [3, 1, 2],
    [3, 3, 0],
    [2, 5, 0],
  ];
  for (const [expected, received, delta] of table) {
    t.equal(missedProbeDelta(expected, received), delta, `expected=${expected} received=${received}`);
  }
});

t.test("lifeguard: a suspicion's deadline moves earlier with each independent confirmation, never for the accuser", async (t) => {
  const s = new Suspicion(3, "accuser", 3, 2000, 30000, 1000);
  t.equal(s.incarnation, 3);
  t.equal(s.deadlineMs, 31000, "starts at max");
  t.equal(s.confirm("accuser"), false, "the accuser is not a confirmation");
  t.equal(s.confirm("b"), true);
  t.equal(s.deadlineMs, 1000 + 16000);
  t.equal(s.confirm("b"), false, "repeats do not count");
  t.equal(s.confirm("c"), true);
  t.equal(s.confirm("d"), true);
  t.equal(s.deadlineMs, 3000, "k confirmations reach min");
  t.equal(s.confirm("e"), false, "no confirmations beyond k");
  t.equal(s.confirmationCount, 3);
});

t.test("lifeguard: with k = 0 a suspicion runs for min and confirmations are ignored", async (t) => {
  const s = new Suspicion(0, "a", 0, 2000, 30000, 0);
  t.equal(s.deadlineMs, 2000);
  t.equal(s.confirm("b"), false);
});
