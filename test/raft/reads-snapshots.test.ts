import t from "tap";
import { RaftCore } from "../../lib/raft/core.js";
import { decodeConfigData, encodeConfigData, entryToRecord, recordToEntry } from "../../lib/raft/entry-codec.js";
import { SeededRng } from "../../lib/util/rng.js";
import { bytes, Network, stateOf } from "./network.js";

const ids3 = ["a", "b", "c"];

t.test("raft: ReadIndex confirms leadership with a quorum heartbeat before answering (R22, thesis §6.4)", async (t) => {
  const n = new Network(ids3);
  n.elect("a");
  n.node("a").propose(bytes("x"));
  n.stabilize();
  n.isolate("b");
  n.isolate("c");
  n.node("a").readIndex("r1");
  n.stabilize();
  t.same(n.readStates.get("a"), [], "no answer without a quorum");
  n.recover();
  n.tick("a");
  t.same(n.readStates.get("a"), [{ index: 2, context: "r1" }]);
  n.node("a").readIndex("r2");
  n.node("a").readIndex("r2"); // a duplicate is served once
  n.stabilize();
  t.same(n.readStates.get("a")!.map((r) => r.context), ["r1", "r2"]);
  t.throws(() => n.node("a").readIndex(""), { name: "InvalidArgumentError", field: "context" });
});

t.test("raft: a follower's read is forwarded to the leader (R22)", async (t) => {
  const n = new Network(ids3);
  t.throws(() => n.node("b").readIndex("r0"), { name: "NotLeaderError" });
  n.elect("a");
  n.node("b").readIndex("rb");
  n.stabilize();
  t.same(n.readStates.get("b"), [{ index: 1, context: "rb" }]);
});

t.test("raft: a new leader defers reads until it commits an entry of its term (R23, thesis §6.4)", async (t) => {
  const n = new Network(ids3, { checkQuorum: false });
  n.elect("a");
  n.filter = (m) => m.type !== "app" && m.type !== "appResp";
  n.elect("b");
  t.equal(n.node("b").status().role, "leader");
  n.node("b").readIndex("early");
  n.stabilize();
  t.same(n.readStates.get("b"), [], "deferred: the no-op of term 2 has not committed");
  n.filter = undefined;
  n.tick("b");
  n.tick("b");
  t.same(n.readStates.get("b"), [{ index: 2, context: "early" }]);
});

t.test("raft: a single-node leader answers reads at once (R22)", async (t) => {
  const n = new Network(["solo"]);
  n.elect("solo");
  n.node("solo").readIndex("r");
  n.stabilize();
  t.same(n.readStates.get("solo"), [{ index: 1, context: "r" }]);
});

t.test("raft: a follower whose next entry was compacted is sent a snapshot, then entries (R40, R43, §7)", async (t) => {
  const n = new Network(ids3);
  n.elect("a");
  n.isolate("c");
  for (let i = 0; i < 5; i++) n.node("a").propose(bytes(`v${i}`));
  n.stabilize();
  const meta = n.node("a").compact(4, bytes("state@4"));
  t.same(meta, { index: 4, term: 1, voters: ["a", "b", "c"] });
  t.equal(n.node("a").compact(3, bytes("old")), undefined, "an older snapshot is a no-op");
  t.throws(() => n.node("a").compact(99, bytes("x")), { name: "InvalidArgumentError", field: "index" });
  n.recover();
  n.tickAll(3);
  t.ok(n.sent.some((m) => m.type === "snap" && m.to === "c"));
  const c = n.node("c");
  t.equal(c.snapshot().meta.index, 4);
  t.same(n.applied.get("c"), ["snap:4", "5:v3", "6:v4"]);
  t.equal(n.node("a").status().progress["c"]!.state, "replicate");
  // restart from the durable snapshot + log
  n.crash("c");
  const r = n.restart("c", ids3);
  t.equal(r.status().firstIndex, 5);
  t.equal(r.status().commit, 6);
});

t.test("raft: a stale snapshot is ignored; one matching the log keeps what follows (R41, §7)", async (t) => {
  const n = new Network(ids3);
  n.elect("a");
  n.node("a").propose(bytes("x"));
  n.stabilize();
  const before = n.node("b").status();
  n.deliver({ type: "snap", from: "a", to: "b", term: 1, snapshot: { meta: { index: 1, term: 1, voters: ids3 }, data: bytes("s") } });
  t.equal(n.node("b").status().firstIndex, before.firstIndex, "stale: nothing restored");
});

t.test("raft: a lost snapshot is retried after snapshotTimeoutTicks; reportSnapshot resets progress (R42)", async (t) => {
  const n = new Network(ids3, { snapshotTimeoutTicks: 5 });
  n.elect("a");
  n.isolate("c");
  n.node("a").propose(bytes("x"));
  n.stabilize();
  n.node("a").compact(2, bytes("s"));
  n.recover();
  n.ignore("snap");
  n.tick("a");
  t.equal(n.node("a").status().progress["c"]!.state, "snapshot");
  n.tick("a", 6);
  n.recover();
  n.tick("a", 8);
  t.equal(n.node("c").snapshot().meta.index, 2, "resent and installed");
  n.node("a").reportSnapshot("c", false);
  n.node("a").reportUnreachable("c");
  t.equal(n.node("a").status().progress["c"]!.state, "probe");
});

