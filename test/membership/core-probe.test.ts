import t from "tap";
import { harness, find, aliveOf, type Harness } from "./helpers.js";
import type { OutboundPacket } from "../../lib/membership/types.js";

/** Steps until the core sends a ping; returns it, its send time, and every packet so far. */
function nextPing(h: Harness) {
  for (let i = 0; i < 100; i++) {
    h.step();
    const packets = h.packets();
    const [ping] = find(packets, "ping");
    if (ping) return { ...ping, at: h.clock.nowMs(), packets };
  }
  throw new Error("no ping sent");
}

/** Steps until a packet matching `type` is sent, collecting packets. */
function until(h: Harness, type: Parameters<typeof find>[1]): { at: number; packets: OutboundPacket[] } {
  for (let i = 0; i < 100; i++) {
    h.step();
    const packets = h.packets();
    if (find(packets, type).length > 0) return { at: h.clock.nowMs(), packets };
  }
  throw new Error(`no ${type} sent`);
}

t.test("swim: a ping for our name is acked; one for another name is dropped (memberlist TestHandlePing_WrongNode)", async (t) => {
  const h = harness();
  h.core.receivePacket(h.addr("n1"), [{ type: "ping", seq: 5, target: "self0", source: "n1" }]);
  const acks = find(h.packets(), "ack");
  t.same(acks.map((a) => [a.to, a.msg.seq]), [[h.addr("n1"), 5]]);
  h.core.receivePacket(h.addr("n1"), [{ type: "ping", seq: 6, target: "someone-else", source: "n1" }]);
  t.same(find(h.packets(), "ack"), []);
  t.equal(h.core.stats.wrongNode, 1);
});

t.test("swim: probes go round-robin over a shuffled list; each member once per round", async (t) => {
  const h = harness();
  h.meet("n1", "n2", "n3", "n4");
  const targets: string[] = [];
  for (let i = 0; i < 8; i++) {
    const p = nextPing(h);
    targets.push(p.msg.target);
    h.core.receivePacket(p.to, [{ type: "ack", seq: p.msg.seq }]);
  }
  t.same([...targets.slice(0, 4)].sort(), ["n1", "n2", "n3", "n4"], "first round covers everyone");
  t.same([...targets.slice(4)].sort(), ["n1", "n2", "n3", "n4"], "second round too");
  t.equal(h.core.stats.probesFailed, 0);
});

t.test("swim: a missed ack leads to ping-req via k members asking for nacks, then suspicion (SWIM §3.1, Lifeguard §IV-A)", async (t) => {
  const h = harness();
  h.meet("n1", "n2", "n3", "n4", "n5");
  const ping = nextPing(h);
  const target = ping.msg.target;
  const req = until(h, "ping-req");
  t.equal(req.at - ping.at, 500, "after the probe timeout");
  const reqs = find(req.packets, "ping-req");
  t.equal(reqs.length, 3, "indirectChecks = 3");
  for (const r of reqs) {
    t.equal(r.msg.target, target);
    t.equal(r.msg.nack, true);
    t.equal(r.msg.seq, ping.msg.seq, "the same seq so relayed acks match");
    t.not(r.to, h.addr(target));
  }
  h.core.receivePacket(reqs[0]!.to, [{ type: "nack", seq: ping.msg.seq }]);
  h.step();
  t.equal(h.clock.nowMs() - ping.at, 1000, "the probe ends after one probe interval");
  t.equal(h.core.member(target)?.status, "suspect");
  t.equal(h.core.healthScore, 2, "two expected nacks were missing");
  t.equal(h.core.stats.probesFailed, 1);
});

t.test("swim: an ack relayed by an indirect prober saves the target and lowers the health score", async (t) => {
  const h = harness();
  h.meet("n1", "n2", "n3", "n4");
  h.core.receivePacket(h.addr("n1"), [{ type: "suspect", node: "self0", incarnation: 0, from: "n1" }]);
  t.equal(h.core.healthScore, 1, "refuting raised the score");
  const ping = nextPing(h);
  const req = until(h, "ping-req");
  const [r] = find(req.packets, "ping-req");
  h.core.receivePacket(r!.to, [{ type: "ack", seq: ping.msg.seq }]);
  t.equal(h.core.healthScore, 0);
  h.advance(2000);
  t.equal(h.core.member(ping.msg.target)?.status, "alive");
});

