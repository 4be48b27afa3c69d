import t from "tap";
import { SeededRng } from "../../lib/util/rng.js";

t.test("rng: the same seed replays the same stream, forks are independent and replayable", async (t) => {
  const a = new SeededRng(42), b = new SeededRng(42);
  const sa = Array.from({ length: 20 }, () => a.int(1000));
  const sb = Array.from({ length: 20 }, () => b.int(1000));
  t.same(sa, sb);
  const fa = new SeededRng(7).fork("raft"), fb = new SeededRng(7).fork("raft"), fc = new SeededRng(7).fork("swim");
  const xa = Array.from({ length: 10 }, () => fa.int(1 << 30));
  t.same(xa, Array.from({ length: 10 }, () => fb.int(1 << 30)));
  t.not(JSON.stringify(xa), JSON.stringify(Array.from({ length: 10 }, () => fc.int(1 << 30))));
});

t.test("rng: int stays in range and covers it roughly uniformly", async (t) => {
  const r = new SeededRng(1);
  const counts = new Array(10).fill(0);
  for (let i = 0; i < 100_000; i++) {
    const v = r.int(10);
    if (v < 0 || v >= 10) t.fail(`out of range: ${v}`);
    counts[v]++;
  }
  for (const c of counts) t.ok(c > 9_000 && c < 11_000, `bucket count ${c} near 10,000`);
});