t.test("raft: entries round-trip through the storage record shape; bad records are refused", async (t) => {
  const e = { index: 3, term: 2, type: "config" as const, data: encodeConfigData({ change: { type: "add", node: "d" }, voters: ["a", "d"] }) };
  const back = recordToEntry(entryToRecord(e));
  t.same({ ...back, data: [...back.data] }, { ...e, data: [...e.data] });
  t.same(decodeConfigData(back.data).voters, ["a", "d"]);
  t.throws(() => recordToEntry({ index: 1, term: 1, data: new Uint8Array([9]) }), { name: "StorageCorruptError" });
  t.throws(() => decodeConfigData(bytes("{")), { name: "StorageCorruptError" });
  t.throws(() => decodeConfigData(bytes("{}")), { name: "StorageCorruptError" });
});

t.test("raft: options are validated with InvalidConfigError naming the field", async (t) => {
  const rng = new SeededRng(1);
  const mk = (o: object) => () => new RaftCore({ id: "a", peers: ["a"], rng, ...o });
  t.throws(mk({ id: "" }), { name: "InvalidConfigError", field: "id" });
  t.throws(mk({ peers: ["b"] }), { name: "InvalidConfigError", field: "peers" });
  t.throws(mk({ peers: ["a", "a"] }), { name: "InvalidConfigError", field: "peers" });
  t.throws(mk({ peers: "a" }), { name: "InvalidConfigError", field: "peers" });
  t.throws(mk({ electionTicks: 1 }), { name: "InvalidConfigError", field: "electionTicks" });
  t.throws(mk({ electionTicks: 2.5 }), { name: "InvalidConfigError", field: "electionTicks" });
  t.throws(mk({ heartbeatTicks: 10 }), { name: "InvalidConfigError", field: "heartbeatTicks" });
  t.throws(mk({ rng: undefined }), { name: "InvalidConfigError", field: "rng" });
  t.throws(mk({ preVote: "yes" }), { name: "InvalidConfigError", field: "preVote" });
  t.throws(mk({ inflightMessagesMax: 0 }), { name: "InvalidConfigError", field: "inflightMessagesMax" });
  t.throws(() => new RaftCore(null as never), { name: "InvalidConfigError", field: "options" });
});

t.test("raft: inconsistent stored state is refused with StorageCorruptError (R46)", async (t) => {
  const rng = new SeededRng(1);
  const o = { id: "a", peers: ["a", "b", "c"], rng };
  t.throws(() => new RaftCore(o, { hardState: { term: 1, vote: "", commit: 5 }, entries: stateOf([1]).entries }), { name: "StorageCorruptError" });
  t.throws(() => new RaftCore(o, { hardState: { term: 0, vote: "", commit: 0 }, entries: stateOf([1]).entries }), { name: "StorageCorruptError" });
  const gap = stateOf([1, 1, 1]).entries!.filter((e) => e.index !== 2);
  t.throws(() => new RaftCore(o, { hardState: { term: 1, vote: "", commit: 0 }, entries: gap }), { name: "StorageCorruptError" });
  const snap = { meta: { index: 2, term: 1, voters: ["a", "b", "c"] }, data: bytes("s") };
  const bad = stateOf([1, 2, 2]).entries!;
  t.throws(() => new RaftCore(o, { hardState: { term: 2, vote: "", commit: 2 }, snapshot: snap, entries: bad }), { name: "StorageCorruptError" });
  const ok = new RaftCore(o, { hardState: { term: 1, vote: "", commit: 2 }, snapshot: snap, entries: stateOf([1, 1, 1]).entries });
  t.same([ok.status().firstIndex, ok.status().lastIndex, ok.status().commit], [3, 3, 2]);
});

t.test("raft: the Ready protocol — one Ready out at a time, advance with that Ready only", async (t) => {
  const core = new RaftCore({ id: "a", peers: ["a"], rng: new SeededRng(1) });
  core.campaign();
  t.ok(core.hasReady());
  const rd = core.ready();
  t.equal(rd.softState?.role, "leader");
  t.same(rd.hardState, { term: 1, vote: "a", commit: 0 });
  t.notOk(core.hasReady(), "nothing more until advance");
  t.throws(() => core.ready(), { name: "RaftInvariantError" });
  t.throws(() => core.advance({ ...rd }), { name: "RaftInvariantError" });
  core.advance(rd);
  const rd2 = core.ready();
  t.equal(rd2.committed.length, 1, "the single node commits its no-op once persisted");
  core.advance(rd2);
});

t.test("raft: two leaders in one term trip an invariant", async (t) => {
  const n = new Network(ids3);
  n.elect("a");
  t.throws(() => n.deliver({ type: "heartbeat", from: "b", to: "a", term: 1, commit: 0, context: "" }), { name: "RaftInvariantError" });
});
