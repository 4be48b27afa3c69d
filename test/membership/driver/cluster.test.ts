import t from "tap";
import type { Member } from "../../../lib/membership/types.js";
import type { UserEvent } from "../../../lib/membership/node-types.js";
import { addr, allSeeAlive, startCluster, startNode, statusOf, waitFor } from "./helpers.js";

t.test("gossip driver: 5 members joining through one seed all see all alive, over UDP + TCP on one port", async (t) => {
  const nodes = await startCluster(t, 5);
  const names = nodes.map((n) => n.name);
  await waitFor(() => allSeeAlive(nodes, names), 10_000, "everyone alive everywhere");
  t.ok(allSeeAlive(nodes, names));
  for (const n of nodes) {
    t.equal(n.bindAddress.port, n.address.port, "UDP and TCP share the advertised port");
    t.equal(n.members().length, 5);
  }
  await waitFor(() => nodes.every((n) => n.stats().swim.probes > 0 && n.stats().udp.packetsIn > 0), 5000, "probes on every member");
  const s = nodes[0]!.stats();
  t.equal(s.members.alive, 5);
  t.ok(s.pushPull.served >= 4, "the seed answered every join push-pull");
  t.ok(s.udp.packetsIn > 0 && s.udp.packetsOut > 0, "probes and gossip flow over UDP");
  t.equal(s.crypto.rejected, 0);
});

t.test("gossip driver: events of start() reach listeners added right after it resolves; listener throws are contained", async (t) => {
  const seed = await startNode(t, "s0");
  const errors: unknown[] = [];
  const logger = { debug: () => {}, info: () => {}, warn: () => {}, error: (o: object | string) => void errors.push(o) };
  const joiner = await startNode(t, "s1", { join: [addr(seed)], logger });
  const joined: string[] = [];
  joiner.on("member-join", (m: Member) => joined.push(m.name));
  joiner.on("member-join", () => {
    throw new Error("listener bug");
  });
  await waitFor(() => joined.length >= 2, 3000, "held join events");
  t.same(joined.sort(), ["s0", "s1"], "own join and the seed's, delivered after start()");
  t.ok(errors.length >= 2, "each listener throw was logged, not rethrown");
  t.equal(await joiner.join([addr(seed)]), 1, "join() resolves with the number of seeds that answered");
});

t.test("gossip driver: a member closed abruptly is declared failed by every other member (SWIM)", async (t) => {
  const nodes = await startCluster(t, 5);
  const names = nodes.map((n) => n.name);
  await waitFor(() => allSeeAlive(nodes, names), 10_000, "convergence");
  const failed: string[] = [];
  for (const n of nodes.slice(0, 4)) n.on("member-failed", (m) => failed.push(`${n.name}:${m.name}`));
  const victim = nodes[4]!;
  const started = Date.now();
  await victim.close();
  const others = nodes.slice(0, 4);
  await waitFor(() => others.every((n) => statusOf(n, victim.name) === "failed"), 15_000, "everyone marks n4 failed");
  t.comment(`all 4 saw the failure after ${Date.now() - started} ms`);
  t.equal(failed.filter((f) => f.endsWith(":n4")).length, 4, "one member-failed event per observer");
  t.ok(others.every((n) => names.slice(0, 4).every((name) => statusOf(n, name) === "alive")), "no false positives");
});

t.test("gossip driver: a member that leaves gracefully is seen as left by all; a user event reaches all; meta updates spread", async (t) => {
  const nodes = await startCluster(t, 5);
  await waitFor(() => allSeeAlive(nodes, nodes.map((n) => n.name)), 10_000, "convergence");
  const got = new Map<string, UserEvent[]>();
  for (const n of nodes) n.on("user-event", (e) => got.set(n.name, [...(got.get(n.name) ?? []), e]));
  nodes[1]!.fireUserEvent("deploy", "v2");
  await waitFor(() => nodes.every((n) => (got.get(n.name) ?? []).length === 1), 5000, "the event everywhere");
  const e = got.get("n3")![0]!;
  t.match(e, { name: "deploy", origin: "n1" });
  t.equal(new TextDecoder().decode(e.payload), "v2");

  nodes[2]!.updateMeta({ role: "api" });
  await t.resolves(
    waitFor(() => nodes.every((n) => n.member("n2")?.meta["role"] === "api"), 5000, "meta everywhere"),
    "meta update reached every member",
  );

  const leaver = nodes[3]!;
  const leftSeen: string[] = [];
  for (const n of nodes) n.on("member-leave", (m) => leftSeen.push(`${n.name}:${m.name}`));
  await leaver.leave();
  t.equal(leaver.leave(), leaver.leave(), "leave() is idempotent");
  await waitFor(() => nodes.filter((n) => n !== leaver).every((n) => statusOf(n, "n3") === "left"), 5000, "left everywhere");
  t.ok(leftSeen.length >= 4, "member-leave events");
  t.throws(() => leaver.fireUserEvent("late"), { name: "ClosedError" }, "a member that left cannot fire events");
  await leaver.close();
  await new Promise((r) => setTimeout(r, 1500));
  t.ok(nodes.filter((n) => n !== leaver).every((n) => statusOf(n, "n3") === "left"), "left stays left (never turns into failed)");
});

t.test("gossip driver: bad arguments are typed errors naming the field; calls after close() raise ClosedError", async (t) => {
  const n = await startNode(t, "solo");
  await t.rejects(n.join([]), { name: "InvalidArgumentError", field: "addrs" });
  await t.rejects(n.join(["127.0.0.1:99999"]), { name: "InvalidArgumentError", field: "addrs[0]" });
  t.throws(() => n.fireUserEvent("", "x"), { name: "InvalidArgumentError", field: "name" });
  t.throws(() => n.fireUserEvent("big", new Uint8Array(10_000)), { name: "InvalidArgumentError", field: "payload" });
  t.throws(() => n.updateMeta({ a: 1 } as unknown as Record<string, string>), { name: "InvalidArgumentError", field: "meta" });
  t.equal(n.keyring, undefined);
  t.equal(n.label, "");
  await n.close();
  await n.close();
  t.throws(() => n.fireUserEvent("x"), { name: "ClosedError" });
  await t.rejects(n.leave(), { name: "ClosedError" });
  await t.rejects(n.join(["127.0.0.1:1"]), { name: "ClosedError" });
  t.equal(n.stats().udp.packetsOut >= 0, true, "stats still readable after close");
});
