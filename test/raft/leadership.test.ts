import t from "tap";
import { bytes, Network } from "./network.js";

const ids3 = ["a", "b", "c"];

t.test("raft: a leader that hears from no quorum for an election timeout steps down (R26, thesis §6.2)", async (t) => {
  const n = new Network(ids3);
  n.elect("a");
  n.isolate("a");
  n.tick("a", 21);
  t.equal(n.node("a").status().role, "follower");
});

t.test("raft: a leader with an active quorum stays leader (R26)", async (t) => {
  const n = new Network(ids3);
  n.elect("a");
  n.isolate("c");
  n.tickAll(50);
  t.equal(n.node("a").status().role, "leader");
});

t.test("raft: voters ignore vote requests while a leader is active (R27, thesis §4.2.3)", async (t) => {
  const n = new Network(ids3, { preVote: false });
  n.elect("a");
  const term = n.node("a").status().term;
  n.cutLink("a", "c");
  n.node("c").campaign(); // c gets no heartbeats and tries; b still hears from a
  n.stabilize();
  t.equal(n.node("a").status().role, "leader");
  t.equal(n.node("b").status().term, term, "b ignored the higher-term request");
});

t.test("raft: a stuck higher-term candidate is freed when it rejoins (R28, etcd TestFreeStuckCandidateWithCheckQuorum)", async (t) => {
  const n = new Network(ids3, { preVote: false });
  n.elect("a");
  n.isolate("c");
  n.tick("c", 25);
  n.tick("c", 25);
  const cTerm = n.node("c").status().term;
  t.ok(cTerm > n.node("a").status().term);
  n.recover();
  n.tickAll(40);
  t.equal(n.leaders().length, 1);
  t.ok(n.node("a").status().term >= cTerm, "the cluster moved past the stuck term");
});

t.test("raft: without pre-vote a rejoining follower with an inflated term deposes the leader (R29, TestDisruptiveFollower)", async (t) => {
  const n = new Network(ids3, { preVote: false, checkQuorum: true });
  n.elect("a");
  n.isolate("c");
  n.tick("c", 40);
  n.recover();
  n.tick("a"); // a's heartbeat reaches c, which answers with its higher term
  t.not(n.node("a").status().role, "leader", "the leader was disrupted");
});

t.test("raft: with pre-vote the rejoining follower does not disrupt the leader (R29, thesis §9.6)", async (t) => {
  const n = new Network(ids3, { preVote: true });
  n.elect("a");
  const term = n.node("a").status().term;
  n.isolate("c");
  n.tick("c", 60);
  t.equal(n.node("c").status().term, term, "pre-votes failed, so the term did not grow");
  n.recover();
  n.tickAll(5);
  t.equal(n.node("a").status().role, "leader");
  t.equal(n.node("a").status().term, term);
  t.equal(n.node("c").status().leader, "a");
});

t.test("raft: a lagging node gets no pre-votes; an up-to-date one does once the leader is gone (R30)", async (t) => {
  const n = new Network(ids3, { preVote: true, checkQuorum: false });
  n.elect("a");
  n.isolate("c");
  n.node("a").propose(bytes("x"));
  n.stabilize();
  n.recover();
  n.isolate("a");
  n.node("c").campaign(); // behind: b refuses the pre-vote
  n.stabilize();
  t.not(n.node("c").status().role, "leader");
  n.node("b").campaign();
  n.stabilize();
  t.equal(n.node("b").status().role, "leader");
});

t.test("raft: with pre-vote a split of pre-candidates still elects a leader (R31)", async (t) => {
  const n = new Network(["a", "b", "c", "d", "e"], { preVote: true });
  n.tickAll(60);
  t.equal(n.leaders().length, 1);
  const l = n.leaders()[0]!;
  n.isolate(l);
  n.tickAll(60);
  const live = n.leaders().filter((x) => x !== l);
  t.equal(live.length, 1, "the rest elect a new leader");
});

t.test("raft: mixed pre-vote and non-pre-vote nodes complete an election (R32)", async (t) => {
  const n = new Network(ids3, {}, { a: { preVote: false }, b: { preVote: true }, c: { preVote: true } });
  n.tickAll(40);
  t.equal(n.leaders().length, 1);
});

t.test("raft: leadership transfer to an up-to-date follower (R33, thesis §3.10)", async (t) => {
  const n = new Network(ids3);
  n.elect("a");
  t.ok(n.node("a").transferLeadership("b"));
  n.stabilize();
  t.equal(n.node("b").status().role, "leader");
  t.equal(n.node("a").status().leader, "b");
});

t.test("raft: transfer to a slow follower catches it up first; proposals are refused meanwhile (R33)", async (t) => {
  const n = new Network(ids3);
  n.elect("a");
  n.isolate("c");
  n.node("a").propose(bytes("x"));
  n.stabilize();
  n.recover();
  n.cutLink("a", "c");
  t.ok(n.node("a").transferLeadership("c"));
  n.stabilize();
  t.throws(() => n.node("a").propose(bytes("y")), { name: "NotLeaderError", leader: "c" });
  n.recover();
  n.tick("a");
  t.equal(n.node("c").status().role, "leader");
  t.same(n.node("c").entries().map((e) => e.type), ["noop", "normal", "noop"]);
});

t.test("raft: transfer to itself or a non-member is a no-op; a timeout aborts (R33)", async (t) => {
  const n = new Network(ids3);
  n.elect("a");
  t.notOk(n.node("a").transferLeadership("a"));
  t.notOk(n.node("a").transferLeadership("zz"));
  t.throws(() => n.node("b").transferLeadership("c"), { name: "NotLeaderError" });
  n.isolate("c");
  t.ok(n.node("a").transferLeadership("c"));
  t.equal(n.node("a").status().leadTransferee, "c");
  n.tick("a", 11);
  t.equal(n.node("a").status().leadTransferee, "", "abandoned after electionTicks");
  t.equal(n.node("a").status().role, "leader");
  n.node("a").propose(bytes("ok"));
});
