/**
 * Membership operations an operator asks of an agent (Consul's
 * /v1/agent/join and /v1/agent/force-leave): both go through the agent's
 * gossip node.
 *
 * @module
 */
import type { GossipNode } from "../membership/node.js";
import { DiscoError, InvalidArgumentError, NotFoundError } from "../util/errors.js";
import type { CommandBackend } from "./backend.js";
import { GossipBackend } from "./gossip-backend.js";

/** An operation that needs the gossip pool, asked of an agent started without `bind`. Code `NOT_SUPPORTED`. */
export class GossipRequiredError extends DiscoError {
  constructor(operation: string) {
    super("NOT_SUPPORTED", `${operation} needs the gossip pool: start the agent with the bind option (disco agent -bind)`);
  }
}

/** What a force-leave did. */
export interface ForceLeaveResult {
  /** The member's status in the gossip pool when asked. */
  status: "alive" | "suspect" | "failed" | "left";
  /** Whether its node was taken out of the catalog. */
  deregistered: boolean;
  /** Whether the gossip pool was told to forget it at once (`prune` on a failed or left member). */
  pruned: boolean;
}

/** Options of {@link forceLeave}. */
export interface ForceLeaveOptions {
  /**
   * Also forget the member in every gossip member's list at once, instead of
   * at the pool's reap time (`consul force-leave -prune`).
   * @defaultValue false
   */
  prune?: boolean;
}

/**
 * Joins the gossip pool through any of `addresses` (`host:port`, default port 8301).
 * @returns how many answered.
 * @throws GossipRequiredError without gossip;
 *   InvalidArgumentError for a bad address; JoinError when none answered.
 */
export async function joinCluster(gossip: GossipNode | undefined, addresses: string[]): Promise<number> {
  if (!gossip) throw new GossipRequiredError("joining other agents");
  if (!Array.isArray(addresses) || addresses.some((a) => typeof a !== "string" || a === "")) {
    throw new InvalidArgumentError("addresses", "must be a list of host:port strings");
  }
  return gossip.join(addresses);
}

/**
 * Consul's force-leave for a member the pool has declared failed (or that
 * left): its node is taken out of the catalog now instead of lingering as
 * critical, and the gossip pool is told it left, so every member shows it
 * "left" and stops trying to reconnect to it; with `prune` every member also
 * forgets it at once. A live member (or this agent) is left alone: it would
 * refute the leave, as in Consul.
 * @throws GossipRequiredError without gossip; InvalidArgumentError for an
 *   empty name or a non-boolean `prune`; NotFoundError when the pool knows no
 *   member by that name. When the catalog step fails the pool is not told.
 */
export async function forceLeave(
  gossip: GossipNode | undefined, backend: CommandBackend, node: string, nowMs: number, signal?: AbortSignal,
  options: ForceLeaveOptions = {},
): Promise<ForceLeaveResult> {
  if (!gossip) throw new GossipRequiredError("force-leave");
  if (typeof node !== "string" || node === "") throw new InvalidArgumentError("node", "must be a non-empty member name");
  const prune = options.prune ?? false;
  if (typeof prune !== "boolean") throw new InvalidArgumentError("prune", "must be a boolean");
  const member = gossip.member(node);
  if (!member) throw new NotFoundError(`No node found with name "${node}"`);
  if (member.status === "alive" || member.status === "suspect" || member.name === gossip.name) {
    return { status: member.status, deregistered: false, pruned: false };
  }
  let deregistered = false;
  // In gossip mode each node owns its registrations: the catalog already dropped a failed member's node.
  if (!(backend instanceof GossipBackend) && backend.catalog.state.node(node)) {
    deregistered = (await backend.propose({ op: "deregister", node, nowMs }, signal)).ok;
  }
  gossip.forceLeave(node, { prune });
  return { status: member.status, deregistered, pruned: prune };
}
