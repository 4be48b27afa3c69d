import t from "tap";
import { harness, find, aliveOf, addrOf } from "./helpers.js";
import { SwimCore } from "../../lib/membership/core.js";
import { ManualClock } from "../../lib/util/clock.js";
import { SeededRng } from "../../lib/util/rng.js";
import { encodePacket, messageBytes } from "../../lib/membership/codec.js";
import { pack } from "msgpackr";
import { USER_EVENT_DEDUP_MAX, SWIM_PROTOCOL_VERSION } from "../../lib/membership/limits.js";
import type { MemberEvent } from "../../lib/membership/types.js";

const types = (events: MemberEvent[]) => events.map((e) => (e.type === "user-event" ? e.type : `${e.type}:${e.member.name}`));

t.test("swim: a new core knows itself alive and announces a join for itself", async (t) => {
  const h = harness({ meta: { role: "web" } });
  t.same(h.core.members(), [{ name: "self0", address: "10.1.0.0", port: 7005, status: "alive", incarnation: 0, meta: { role: "web" } }]);
  t.same(types(h.core.drain().events), ["member-join:self0"]);
  t.equal(h.core.pendingBroadcasts, 1, "its own alive is queued");
});

t.test("swim: bad identity options raise InvalidConfigError naming the field", async (t) => {
  const clock = new ManualClock();
  const rng = new SeededRng(1);
  const base = { name: "a", address: "10.0.0.1", port: 1, clock, rng };
  const bad: [Record<string, unknown>, string][] = [
    [{ name: "" }, "name"],
    [{ address: 5 }, "address"],
    [{ port: 70000 }, "port"],
    [{ meta: { a: 1 } }, "meta"],
    [{ incarnation: -1 }, "incarnation"],
    [{ clock: undefined }, "clock"],
    [{ rng: undefined }, "rng"],
    [{ probeTimeoutMs: 5000 }, "probeTimeoutMs"],
  ];
  for (const [over, field] of bad) {
    t.throws(() => new SwimCore({ ...base, ...over } as never), { name: "InvalidConfigError", field }, field);
  }
});

t.test("swim: join asks each seed for a push-pull; bad seeds are refused whole", async (t) => {
  const h = harness();
  h.core.drain();
  h.core.join([addrOf("n1"), addrOf("n2")]);
  const { streams } = h.core.drain();
  t.same(streams.map((s) => s.to), [addrOf("n1"), addrOf("n2")]);
  t.equal(streams[0]!.state.join, true);
  t.same(streams[0]!.state.members.map((m) => m.name), ["self0"]);
  t.throws(() => h.core.join([addrOf("n1"), { address: "", port: 1 }]), { name: "InvalidArgumentError", field: "seeds[1]" });
  t.throws(() => h.core.join("x" as never), { name: "InvalidArgumentError", field: "seeds" });
  t.same(h.core.drain().streams, [], "nothing half-applied");
});

t.test("swim: members join, update meta at a higher incarnation, and ignore stale news", async (t) => {
  const h = harness();
  h.core.drain();
  h.core.receivePacket(addrOf("n1"), [aliveOf("n1", 2)]);
  h.core.receivePacket(addrOf("n1"), [{ ...aliveOf("n1", 2), meta: { v: "2" } }]);
  t.same(h.core.member("n1")?.meta, {}, "same incarnation: ignored");
  h.core.receivePacket(addrOf("n1"), [{ ...aliveOf("n1", 3), meta: { v: "3" } }]);
  t.same(h.core.member("n1")?.meta, { v: "3" });
  h.core.receivePacket(addrOf("n1"), [aliveOf("n1", 4)]);
  t.same(types(h.core.drain().events), ["member-join:n1", "member-update:n1", "member-update:n1"]);
});

t.test("swim: an alive for a live member's name from another address is a conflict, ignored", async (t) => {
  const h = harness();
  h.meet("n1");
  h.core.receivePacket(addrOf("n2"), [{ ...aliveOf("n1", 5), address: "192.168.0.9" }]);
  t.equal(h.core.member("n1")?.address, addrOf("n1").address);
  t.equal(h.core.stats.conflicts, 1);
});

