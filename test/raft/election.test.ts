import t from "tap";
import { RaftCore } from "../../lib/raft/core.js";
import type { Message, VoteRequest } from "../../lib/raft/types.js";
import { SeededRng } from "../../lib/util/rng.js";
import { Network } from "./network.js";

const ids3 = ["a", "b", "c"];

t.test("raft: nodes start as followers in term 0 (R1, §5.2)", async (t) => {
  const n = new Network(ids3);
  for (const c of n.nodes.values()) {
    t.equal(c.status().role, "follower");
    t.equal(c.status().term, 0);
  }
});

t.test("raft: an election timeout makes a follower a candidate that votes for itself (R4, §5.2)", async (t) => {
  const n = new Network(ids3, { preVote: false });
  n.ignore("vote");
  n.tick("a", 20);
  const s = n.node("a").status();
  t.equal(s.role, "candidate");
  t.ok(s.term >= 1);
  t.equal(s.vote, "a");
  const votes = n.sent.filter((m) => m.type === "vote" && m.from === "a");
  t.ok(votes.some((m) => m.to === "b") && votes.some((m) => m.to === "c"), "RequestVote broadcast");
  const term = s.term;
  n.tick("a", 20);
  t.ok(n.node("a").status().term > term, "a candidate that times out starts a new term");
});

t.test("raft: the randomized timeout lies in [T, 2T) (R8, §5.2)", async (t) => {
  for (let seed = 1; seed <= 20; seed++) {
    const c = new RaftCore({ id: "a", peers: ["a", "b", "c"], rng: new SeededRng(seed), preVote: false });
    let ticks = 0;
    while (c.status().role === "follower" && ticks < 100) {
      c.tick();
      ticks++;
    }
    t.ok(ticks >= 10 && ticks < 20, `timed out after ${ticks} ticks`);
  }
});

t.test("raft: a candidate with a quorum of votes becomes leader and appends a no-op (R5, §5.2, §8)", async (t) => {
  const n = new Network(ids3);
  n.elect("a");
  const s = n.node("a").status();
  t.equal(s.role, "leader");
  t.equal(s.term, 1);
  t.equal(s.commit, 1, "the no-op commits");
  t.equal(n.node("a").entries()[0]!.type, "noop");
  t.equal(n.node("b").status().leader, "a");
  t.equal(n.node("c").status().commit, 1);
});

t.test("raft: a candidate that loses a majority of votes returns to follower (R5, §5.2)", async (t) => {
  const n = new Network(ids3, { preVote: false, checkQuorum: false });
  n.elect("b"); // b leads term 1
  n.isolate("a");
  n.node("b").propose(new Uint8Array([1]));
  n.stabilize();
  n.recover();
  // a (behind) campaigns in a higher term: both voters refuse (§5.4.1), and it steps down.
  const a = n.node("a");
  a.campaign();
  n.stabilize();
  t.equal(a.status().role, "follower");
});

t.test("raft: a split vote leaves candidates without a leader until a new term (R5, R9, §5.2)", async (t) => {
  const n = new Network(["a", "b", "c", "d"], { preVote: false });
  n.cutLink("a", "b");
  n.cutLink("c", "d");
  n.cutLink("a", "d");
  n.cutLink("b", "c");
  // a+c vs b+d: two candidates in term 1 each gets 2 of 4 votes
  n.node("a").campaign();
  n.node("b").campaign();
  n.stabilize();
  t.same(n.leaders(), []);
  n.recover();
  n.tickAll(40);
  t.equal(n.leaders().length, 1, "one leader after a new term");
});