t.test("lifeguard: probe interval and timeout are multiplied by health score + 1", async (t) => {
  const h = harness();
  h.meet("n1", "n2", "n3", "n4");
  for (let inc = 0; inc < 3; inc++) h.core.receivePacket(h.addr("n1"), [{ type: "dead", node: "self0", incarnation: h.core.incarnation, from: "n1" }]);
  t.equal(h.core.healthScore, 3);
  const ping = nextPing(h);
  const req = until(h, "ping-req");
  t.equal(req.at - ping.at, 500 * 4, "timeout ×4");
  const [r] = find(req.packets, "ping-req");
  h.core.receivePacket(r!.to, [{ type: "ack", seq: ping.msg.seq }]);
  const next = nextPing(h);
  t.equal(next.at - ping.at, 1000 * 4, "interval ×4 (scaled when the probe started)");
});

t.test("lifeguard: probing a suspect piggybacks the suspect message (buddy system)", async (t) => {
  const h = harness();
  h.meet("n1", "n2", "n3");
  for (const n of ["n1", "n2", "n3"]) h.core.receivePacket(h.addr("n9"), [{ type: "suspect", node: n, incarnation: 0, from: "n9" }]);
  const ping = nextPing(h);
  const buddy = find(ping.packets, "suspect").filter((s) => s.msg.node === ping.msg.target && s.msg.from === "self0");
  t.equal(buddy.length, 1);
  t.same(buddy[0]!.to, ping.to, "in the same packet as the ping");
});

t.test("swim: an indirect prober relays the target's ack, or nacks when the target is silent", async (t) => {
  const h = harness();
  h.core.receivePacket(h.addr("n1"), [{ type: "ping-req", seq: 77, target: "n2", targetAddress: "10.1.0.2", targetPort: 7002, nack: true, source: "n1" }]);
  const [ping] = find(h.packets(), "ping");
  t.same(ping!.to, { address: "10.1.0.2", port: 7002 });
  t.equal(ping!.msg.target, "n2");
  h.core.receivePacket(h.addr("n2"), [{ type: "ack", seq: ping!.msg.seq }]);
  t.same(find(h.packets(), "ack").map((a) => [a.to, a.msg.seq]), [[h.addr("n1"), 77]]);

  h.core.receivePacket(h.addr("n1"), [{ type: "ping-req", seq: 78, target: "n3", targetAddress: "10.1.0.3", targetPort: 7002, nack: true, source: "n1" }]);
  h.packets();
  h.clock.advance(500);
  h.core.tick();
  t.same(find(h.packets(), "nack").map((a) => [a.to, a.msg.seq]), [[h.addr("n1"), 78]]);

  h.core.receivePacket(h.addr("n1"), [{ type: "ping-req", seq: 79, target: "n3", targetAddress: "10.1.0.3", targetPort: 7002, nack: false, source: "n1" }]);
  h.packets();
  h.clock.advance(500);
  h.core.tick();
  t.same(find(h.packets(), "nack"), [], "no nack when none was asked for");
});

t.test("swim: suspicion times out into failed, with a member-failed event and a dead broadcast", async (t) => {
  const h = harness();
  h.meet("n1", "n2");
  h.core.drain();
  h.core.receivePacket(h.addr("n1"), [{ type: "suspect", node: "n2", incarnation: 0, from: "n1" }]);
  const start = h.clock.nowMs();
  const deadline = h.core.nextDeadlineMs();
  // n = 3 live members: min = 4 · max(1, log10 3) · 1 s = 4 s, and k = 0 (n − 2 < 2) so it is min.
  h.advanceAcking(3999);
  t.equal(h.core.member("n2")?.status, "suspect");
  h.advanceAcking(1);
  t.equal(h.core.member("n2")?.status, "failed");
  t.ok(deadline >= start);
  t.same(h.events.map((e) => e.type).filter((e) => e === "member-failed"), ["member-failed"]);
  t.equal(h.core.stats.declaredFailed, 1);
  h.core.receivePacket(h.addr("n1"), [{ type: "ping", seq: 1, target: "self0", source: "n1" }]);
  const dead = find(h.packets(), "dead");
  t.ok(dead.some((d) => d.msg.node === "n2" && d.msg.from === "self0"), "dead piggybacked");
});

