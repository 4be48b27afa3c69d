import t from "tap";
import { bytes, Network } from "./network.js";

const ids3 = ["a", "b", "c"];

t.test("raft: adding a voter takes effect when appended and the new node catches up (R34, thesis §4.1)", async (t) => {
  const n = new Network(ids3);
  n.elect("a");
  n.node("a").propose(bytes("x"));
  n.stabilize();
  n.addNode("d");
  const { index } = n.node("a").proposeConfChange({ type: "add", node: "d" });
  t.same(n.node("a").status().voters, ["a", "b", "c", "d"], "in force on the leader before commit");
  n.stabilize();
  n.tickAll(3);
  t.ok(n.node("a").status().commit >= index);
  t.same(n.node("d").status().voters, ["a", "b", "c", "d"]);
  t.same(n.applied.get("d"), ["2:x"]);
});

t.test("raft: only one membership change may be pending; a new leader must commit first (R34)", async (t) => {
  const n = new Network(ids3);
  n.elect("a");
  n.isolate("b");
  n.isolate("c");
  n.addNode("d");
  t.throws(() => n.node("a").proposeConfChange({ type: "add", node: "a" }), { name: "InvalidArgumentError", field: "change.node" });
  n.node("a").proposeConfChange({ type: "add", node: "d" });
  t.throws(() => n.node("a").proposeConfChange({ type: "remove", node: "c" }), { name: "ConfChangePendingError" });
  t.throws(() => n.node("b").proposeConfChange({ type: "remove", node: "c" }), { name: "NotLeaderError" });
  t.throws(() => n.node("a").proposeConfChange({ type: "swap" as "add", node: "c" }), { name: "InvalidArgumentError", field: "change.type" });
  t.throws(() => n.node("a").proposeConfChange({ type: "add", node: "" }), { name: "InvalidArgumentError", field: "change.node" });
});

t.test("raft: a removal lowers the quorum so pending entries commit (R36, TestCommitAfterRemoveNode)", async (t) => {
  const n = new Network(["a", "b", "c", "d"]);
  n.elect("a");
  n.isolate("d");
  n.node("a").proposeConfChange({ type: "remove", node: "d" });
  n.stabilize();
  n.isolate("c");
  n.node("a").propose(bytes("y")); // a and b: 2 of 3 voters
  n.stabilize();
  t.same(n.applied.get("b"), [`3:y`]);
});

t.test("raft: a removed leader steps down once the removal commits; the rest elect a leader (R35, thesis §4.2.2)", async (t) => {
  const n = new Network(ids3);
  n.elect("a");
  n.node("a").proposeConfChange({ type: "remove", node: "a" });
  n.stabilize();
  t.equal(n.node("a").status().role, "follower");
  n.tickAll(40);
  const leaders = n.leaders();
  t.equal(leaders.length, 1);
  t.not(leaders[0], "a");
  t.same(n.node(leaders[0]!).status().voters, ["b", "c"]);
  n.tickAll(40);
  t.equal(n.leaders()[0], leaders[0], "the removed node does not disrupt (R39)");
});

t.test("raft: removing the last voter is refused", async (t) => {
  const n = new Network(["solo"]);
  n.elect("solo");
  t.throws(() => n.node("solo").proposeConfChange({ type: "remove", node: "solo" }), { name: "InvalidArgumentError" });
});

t.test("raft: a config entry truncated by a new leader is undone (thesis §4.1)", async (t) => {
  const n = new Network(ids3, { checkQuorum: false });
  n.elect("a");
  n.isolate("a");
  n.addNode("d");
  n.node("a").proposeConfChange({ type: "add", node: "d" });
  n.stabilize();
  n.recover();
  n.isolate("a");
  n.isolate("d");
  n.elect("b");
  n.recover();
  n.isolate("d");
  n.tickAll(3);
  t.same(n.node("a").status().voters, ["a", "b", "c"], "a's uncommitted add was overwritten and reverted");
});
