import t from "tap";
import { harness, find, aliveOf, addrOf, type Harness } from "./helpers.js";
import { Sim, simSeed, startCluster, type SimNode } from "./sim.js";
import type { ForceLeaveMessage, MemberEvent } from "../../lib/membership/types.js";

const SEED = simSeed(20240917);

const types = (events: MemberEvent[]): string[] =>
  events.map((e) => (e.type === "user-event" ? e.type : `${e.type}:${e.member.name}`));

const forced = (node: string, incarnation: number, prune = false, from = "n1"): ForceLeaveMessage =>
  ({ type: "force-leave", node, incarnation, from, prune });

/** A harness that knows n1…n3 alive and n2 failed (declared dead by n1), with everything drained. */
function withFailedN2(): Harness {
  const h = harness();
  h.meet("n1", "n2", "n3");
  h.core.receivePacket(addrOf("n1"), [{ type: "dead", node: "n2", incarnation: 0, from: "n1" }]);
  h.core.drain();
  return h;
}

// ------------------------------------------------------------------ one core

t.test("force-leave: bad names and options are refused with a typed error, nothing queued", async (t) => {
  const h = withFailedN2();
  const before = h.core.pendingBroadcasts;
  t.throws(() => h.core.forceLeave(""), { name: "InvalidArgumentError", field: "name" });
  t.throws(() => h.core.forceLeave(5 as never), { name: "InvalidArgumentError", field: "name" });
  t.throws(() => h.core.forceLeave("x".repeat(300)), { name: "InvalidArgumentError", field: "name" });
  t.throws(() => h.core.forceLeave("self0"), { name: "InvalidArgumentError", field: "name" }, "not itself: that is leave()");
  t.throws(() => h.core.forceLeave("n2", { prune: "yes" as never }), { name: "InvalidArgumentError", field: "prune" });
  t.equal(h.core.member("n2")?.status, "failed", "nothing half-applied");
  t.equal(h.core.forceLeave("ghost"), false, "an unknown member: false");
  t.equal(h.core.pendingBroadcasts, before, "and nothing sent");
  h.core.leave();
  t.throws(() => h.core.forceLeave("n2"), { name: "ClosedError" }, "not after leave()");
});

t.test("force-leave: a failed member becomes left with one member-leave event, and the news is gossiped at its incarnation", async (t) => {
  const h = withFailedN2();
  t.equal(h.core.forceLeave("n2"), true);
  t.equal(h.core.member("n2")?.status, "left");
  t.same(types(h.core.drain().events), ["member-leave:n2"]);
  const sent = find(h.advanceAcking(5_000), "force-leave");
  t.ok(sent.length > 0, "gossiped");
  t.same(sent[0]!.msg, forced("n2", 0, false, "self0"));
  h.core.receivePacket(addrOf("n3"), [forced("n2", 0, false, "n3")]);
  h.core.receivePacket(addrOf("n3"), [{ type: "dead", node: "n2", incarnation: 0, from: "n3" }]);
  t.equal(h.core.member("n2")?.status, "left", "an echo or a late failure does not undo it");
  t.same(types(h.core.drain().events), [], "member-leave only once");
  t.equal(h.core.forceLeave("n2"), true, "asking again about a left member still spreads it");
  t.same(types(h.core.drain().events), []);
});

t.test("force-leave: with prune the member is forgotten at once, here and by a receiver", async (t) => {
  const h = withFailedN2();
  t.equal(h.core.forceLeave("n2", { prune: true }), true);
  t.equal(h.core.member("n2"), undefined, "gone");
  t.same(h.core.members().map((m) => m.name).sort(), ["n1", "n3", "self0"]);
  t.same(types(h.core.drain().events), ["member-leave:n2"], "a failed member is reported left before it is forgotten");
  t.same(find(h.advanceAcking(5_000), "force-leave")[0]?.msg, forced("n2", 0, true, "self0"));
  t.equal(h.core.forceLeave("n2"), false, "then unknown");

  const r = withFailedN2();
  r.core.receivePacket(addrOf("n1"), [{ type: "dead", node: "n3", incarnation: 0, from: "n3" }]);
  r.core.drain();
  r.core.receivePacket(addrOf("n1"), [forced("n2", 0, true), forced("n3", 0, true)]);
  t.equal(r.core.member("n2"), undefined, "a failed member is forgotten");
  t.equal(r.core.member("n3"), undefined, "so is a left one");
  t.same(types(r.core.drain().events), ["member-leave:n2"], "only the failed one was news");
  t.same(find(r.advanceAcking(5_000), "force-leave").map((s) => s.msg.node).sort().filter((v, i, a) => a.indexOf(v) === i), ["n2", "n3"], "both relayed");
  r.advanceAcking(60_000);
  t.same(r.core.members().map((m) => m.name).sort(), ["n1", "self0"], "probing goes on without them");
});