t.test("swim: suspicion of self is refuted with a higher incarnation broadcast (memberlist SuspectNode_Refute)", async (t) => {
  const h = harness();
  h.meet("n1");
  h.core.receivePacket(addrOf("n1"), [{ type: "suspect", node: "self0", incarnation: 0, from: "n1" }]);
  t.equal(h.core.incarnation, 1);
  t.equal(h.core.stats.refutations, 1);
  h.core.receivePacket(addrOf("n1"), [{ type: "dead", node: "self0", incarnation: 4, from: "n1" }]);
  t.equal(h.core.incarnation, 5, "max(ours, accused) + 1 (memberlist DeadNode_Refute)");
  h.core.receivePacket(addrOf("n1"), [{ type: "suspect", node: "self0", incarnation: 2, from: "n1" }]);
  t.equal(h.core.incarnation, 5, "stale suspicion ignored");
  h.core.receivePacket(addrOf("n1"), [{ ...aliveOf("self0", 5), address: "10.1.0.0", port: 7005 }]);
  t.equal(h.core.incarnation, 5, "our own alive echoed back is not refuted");
  h.core.receivePacket(addrOf("n1"), [{ ...aliveOf("self0", 9), address: "10.1.0.0", port: 7005 }]);
  t.equal(h.core.incarnation, 10, "an alive about us from a former life is outbid (memberlist AliveNode_Refute)");
  h.core.receivePacket(addrOf("n1"), [{ type: "ping", seq: 1, target: "self0", source: "n1" }]);
  const alive = find(h.packets(), "alive").filter((a) => a.msg.node === "self0");
  t.same(alive.map((a) => a.msg.incarnation), [10], "only the newest news about us is sent");
  t.equal(h.core.member("self0")?.status, "alive");
});

t.test("swim: a suspect refutes and is alive again everywhere it is heard (incarnation precedence)", async (t) => {
  const h = harness();
  h.meet("n1", "n2");
  h.core.receivePacket(addrOf("n1"), [{ type: "suspect", node: "n2", incarnation: 0, from: "n1" }]);
  t.equal(h.core.member("n2")?.status, "suspect");
  h.core.receivePacket(addrOf("n2"), [aliveOf("n2", 1)]);
  t.equal(h.core.member("n2")?.status, "alive");
  h.advanceAcking(60_000);
  t.equal(h.core.member("n2")?.status, "alive", "the cancelled timer never fires");
});

t.test("swim: failed and left members come back only with a higher incarnation (rejoin)", async (t) => {
  const h = harness();
  h.meet("n1", "n2");
  h.core.drain();
  h.core.receivePacket(addrOf("n1"), [{ type: "dead", node: "n2", incarnation: 0, from: "n1" }]);
  h.core.receivePacket(addrOf("n1"), [aliveOf("n2", 0)]);
  t.equal(h.core.member("n2")?.status, "failed");
  h.core.receivePacket(addrOf("n1"), [{ type: "dead", node: "n2", incarnation: 0, from: "n2" }]);
  t.equal(h.core.member("n2")?.status, "left", "a leave upgrades failed");
  h.core.receivePacket(addrOf("n2"), [aliveOf("n2", 1)]);
  t.equal(h.core.member("n2")?.status, "alive");
  t.same(types(h.core.drain().events), ["member-failed:n2", "member-leave:n2", "member-join:n2"]);
});

t.test("swim: news about unknown members other than alive is ignored", async (t) => {
  const h = harness();
  h.core.receivePacket(addrOf("n1"), [
    { type: "suspect", node: "ghost", incarnation: 0, from: "n1" },
    { type: "dead", node: "ghost", incarnation: 0, from: "n1" },
  ]);
  t.equal(h.core.member("ghost"), undefined);
});

