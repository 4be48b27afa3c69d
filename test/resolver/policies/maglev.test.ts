import t from "tap";
import { insts, makeResolver, tally } from "../helpers.js";
import { disruption, owners, shares } from "./consistent-hash.js";
import { MaglevPolicy } from "../../../lib/resolver/policies/maglev.js";
import { SeededRng } from "../../../lib/util/rng.js";

t.test("maglev: a key maps to the same instance every time and on every client", async (t) => {
  t.same(owners("maglev", insts(10), 1), owners("maglev", insts(10).reverse(), 42));
});

t.test("maglev: removing 1 of 10 instances remaps about 1/10 of keys (Maglev §3.4 minimal disruption)", async (t) => {
  for (const removed of [0, 5]) {
    const d = disruption("maglev", 10, removed);
    t.ok(d.moved > 0.07 && d.moved < 0.15, `removing i${removed}: ${(d.moved * 100).toFixed(1)}% moved (1/N = 10%)`);
    t.ok(d.movedFromKept < 0.03, `keys of remaining instances that moved: ${(d.movedFromKept * 100).toFixed(2)}%`);
  }
});

t.test("maglev: every instance owns M/n table slots, give or take one", async (t) => {
  const m = 65537;
  const policy = new MaglevPolicy(new SeededRng(1), m);
  const set = insts(7);
  policy.rebuild({ instances: set, keys: set.map((i) => `${i.node}/${i.id}`), inflight: new Float64Array(7), usable: Int32Array.from(set.keys()) });
  const table = (policy as unknown as { table: Int32Array }).table;
  const slots = new Array(7).fill(0);
  for (const owner of table) slots[owner]++;
  for (const s of slots) t.ok(Math.abs(s - m / 7) <= 1, `${s} slots`);
  const keyShares = shares(owners("maglev", insts(10)));
  for (const [id, c] of keyShares) t.ok(c > 1700 && c < 2300, `${id}: ${c} of 20,000 keys`);
});

t.test("maglev: a small prime table works and keyless picks are random", async (t) => {
  const { resolver } = makeResolver({ policy: "maglev", maglevTableSize: 251 }, insts(5));
  const counts = tally(resolver, 5000);
  t.equal(counts.size, 5);
  for (const c of counts.values()) t.ok(c > 700, `${c} picks`);
  t.equal(resolver.pick("k").id, resolver.pick("k").id);
});