t.test("force-leave: stale or pointless news is not applied nor relayed", async (t) => {
  const h = withFailedN2();
  h.core.receivePacket(addrOf("n2"), [aliveOf("n2", 3)]);
  h.core.receivePacket(addrOf("n1"), [{ type: "dead", node: "n2", incarnation: 3, from: "n1" }]);
  h.core.drain();
  h.advanceAcking(30_000);
  h.core.receivePacket(addrOf("n1"), [forced("n2", 2), forced("ghost", 0)]);
  t.equal(h.core.member("n2")?.status, "failed", "a force-leave older than the member's incarnation is ignored");
  t.equal(h.core.member("ghost"), undefined);
  t.same(find(h.advanceAcking(5_000), "force-leave"), [], "nothing relayed");
});

t.test("force-leave: a member that hears it about itself refutes with a higher incarnation (Serf)", async (t) => {
  const h = harness();
  h.meet("n1");
  h.core.drain();
  h.core.receivePacket(addrOf("n1"), [forced("self0", 0)]);
  t.equal(h.core.incarnation, 1, "outbid");
  t.equal(h.core.member("self0")?.status, "alive");
  t.equal(h.core.stats.refutations, 1);
  const alive = find(h.advanceAcking(5_000), "alive").filter((a) => a.msg.node === "self0");
  t.ok(alive.some((a) => a.msg.incarnation === 1), "its alive is gossiped");
  t.same(find(h.packets(), "force-leave"), [], "it does not pass the force-leave on");
  h.core.receivePacket(addrOf("n1"), [forced("self0", 0)]);
  t.equal(h.core.incarnation, 1, "an older one is not worth refuting");
});

t.test("force-leave: a live member is left alive but remembered; if it then fails it is recorded left (Serf's leaving)", async (t) => {
  const h = harness();
  h.meet("n1", "n2");
  h.core.drain();
  h.core.receivePacket(addrOf("n1"), [forced("n2", 0)]);
  t.equal(h.core.member("n2")?.status, "alive", "not changed: it may refute");
  t.same(types(h.core.drain().events), []);
  t.same(find(h.packets().concat(h.advanceAcking(3_000)), "force-leave").map((s) => s.msg.node).slice(0, 1), ["n2"], "relayed so that n2 can hear it");
  h.advanceAcking(30_000);
  h.core.receivePacket(addrOf("n3"), [forced("n2", 0)]);
  t.same(find(h.advanceAcking(5_000), "force-leave"), [], "the same news again is not relayed (no endless echo)");
  h.core.receivePacket(addrOf("n1"), [{ type: "suspect", node: "n2", incarnation: 0, from: "n1" }]);
  h.events.length = 0;
  h.advanceAcking(60_000); // the suspicion times out: no refutation came
  t.equal(h.core.member("n2")?.status, "left");
  t.same(types(h.events), ["member-leave:n2"], "a leave, not a failure");
});

t.test("force-leave: a prune intent forgets the member when it fails; a refutation cancels an intent", async (t) => {
  const h = harness();
  h.meet("n1", "n2", "n3");
  h.core.drain();
  h.core.receivePacket(addrOf("n1"), [forced("n2", 0, false), forced("n2", 0, true), forced("n3", 0, true)]);
  t.equal(find(h.packets().concat(h.advanceAcking(3_000)), "force-leave").filter((s) => s.msg.node === "n2" && s.msg.prune).length > 0, true, "upgrading to prune is news");
  h.core.receivePacket(addrOf("n1"), [{ type: "dead", node: "n2", incarnation: 0, from: "n1" }]);
  t.equal(h.core.member("n2"), undefined, "failed under a prune intent: forgotten");
  h.core.receivePacket(addrOf("n3"), [aliveOf("n3", 1)]);
  h.core.receivePacket(addrOf("n1"), [{ type: "dead", node: "n3", incarnation: 1, from: "n1" }]);
  t.equal(h.core.member("n3")?.status, "failed", "n3 refuted the force-leave, so its later death is a failure");
  t.same(types(h.core.drain().events), ["member-leave:n2", "member-failed:n3"]);
});

// ------------------------------------------------------------------ seeded simulation

