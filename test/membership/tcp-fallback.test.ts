import t from "tap";
import { harness, find, type Harness } from "./helpers.js";
import { LAN_PROFILE, LOCAL_PROFILE, WAN_PROFILE, resolveMembershipConfig } from "../../lib/membership/config.js";
import { Sim, simSeed, startCluster, type SimNode } from "./sim.js";

const SEED = simSeed(20240917);

/** Steps until the core pings someone; returns the ping and when it went out. */
function nextPing(h: Harness) {
  for (let i = 0; i < 100; i++) {
    h.step();
    const [ping] = find(h.packets(), "ping");
    if (ping) return { ...ping, at: h.clock.nowMs() };
  }
  throw new Error("no ping sent");
}

/** Steps (UDP acks never arrive) until the core asks for indirect probes; returns what it drained then. */
function untilProbeTimeout(h: Harness) {
  for (let i = 0; i < 100; i++) {
    h.step();
    const out = h.core.drain();
    if (find(out.packets, "ping-req").length > 0) return { ...out, at: h.clock.nowMs() };
  }
  throw new Error("no ping-req sent");
}

t.test("config: the TCP fallback ping is on in every profile and must be a boolean (memberlist DisableTcpPings = false)", async (t) => {
  for (const p of [LAN_PROFILE, WAN_PROFILE, LOCAL_PROFILE]) t.equal(p.tcpFallbackPing, true);
  t.equal(resolveMembershipConfig({ tcpFallbackPing: false }).tcpFallbackPing, false);
  t.throws(() => resolveMembershipConfig({ tcpFallbackPing: "yes" as never }), { name: "InvalidConfigError", field: "tcpFallbackPing" });
});

t.test("swim: UDP to the target is lost but TCP answers, so it is not suspected (memberlist TestMemberList_ProbeNode_FallbackTCP)", async (t) => {
  const h = harness();
  h.meet("n1", "n2", "n3", "n4");
  const ping = nextPing(h);
  const timeout = untilProbeTimeout(h);
  t.equal(timeout.at - ping.at, 500, "asked at the probe timeout, together with the indirect probes");
  t.same(timeout.tcpPings, [{ to: ping.to, seq: ping.msg.seq, target: ping.msg.target, deadlineMs: ping.at + 1000 }],
    "one TCP ping of the target, due by the end of the probe round");
  t.equal(h.core.stats.tcpPings, 1);
  h.core.receiveTcpPingResult(ping.msg.seq, true);
  h.advance(ping.at + 1000 - h.clock.nowMs());
  t.equal(h.core.member(ping.msg.target)?.status, "alive", "not suspected when the round ends");
  t.equal(h.core.stats.tcpPingAcks, 1);
  t.equal(h.core.stats.probesFailed, 0, "the round counts as answered, like an indirect ack");
  t.equal(h.core.healthScore, 0, "and as a successful probe for Lifeguard");
  h.advanceAcking(10_000);
  t.equal(h.core.member(ping.msg.target)?.status, "alive", "nor later");
});

t.test("swim: with tcpFallbackPing off no TCP ping is asked for and the silent target is suspected (memberlist _FallbackTCP_Disabled)", async (t) => {
  const h = harness({ tcpFallbackPing: false });
  h.meet("n1", "n2", "n3", "n4");
  const ping = nextPing(h);
  const timeout = untilProbeTimeout(h);
  t.same(timeout.tcpPings, []);
  h.core.receiveTcpPingResult(ping.msg.seq, true);
  h.step();
  t.equal(h.core.member(ping.msg.target)?.status, "suspect", "an unasked-for TCP ack changes nothing once the round is over");
  t.equal(h.core.stats.tcpPings, 0);
});

t.test("swim: when the TCP ping fails too the target is suspected and Lifeguard scores the round as before (Lifeguard §IV-A)", async (t) => {
  const h = harness();
  h.meet("n1", "n2", "n3", "n4");
  const ping = nextPing(h);
  const timeout = untilProbeTimeout(h);
  t.equal(timeout.tcpPings.length, 1);
  h.core.receiveTcpPingResult(ping.msg.seq, false);
  h.step();
  t.equal(h.clock.nowMs() - ping.at, 1000, "the round ends after one probe interval");
  t.equal(h.core.member(ping.msg.target)?.status, "suspect");
  t.equal(h.core.healthScore, 3, "three expected nacks missing: +3, exactly as without the TCP ping");
  h.core.receiveTcpPingResult(ping.msg.seq, true);
  t.equal(h.core.member(ping.msg.target)?.status, "suspect", "a TCP ack after the round ended is ignored");
  t.equal(h.core.stats.tcpPingAcks, 0);
});

t.test("swim: a TCP ping for our name is to be acked; one naming another member is refused (memberlist TestHandlePing_WrongNode)", async (t) => {
  const h = harness();
  t.equal(h.core.receiveTcpPing(h.addr("n1"), { type: "ping", seq: 1, target: "self0", source: "n1" }), true);
  t.equal(h.core.receiveTcpPing(h.addr("n1"), { type: "ping", seq: 2, target: "other", source: "n1" }), false);
  t.equal(h.core.stats.wrongNode, 1);
  t.same(h.core.drain().packets, [], "nothing is sent over UDP for either");
});

/** Members that ever declared `subject` failed. */
const declaredFailed = (nodes: SimNode[], subject: string): string[] =>
  nodes.filter((n) => n.events.some((e) => e.event.type === "member-failed" && e.event.member.name === subject)).map((n) => n.name);

t.test(`sim: a member behind a UDP-dropping firewall stays alive through TCP pings, and fails without them (seed ${SEED})`, async (t) => {
  for (const tcpFallbackPing of [true, false]) {
    const sim = new Sim({ seed: SEED, config: { tcpFallbackPing } });
    const nodes = startCluster(sim, 8);
    t.ok(sim.runUntilTrue(() => sim.converged(), 60_000) !== undefined, "converged");
    const walled = nodes[3]!;
    sim.udpBlocked.add(walled);
    // n = 8: suspicion min = 4 s, max = 24 s; 60 s is plenty for a failure to spread.
    sim.runFor(60_000);
    const others = nodes.filter((n) => n !== walled);
    if (tcpFallbackPing) {
      t.ok(sim.allSee("m3", "alive", others), "every other member still sees it alive after 60 probe periods");
      t.same(declaredFailed(others, "m3"), [], "nobody declared it failed");
      t.ok(others.some((n) => n.core.stats.tcpPingAcks > 0), "TCP acks saved the probes");
    } else {
      t.ok(others.every((n) => sim.statusAt(n, "m3") !== "alive"), "without TCP pings it is suspect or failed everywhere");
      t.ok(declaredFailed(others, "m3").length > 0, "and declared failed");
    }
  }
});