t.test("raft: one vote per term, first come first served, and the vote survives a restart (R6, §5.2)", async (t) => {
  const n = new Network(ids3, { preVote: false, checkQuorum: false });
  const req = (from: string, term: number): VoteRequest => ({ type: "vote", from, to: "c", term, lastIndex: 0, lastTerm: 0 });
  n.deliver(req("a", 1));
  n.deliver(req("b", 1));
  let out = n.takeMessages().filter((m) => m.type === "voteResp");
  t.same(out.map((m) => [m.to, (m as { reject: boolean }).reject]), [["a", false], ["b", true]]);
  n.crash("c");
  n.restart("c", ids3);
  n.deliver(req("b", 1));
  n.deliver(req("a", 1));
  out = n.takeMessages().filter((m) => m.type === "voteResp");
  t.same(out.map((m) => [m.to, (m as { reject: boolean }).reject]), [["b", true], ["a", false]], "vote persisted");
});

t.test("raft: a voter refuses a candidate whose log is less up to date (R10, §5.4.1)", async (t) => {
  const n = new Network(ids3, { preVote: false, checkQuorum: false });
  n.elect("a");
  n.cutLink("a", "c");
  n.node("a").propose(new Uint8Array([1]));
  n.stabilize();
  n.recover();
  n.isolate("a");
  n.node("c").campaign(); // c's log lacks entry 2; b refuses
  n.stabilize();
  t.not(n.node("c").status().role, "leader");
  const resp = n.sent.filter((m) => m.type === "voteResp" && m.from === "b" && m.to === "c");
  t.ok(resp.length > 0 && resp.every((m) => (m as { reject: boolean }).reject));
  n.node("b").campaign();
  n.stabilize();
  t.equal(n.node("b").status().role, "leader", "the up-to-date node wins");
});

t.test("raft: a higher-term message makes any role adopt the term as follower (R2, §5.1)", async (t) => {
  const n = new Network(ids3, { preVote: false });
  n.elect("a");
  const hb: Message = { type: "heartbeat", from: "b", to: "a", term: 5, commit: 0, context: "" };
  n.deliver(hb);
  t.equal(n.node("a").status().role, "follower");
  t.equal(n.node("a").status().term, 5);
  t.equal(n.node("a").status().leader, "b");
});

t.test("raft: a stale-term message is rejected without state change (R3, §5.1)", async (t) => {
  const n = new Network(ids3, { preVote: false, checkQuorum: false });
  n.elect("a");
  n.elect("b"); // term 2
  const before = n.node("c").status();
  n.deliver({ type: "app", from: "a", to: "c", term: 1, prevIndex: 1, prevTerm: 1, entries: [], commit: 5 });
  n.deliver({ type: "vote", from: "a", to: "c", term: 1, lastIndex: 100, lastTerm: 1 });
  const after = n.node("c").status();
  t.same({ term: after.term, leader: after.leader, commit: after.commit, vote: after.vote }, {
    term: before.term,
    leader: before.leader,
    commit: before.commit,
    vote: before.vote,
  });
});

t.test("raft: a candidate hearing a leader of its term steps down (R7, §5.2)", async (t) => {
  const n = new Network(ids3, { preVote: false });
  n.ignore("vote");
  n.tick("c", 20);
  const term = n.node("c").status().term;
  t.equal(n.node("c").status().role, "candidate");
  n.deliver({ type: "app", from: "a", to: "c", term, prevIndex: 0, prevTerm: 0, entries: [], commit: 0 });
  t.equal(n.node("c").status().role, "follower");
  t.equal(n.node("c").status().leader, "a");
});

t.test("raft: a single-node cluster elects itself and commits alone (R11)", async (t) => {
  const n = new Network(["solo"]);
  n.tick("solo", 20);
  t.equal(n.node("solo").status().role, "leader");
  n.node("solo").propose(new TextEncoder().encode("x"));
  n.stabilize();
  t.same(n.applied.get("solo"), ["2:x"]);
});

t.test("raft: with randomized timeouts one leader emerges (R8, R9)", async (t) => {
  for (let seed = 1; seed <= 10; seed++) {
    const n = new Network(["a", "b", "c", "d", "e"], {}, {}, seed);
    n.tickAll(40);
    t.equal(n.leaders().length, 1, `seed ${seed}`);
  }
});