t.test("lifeguard: independent confirmations shorten the suspicion timeout (memberlist Suspect_Dogpile)", async (t) => {
  // 10 members: min = 4 · log10(10) · 1 s = 4 s, max = 6 · min = 24 s, k = 2.
  const names = Array.from({ length: 9 }, (_, i) => `n${i + 1}`);
  const expected = [24_000, 11_381, 4_000]; // max − (ln(c+1)/ln 3)·(max − min), floored
  for (let confirmations = 0; confirmations <= 2; confirmations++) {
    const h = harness();
    h.meet(...names);
    const start = h.clock.nowMs();
    h.core.receivePacket(h.addr("n1"), [{ type: "suspect", node: "n9", incarnation: 0, from: "n1" }]);
    h.core.receivePacket(h.addr("n1"), [{ type: "suspect", node: "n9", incarnation: 0, from: "n1" }]);
    for (let c = 0; c < confirmations; c++) {
      h.core.receivePacket(h.addr("n2"), [{ type: "suspect", node: "n9", incarnation: 0, from: `n${c + 2}` }]);
    }
    h.advanceAcking(expected[confirmations]! - 1);
    t.equal(h.core.member("n9")?.status, "suspect", `${confirmations} confirmations: still suspect just before`);
    h.advanceAcking(1);
    t.equal(h.core.member("n9")?.status, "failed", `${confirmations} confirmations: failed at ${expected[confirmations]} ms`);
    t.equal(h.clock.nowMs() - start, expected[confirmations]);
  }
});

t.test("swim: with Lifeguard off the timeout is fixed at min, nothing scales, no nacks, no buddy", async (t) => {
  const names = Array.from({ length: 9 }, (_, i) => `n${i + 1}`);
  const h = harness({ lifeguard: false });
  h.meet(...names);
  h.core.receivePacket(h.addr("n1"), [{ type: "suspect", node: "n9", incarnation: 0, from: "n1" }]);
  h.advanceAcking(4000);
  t.equal(h.core.member("n9")?.status, "failed", "min = 4 s with no confirmations");
  h.core.receivePacket(h.addr("n1"), [{ type: "suspect", node: "self0", incarnation: 0, from: "n1" }]);
  t.equal(h.core.healthScore, 0, "no awareness");
  h.core.receivePacket(h.addr("n9"), [{ type: "suspect", node: "n8", incarnation: 0, from: "n9" }]);
  let sawBuddy = false;
  let sawNackRequest = false;
  for (let i = 0; i < 40; i++) {
    h.step();
    const packets = h.packets();
    if (find(packets, "suspect").some((s) => s.msg.from === "self0" && s.msg.node === "n8")) sawBuddy = true;
    if (find(packets, "ping-req").some((r) => r.msg.nack)) sawNackRequest = true;
  }
  t.equal(sawBuddy, false);
  t.equal(sawNackRequest, false);
  t.equal(h.core.healthScore, 0);
});

t.test("swim: an ack for an unknown or finished probe is ignored", async (t) => {
  const h = harness();
  h.meet("n1");
  h.core.receivePacket(h.addr("n1"), [{ type: "ack", seq: 123456 }, { type: "nack", seq: 123456 }]);
  t.same(h.packets().filter((p) => p.msgs.some((m) => m.type === "ack")), []);
  t.equal(h.core.member("n1")?.status, "alive");
  t.ok(aliveOf("n1"));
});