function sawEvent(nodes: SimNode[], type: MemberEvent["type"], subject: string): string[] {
  return nodes.filter((n) => n.events.some((e) => e.event.type === type && e.event.member.name === subject)).map((n) => n.name);
}

function leaveEvents(node: SimNode, subject: string): number {
  return node.events.filter((e) => e.event.type === "member-leave" && e.event.member.name === subject).length;
}

t.test(`sim: force-leave turns a failed member left on every member, once, and it stays left (seed ${SEED})`, async (t) => {
  const sim = new Sim({ seed: SEED });
  const nodes = startCluster(sim, 6);
  t.ok(sim.runUntilTrue(() => sim.converged(), 60_000) !== undefined, "converged");
  sim.kill(nodes[4]!);
  t.ok(sim.runUntilTrue(() => sim.allSee("m4", "failed"), 120_000) !== undefined, "everyone sees m4 failed");
  let result = false;
  sim.act(nodes[1]!, (c) => (result = c.forceLeave("m4")));
  t.equal(result, true);
  const took = sim.runUntilTrue(() => sim.allSee("m4", "left"), 30_000, 50);
  t.ok(took !== undefined, `all see m4 left after ${took} ms`);
  sim.runFor(120_000); // reconnect and push-pull rounds
  t.ok(sim.allSee("m4", "left"), "and stay so");
  t.same(sim.live().map((n) => leaveEvents(n, "m4")), [1, 1, 1, 1, 1], "one member-leave on each member");
  t.ok(sim.converged(), "nobody else affected");
});

t.test(`sim: force-leave -prune removes a failed member from every member's list (seed ${SEED})`, async (t) => {
  const sim = new Sim({ seed: SEED + 1 });
  const nodes = startCluster(sim, 6);
  sim.runUntilTrue(() => sim.converged(), 60_000);
  sim.kill(nodes[2]!);
  t.ok(sim.runUntilTrue(() => sim.allSee("m2", "failed"), 120_000) !== undefined, "declared failed");
  sim.act(nodes[0]!, (c) => c.forceLeave("m2", { prune: true }));
  const gone = (): boolean => sim.live().every((n) => n.core.member("m2") === undefined);
  const took = sim.runUntilTrue(gone, 30_000, 50);
  t.ok(took !== undefined, `gone from every list after ${took} ms`);
  sim.runFor(120_000);
  t.ok(gone(), "and it does not come back through push-pull");
  t.same(sim.live().map((n) => n.core.members().length), [5, 5, 5, 5, 5]);
});

t.test(`sim: force-leave of a live member: it refutes and stays alive everywhere (seed ${SEED})`, async (t) => {
  const sim = new Sim({ seed: SEED + 2 });
  const nodes = startCluster(sim, 5);
  sim.runUntilTrue(() => sim.converged(), 60_000);
  const target = nodes[3]!;
  const before = target.core.incarnation;
  sim.act(nodes[1]!, (c) => c.forceLeave("m3"));
  const took = sim.runUntilTrue(() => sim.live().every((n) => n.core.member("m3")!.incarnation > before), 30_000, 50);
  t.ok(took !== undefined, `every member learned the refutation after ${took} ms`);
  t.ok(target.core.incarnation > before, "it outbid the force-leave");
  sim.runFor(60_000);
  t.ok(sim.converged(), "alive everywhere");
  t.same(sawEvent(nodes, "member-leave", "m3"), [], "nobody ever saw it leave");
  t.same(sawEvent(nodes, "member-failed", "m3"), [], "nor fail");
});

t.test(`sim: a force-left member that was only cut off refutes after the heal and is alive everywhere again (seed ${SEED})`, async (t) => {
  const sim = new Sim({ seed: SEED + 3 });
  const nodes = startCluster(sim, 5);
  sim.runUntilTrue(() => sim.converged(), 60_000);
  const victim = nodes[2]!;
  const rest = nodes.filter((n) => n !== victim);
  sim.partition([[victim], rest]);
  t.ok(sim.runUntilTrue(() => sim.allSee("m2", "failed", rest), 120_000) !== undefined, "the others declare it failed");
  sim.act(nodes[0]!, (c) => c.forceLeave("m2"));
  t.ok(sim.runUntilTrue(() => sim.allSee("m2", "left", rest), 30_000, 50) !== undefined, "then left");
  sim.heal();
  const back = sim.runUntilTrue(() => sim.converged(), 120_000);
  t.ok(back !== undefined, `alive everywhere ${back} ms after the heal`);
});
