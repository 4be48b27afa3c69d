import t from "tap";
import {
  pushPullIntervalScaledMs,
  remainingSuspicionMs,
  retransmitLimit,
  suspicionConfirmationsK,
  suspicionTimeoutMs,
} from "../../lib/membership/math.js";

t.test("swim: min suspicion timeout = mult · max(1, log10 n) · interval (memberlist code, not its doc)", async (t) => {
  const table: [mult: number, n: number, intervalMs: number, expectedMs: number][] = [
    [3, 0, 1000, 3000],
    [3, 1, 1000, 3000],
    [3, 10, 1000, 3000],
    [3, 50, 1000, 5094], // log10(50) truncated to 1.698 first, as memberlist does
    [3, 100, 1000, 6000],
    [3, 1000, 1000, 9000],
    [4, 1000, 1000, 12000],
    [4, 5, 1000, 4000],
    [6, 10000, 5000, 120000],
  ];
  for (const [mult, n, interval, expected] of table) {
    t.equal(suspicionTimeoutMs(mult, n, interval), expected, `mult=${mult} n=${n} interval=${interval}`);
  }
});

t.test("swim: remaining suspicion time shrinks log-wise with confirmations (Lifeguard §IV-B, memberlist table)", async (t) => {
  const table: [n: number, k: number, elapsed: number, min: number, max: number, expected: number][] = [
    [0, 3, 0, 2000, 30000, 30000],
    [1, 3, 2000, 2000, 30000, 14000],
    [2, 3, 3000, 2000, 30000, 4810],
    [3, 3, 4000, 2000, 30000, -2000],
    [4, 3, 5000, 2000, 30000, -3000],
    [5, 3, 10000, 2000, 30000, -8000],
  ];
  for (const [n, k, elapsed, min, max, expected] of table) {
    t.equal(remainingSuspicionMs(n, k, elapsed, min, max), expected, `n=${n} k=${k} elapsed=${elapsed}`);
  }
});

t.test("swim: with k = 0 the suspicion timeout is the minimum from the start", async (t) => {
  t.equal(remainingSuspicionMs(0, 0, 0, 2000, 30000), 2000);
  t.equal(remainingSuspicionMs(5, 0, 500, 2000, 30000), 1500);
});

t.test("swim: confirmations k = suspicionMult − 2, or 0 when n − 2 < k", async (t) => {
  t.equal(suspicionConfirmationsK(4, 100), 2);
  t.equal(suspicionConfirmationsK(4, 4), 2);
  t.equal(suspicionConfirmationsK(4, 3), 0);
  t.equal(suspicionConfirmationsK(6, 8), 4);
  t.equal(suspicionConfirmationsK(6, 5), 0);
  t.equal(suspicionConfirmationsK(1, 100), 0, "never negative");
});

t.test("swim: retransmit limit = retransmitMult · ceil(log10(n + 1))", async (t) => {
  const table: [mult: number, n: number, expected: number][] = [
    [4, 0, 0],
    [4, 1, 4],
    [4, 9, 4],
    [4, 10, 8],
    [4, 99, 8],
    [4, 100, 12],
    [4, 1000, 16],
    [2, 50, 4],
  ];
  for (const [mult, n, expected] of table) t.equal(retransmitLimit(mult, n), expected, `mult=${mult} n=${n}`);
});

t.test("swim: push-pull interval is flat up to 32 members, then grows with log2 n (memberlist pushPullScale)", async (t) => {
  const table: [n: number, expected: number][] = [
    [1, 30000],
    [32, 30000],
    [33, 60000],
    [64, 60000],
    [65, 90000],
    [1000, 180000],
  ];
  for (const [n, expected] of table) t.equal(pushPullIntervalScaledMs(30000, n), expected, `n=${n}`);
});
