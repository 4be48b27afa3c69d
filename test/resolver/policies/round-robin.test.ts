import t from "tap";
import { inst, insts, makeResolver, tally } from "../helpers.js";

t.test("round-robin: picks rotate through every instance in key order, one each per round", async (t) => {
  const { resolver } = makeResolver({ policy: "round-robin", outlier: false }, insts(5));
  const order = resolver.instances().map((i) => i.id);
  const picks = Array.from({ length: 15 }, () => resolver.pick().id);
  const start = order.indexOf(picks[0]!);
  t.same(picks, Array.from({ length: 15 }, (_, k) => order[(start + k) % 5]), "exact rotation");
});

t.test("round-robin: the starting point is random (grpc-js), so seeds differ in where they begin", async (t) => {
  const starts = new Set<string>();
  for (let seed = 1; seed <= 40; seed++) starts.add(makeResolver({ policy: "round-robin" }, insts(5), seed).resolver.pick().id);
  t.ok(starts.size >= 4, `started at ${starts.size} of 5 instances`);
});

t.test("round-robin: a set change keeps the rotation going over the new set", async (t) => {
  const { resolver, feed } = makeResolver({ policy: "round-robin" }, insts(4));
  resolver.pick();
  feed.push([...insts(4), inst(4), inst(5)]);
  const counts = tally(resolver, 60);
  t.equal(counts.size, 6);
  for (const c of counts.values()) t.equal(c, 10, "each instance exactly once per round");
});
