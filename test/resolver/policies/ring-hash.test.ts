import t from "tap";
import { insts, makeResolver, tally } from "../helpers.js";
import { disruption, owners, shares } from "./consistent-hash.js";
import { pointsPerInstance, RingHashPolicy } from "../../../lib/resolver/policies/ring-hash.js";
import type { Resolver } from "../../../lib/resolver/resolver.js";

t.test("ring-hash: a key maps to the same instance every time and on every client (any rng, any feed order)", async (t) => {
  const a = owners("ring-hash", insts(10), 1);
  const b = owners("ring-hash", insts(10).reverse(), 99);
  t.same(a, b);
});

t.test("ring-hash: removing 1 of 10 instances remaps only its own keys, about 1/10 (minimal disruption)", async (t) => {
  for (const removed of [0, 4, 9]) {
    const d = disruption("ring-hash", 10, removed);
    t.equal(d.movedFromKept, 0, `removing i${removed}: no key of a remaining instance moves`);
    t.ok(d.moved > 0.04 && d.moved < 0.18, `removing i${removed}: ${(d.moved * 100).toFixed(1)}% of keys moved (1/N = 10%)`);
  }
  const big = disruption("ring-hash", 50, 7);
  t.equal(big.movedFromKept, 0);
  t.ok(big.moved < 0.04, `1 of 50: ${(big.moved * 100).toFixed(2)}% moved`);
});

t.test("ring-hash: keys spread over all instances, none far from its fair share", async (t) => {
  const s = shares(owners("ring-hash", insts(10)));
  t.equal(s.size, 10);
  for (const [id, c] of s) t.ok(c > 1000 && c < 3500, `${id}: ${c} of 20,000 keys`);
});

t.test("ring-hash: without a key it picks a random point, spreading over every instance", async (t) => {
  const { resolver } = makeResolver({ policy: "ring-hash" }, insts(8));
  const counts = tally(resolver, 8000);
  t.equal(counts.size, 8);
  for (const c of counts.values()) t.ok(c > 400, `${c} picks`);
});

t.test("ring-hash: points per instance are a power of two within ringSizeMin..ringSizeMax (gRFC A42 bounds)", async (t) => {
  t.equal(pointsPerInstance(10, 1024, 4096), 128);
  t.equal(pointsPerInstance(9, 1024, 4096), 128, "same k for nearby set sizes");
  t.equal(pointsPerInstance(64, 1024, 4096), 16);
  t.equal(pointsPerInstance(5000, 1024, 4096), 1, "at least one point each, even past the max");
  t.equal(pointsPerInstance(10, 1024, 1200), 120, "cut to fit the max");
  t.equal(pointsPerInstance(0, 1024, 4096), 0);
  const { resolver } = makeResolver({ policy: "ring-hash", ringSizeMin: 64, ringSizeMax: 64 }, insts(10));
  const policy = (resolver as unknown as { policy: RingHashPolicy }).policy;
  t.equal(policy.ringSize, 60);
});

t.test("ring-hash: an ejected instance's keys go elsewhere and come back with it", async (t) => {
  const { resolver, clock } = makeResolver({ policy: "ring-hash", outlier: { consecutiveFailures: 1 } }, insts(10));
  const key = "session-42";
  const owner = resolver.pick(key);
  resolver.report(owner, { ok: false });
  t.ok(resolver.stats(owner)!.ejected);
  t.not(resolver.pick(key).id, owner.id);
  clock.advance(30_000);
  t.equal(resolver.pick(key).id, owner.id);
  keepTypes(resolver);
});

function keepTypes(_r: Resolver): void {}
