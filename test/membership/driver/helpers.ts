/** Helpers for the gossip driver tests: small real-socket clusters on 127.0.0.1 with fast timings. */
import type { Test } from "tap";
import { GossipNode } from "../../../lib/membership/node.js";
import type { GossipNodeOptions } from "../../../lib/membership/node-options.js";
import type { MemberStatus } from "../../../lib/membership/types.js";
export { waitFor } from "../../agent/helpers.js";

/**
 * LOCAL profile with a 500 ms probe interval: a closed member is declared
 * failed within a few seconds (suspicion min = 3 · max(1, log10 n) · 500 ms).
 * LOCAL's retransmitMult of 2 gives a broadcast only 2 sends in a 5-member
 * cluster, so one member can miss a join until the next push-pull; LAN's 4
 * and a 3 s push-pull keep the convergence waits short and steady.
 */
export const FAST: Partial<GossipNodeOptions> = Object.freeze({
  profile: "local",
  probeIntervalMs: 500,
  probeTimeoutMs: 150,
  gossipIntervalMs: 50,
  retransmitMult: 4,
  pushPullIntervalMs: 3000,
  pushPullTimeoutMs: 2000,
  leaveTimeoutMs: 2000,
});

/** Starts one node on 127.0.0.1:0, closed at teardown. */
export async function startNode(t: Test, name: string, extra: Partial<GossipNodeOptions> = {}): Promise<GossipNode> {
  const node = await GossipNode.start({ ...FAST, name, bind: { host: "127.0.0.1", port: 0 }, ...extra });
  t.teardown(() => node.close());
  return node;
}

/** The seed's `host:port`. */
export const addr = (n: GossipNode): string => `${n.address.address}:${n.address.port}`;

/** Starts `count` nodes; every one after the first joins through the first. */
export async function startCluster(t: Test, count: number, extra: Partial<GossipNodeOptions> = {}, prefix = "n"): Promise<GossipNode[]> {
  const seed = await startNode(t, `${prefix}0`, extra);
  const rest = await Promise.all(Array.from({ length: count - 1 }, (_, i) => startNode(t, `${prefix}${i + 1}`, { ...extra, join: [addr(seed)] })));
  return [seed, ...rest];
}

/** What `viewer` believes about `name`'s status. */
export const statusOf = (viewer: GossipNode, name: string): MemberStatus | undefined => viewer.member(name)?.status;

/** True when every node sees every name in `names` alive. */
export function allSeeAlive(nodes: GossipNode[], names: string[]): boolean {
  return nodes.every((n) => names.every((name) => statusOf(n, name) === "alive"));
}