t.test("swim: failed and left members are reaped after their timeouts", async (t) => {
  const h = harness({ failedReapMs: 10_000, leftReapMs: 20_000 });
  h.meet("n1", "n2", "n3");
  h.core.receivePacket(addrOf("n1"), [
    { type: "dead", node: "n2", incarnation: 0, from: "n1" },
    { type: "dead", node: "n3", incarnation: 0, from: "n3" },
  ]);
  h.advanceAcking(12_000);
  t.equal(h.core.member("n2"), undefined, "failed reaped");
  t.equal(h.core.member("n3")?.status, "left", "left kept longer");
  h.advanceAcking(10_000);
  t.equal(h.core.member("n3"), undefined, "left reaped");
  h.core.receivePacket(addrOf("n2"), [aliveOf("n2", 0)]);
  t.equal(h.core.member("n2")?.status, "alive", "a reaped member may rejoin from scratch");
});

t.test("swim: user events are delivered locally, spread, de-duplicated, and advance the Lamport clock", async (t) => {
  const h = harness();
  h.meet("n1");
  h.core.drain();
  h.core.fireUserEvent("deploy", new Uint8Array([1]));
  t.equal(h.core.eventTime, 1);
  const local = h.core.drain().events;
  t.match(local, [{ type: "user-event", name: "deploy", origin: "self0", ltime: 0 }]);
  const ev = { type: "user" as const, origin: "n1", ltime: 10, name: "x", payload: new Uint8Array(0) };
  h.core.receivePacket(addrOf("n1"), [ev, ev]);
  h.core.receivePacket(addrOf("n1"), [ev]);
  t.equal(h.core.drain().events.filter((e) => e.type === "user-event").length, 1, "once only");
  t.equal(h.core.eventTime, 11, "witnessed: max(ours, ltime + 1)");
  h.core.receivePacket(addrOf("n1"), [{ ...ev, ltime: 5 }]);
  t.equal(h.core.drain().events.length, 1, "an older, unseen event is still delivered");
  t.equal(h.core.eventTime, 11);
  h.core.receivePacket(addrOf("n1"), [{ ...ev, ltime: 11 + USER_EVENT_DEDUP_MAX + 5 }]);
  h.core.drain();
  h.core.receivePacket(addrOf("n1"), [{ ...ev, ltime: 1 }]);
  t.same(h.core.drain().events, [], "an event older than the dedup window is dropped");
  h.core.receivePacket(addrOf("n1"), [{ type: "ping", seq: 1, target: "self0", source: "n1" }]);
  t.ok(find(h.packets(), "user").length > 0, "events ride on packets");
  t.throws(() => h.core.fireUserEvent(""), { name: "InvalidArgumentError", field: "name" });
  t.throws(() => h.core.fireUserEvent("x", new Uint8Array(10_000)), { name: "InvalidArgumentError", field: "payload" });
});

t.test("swim: updateMeta bumps the incarnation and announces it; bad meta is refused", async (t) => {
  const h = harness();
  h.core.drain();
  h.core.updateMeta({ role: "db" });
  t.equal(h.core.incarnation, 1);
  t.same(h.core.member("self0")?.meta, { role: "db" });
  t.same(types(h.core.drain().events), ["member-update:self0"]);
  t.throws(() => h.core.updateMeta({ k: "x".repeat(1000) }), { name: "InvalidArgumentError", field: "meta" });
  t.equal(h.core.incarnation, 1, "nothing half-applied");
});

t.test("swim: leave marks self left, stops probing, spreads the news, then settles", async (t) => {
  const h = harness();
  h.meet("n1", "n2");
  h.core.drain();
  h.core.leave();
  h.core.leave();
  t.equal(h.core.member("self0")?.status, "left");
  t.same(types(h.core.drain().events), ["member-leave:self0"]);
  t.equal(h.core.leaveSettled(), false);
  const sent = h.advanceAcking(10_000);
  t.same(find(sent, "ping"), [], "no probes after leave");
  t.ok(find(sent, "dead").some((d) => d.msg.node === "self0" && d.msg.from === "self0"), "left gossiped");
  t.equal(h.core.leaveSettled(), true);
  h.core.receivePacket(addrOf("n1"), [{ type: "dead", node: "self0", incarnation: 0, from: "n1" }]);
  t.equal(h.core.incarnation, 0, "no refutation while leaving");
  t.throws(() => h.core.join([addrOf("n1")]), { name: "ClosedError" });
  t.throws(() => h.core.fireUserEvent("x"), { name: "ClosedError" });
  t.throws(() => h.core.updateMeta({}), { name: "ClosedError" });
});

