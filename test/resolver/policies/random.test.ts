import t from "tap";
import { insts, makeResolver, tally } from "../helpers.js";

t.test("random: picks are roughly uniform over the instances (seeded)", async (t) => {
  const { resolver } = makeResolver({ policy: "random" }, insts(10), 7);
  const counts = tally(resolver, 100_000, { report: true });
  t.equal(counts.size, 10);
  for (const [id, c] of counts) t.ok(c > 9_400 && c < 10_600, `${id}: ${c} near 10,000`);
});

t.test("random: the same seed replays the same picks", async (t) => {
  const a = makeResolver({ policy: "random" }, insts(10), 3).resolver;
  const b = makeResolver({ policy: "random" }, insts(10), 3).resolver;
  t.same(Array.from({ length: 50 }, () => a.pick().id), Array.from({ length: 50 }, () => b.pick().id));
});
