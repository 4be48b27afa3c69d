/**
 * `disco operator raft list-peers|remove-peer`.
 *
 * @module
 */
import type { AgentClient } from "../client.js";
import type { Command } from "../command.js";
import { EndpointMissingError, UsageError } from "../errors.js";
import { formatTable } from "../table.js";

/** Raft protocol version shown for peers when the agent does not say (hashicorp/raft's current). */
const RAFT_PROTOCOL = "3";

interface RaftServer {
  Node: string;
  ID: string;
  Address: string;
  Leader: boolean;
  Voter: boolean;
  ProtocolVersion?: string;
}

/**
 * The peers from /v1/operator/raft/configuration, or, on an agent without
 * that endpoint, from /v1/status/peers and /v1/status/leader (node names are
 * then known only for a lone server: the agent asked).
 */
async function raftServers(api: AgentClient): Promise<RaftServer[]> {
  try {
    return (await api.getJson<{ Servers: RaftServer[] }>("/v1/operator/raft/configuration")).Servers;
  } catch (err) {
    if (!(err instanceof EndpointMissingError)) throw err;
  }
  const [peers, leader, self] = await Promise.all([
    api.getJson<string[]>("/v1/status/peers"),
    api.getJson<string>("/v1/status/leader"),
    api.getJson<{ Config?: { NodeName?: string; NodeID?: string; Server?: boolean } }>("/v1/agent/self"),
  ]);
  const lone = peers.length === 1 && self.Config?.Server === true;
  return peers.map((address) => ({
    Node: lone ? self.Config?.NodeName ?? "(unknown)" : "(unknown)",
    ID: lone ? self.Config?.NodeID || address : address,
    Address: address, Leader: address === leader, Voter: true,
  }));
}

/** `disco operator raft list-peers`. */
export const raftListPeersCommand: Command = {
  path: ["operator", "raft", "list-peers"],
  synopsis: "Lists the Raft peers",
  usage: "[options]",
  http: true,
  flags: [],
  async run({ io, args, client }) {
    if (args.length > 0) throw new UsageError(`list-peers takes no arguments, got "${args[0]}"`);
    const servers = await raftServers(client());
    const rows = servers.map((s) => [
      s.Node, s.ID, s.Address, s.Leader ? "leader" : "follower", String(s.Voter), s.ProtocolVersion ?? RAFT_PROTOCOL,
    ]);
    io.stdout(formatTable([["Node", "ID", "Address", "State", "Voter", "RaftProtocol"], ...rows]));
    return 0;
  },
};

/** `disco operator raft remove-peer`. */
export const raftRemovePeerCommand: Command = {
  path: ["operator", "raft", "remove-peer"],
  synopsis: "Removes a server from the Raft configuration",
  usage: "[options]",
  http: true,
  flags: [
    { name: "address", kind: "string", placeholder: "<host:port>", usage: "The peer's Raft address." },
    { name: "id", kind: "string", placeholder: "<id>", usage: "The peer's Raft ID." },
  ],
  async run({ io, flags, args, client }) {
    if (args.length > 0) throw new UsageError(`remove-peer takes no arguments, got "${args[0]}"`);
    const address = flags.string("address");
    const id = flags.string("id");
    if ((address === undefined) === (id === undefined)) throw new UsageError("give exactly one of -address or -id");
    await client().request("DELETE", "/v1/operator/raft/peer", { query: { address, id } });
    io.stdout(id !== undefined ? `Removed peer with id "${id}"\n` : `Removed peer with address "${address}"\n`);
    return 0;
  },
};