t.test("swim: a packet never exceeds the packet budget however many broadcasts are queued", async (t) => {
  const h = harness({ packetBytesMax: 512 });
  const names = Array.from({ length: 60 }, (_, i) => `n${i + 1}`);
  h.meet(...names);
  t.ok(h.core.pendingBroadcasts > 20);
  const sent = h.advanceAcking(5_000);
  t.ok(sent.length > 0);
  for (const p of sent) t.ok(encodePacket(p.msgs).length <= 512, `${encodePacket(p.msgs).length} bytes`);
  t.ok(sent.some((p) => p.msgs.length > 3), "several broadcasts per packet");
  t.ok(messageBytes(aliveOf("n1")) < 512);
});

t.test("swim: undecodable and invalid packets are counted and dropped", async (t) => {
  const h = harness();
  h.core.receivePacketBytes(addrOf("n1"), new Uint8Array([0xc1]));
  h.core.receivePacketBytes(addrOf("n1"), pack([SWIM_PROTOCOL_VERSION, [[99]]]));
  h.core.receivePacketBytes(addrOf("n1"), encodePacket([aliveOf("n1")]));
  t.equal(h.core.stats.malformed, 1);
  t.equal(h.core.stats.protocolErrors, 1);
  t.equal(h.core.member("n1")?.status, "alive");
});

t.test("swim: push-pull merges remote state (failed → suspect locally, left → left) and returns ours", async (t) => {
  const h = harness();
  h.meet("n1", "n2", "n3");
  h.core.drain();
  const reply = h.core.receiveStream(addrOf("n4"), {
    join: true,
    userLtime: 40,
    members: [
      { name: "n4", address: "10.1.0.4", port: 7002, incarnation: 0, status: "alive", meta: {} },
      { name: "n1", address: "10.1.0.1", port: 7002, incarnation: 0, status: "failed", meta: {} },
      { name: "n2", address: "10.1.0.2", port: 7002, incarnation: 0, status: "left", meta: {} },
      { name: "n3", address: "10.1.0.3", port: 7002, incarnation: 0, status: "suspect", meta: {} },
    ],
  });
  t.equal(reply.join, false);
  t.same(reply.members.map((m) => m.name).sort(), ["n1", "n2", "n3", "n4", "self0"], "taken after the merge");
  t.equal(h.core.member("n4")?.status, "alive");
  t.equal(h.core.member("n1")?.status, "suspect", "a remote failure only makes us suspect");
  t.equal(h.core.member("n2")?.status, "left");
  t.equal(h.core.member("n3")?.status, "suspect");
  t.equal(h.core.eventTime, 40);
  h.core.receiveStreamReply(addrOf("n4"), {
    join: false, userLtime: 0,
    members: [{ name: "self0", address: "10.1.0.0", port: 7005, incarnation: 3, status: "failed", meta: {} }],
  });
  t.equal(h.core.incarnation, 4, "refutes a remote view of itself as failed");
});

t.test("swim: periodic push-pull picks one live member", async (t) => {
  const h = harness({ pushPullIntervalMs: 5_000 });
  h.meet("n1");
  h.core.drain();
  let streams = 0;
  for (let i = 0; i < 200 && streams === 0; i++) {
    h.step();
    const out = h.core.drain();
    for (const p of out.packets) for (const m of p.msgs) if (m.type === "ping") h.core.receivePacket(p.to, [{ type: "ack", seq: m.seq }]);
    streams += out.streams.length;
    if (out.streams.length > 0) t.same(out.streams[0]!.to, addrOf("n1"));
  }
  t.equal(streams, 1);
  t.ok(h.clock.nowMs() - 1_000_000 <= 10_000, "within interval + stagger");
});
