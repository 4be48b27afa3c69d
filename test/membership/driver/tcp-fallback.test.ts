import t from "tap";
import { generateKey } from "../../../lib/transport/keyring.js";
import { allSeeAlive, startCluster, statusOf, waitFor } from "./helpers.js";

const settle = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

t.test("gossip driver: a member that drops every inbound UDP packet stays alive through TCP pings (memberlist FallbackTCP)", async (t) => {
  // Encrypted and labelled: the TCP ping is sealed exactly like push-pull. A 1 s probe period leaves the
  // TCP ping 800 ms on a loaded machine; suspicion then takes at least 3 s (3 · max(1, log10 3) · 1 s).
  const slow = { encrypt: generateKey(), label: "fw", probeIntervalMs: 1000, probeTimeoutMs: 200, pushPullIntervalMs: 1000 };
  const nodes = await startCluster(t, 3, slow, "tp");
  const names = nodes.map((n) => n.name);
  await waitFor(() => allSeeAlive(nodes, names), 10_000, "convergence");
  const [a, b, walled] = nodes as [typeof nodes[0], typeof nodes[0], typeof nodes[0]];
  const failed: string[] = [];
  for (const n of [a, b]) n.on("member-failed", (m) => m.name === walled.name && failed.push(n.name));
  walled.setPacketFilter(() => false);
  await settle(5000);
  t.same(failed, [], "nobody declared it failed in five probe periods");
  t.equal(statusOf(a, walled.name), "alive");
  t.equal(statusOf(b, walled.name), "alive");
  t.ok(walled.stats().tcpPing.served > 0, "the walled member answered TCP pings");
  t.ok(a.stats().tcpPing.acked + b.stats().tcpPing.acked > 0, "and the others counted their acks");
  t.ok(walled.stats().tcpPing.acked > 0, "its own probes, whose UDP acks it drops, were saved the same way");
  t.ok(a.stats().swim.tcpPingAcks + b.stats().swim.tcpPingAcks > 0, "the core saw the TCP acks");
  walled.setPacketFilter(undefined);
});

t.test("gossip driver: with tcpFallbackPing off the same member is suspected and declared failed", async (t) => {
  const nodes = await startCluster(t, 3, { tcpFallbackPing: false }, "np");
  const names = nodes.map((n) => n.name);
  await waitFor(() => allSeeAlive(nodes, names), 10_000, "convergence");
  const [a, b, walled] = nodes as [typeof nodes[0], typeof nodes[0], typeof nodes[0]];
  walled.setPacketFilter(() => false);
  await waitFor(() => statusOf(a, walled.name) === "failed" && statusOf(b, walled.name) === "failed", 15_000, "the walled member to be declared failed");
  t.equal(a.stats().tcpPing.sent + b.stats().tcpPing.sent, 0, "no TCP ping was sent");
});
