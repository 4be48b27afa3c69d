/**
 * /v1/agent/self: this agent's configuration and stats as it really is —
 * server or client, its Raft state, peers and indexes, the datacenters it
 * knows — in Consul's shape (`disco info` prints the stats).
 *
 * @module
 */
import { describeRole, type RoleInfo } from "../../agent/self-info.js";
import type { HttpApiContext } from "./context.js";
import { memberJson } from "./consul-json.js";
import { sendJson } from "./request.js";
import type { Route } from "./router.js";

type Section = Record<string, string>;

/** Consul's `consul` section: role, leadership, and what the agent knows of the cluster. */
function consulStats(ctx: HttpApiContext, role: RoleInfo): Section {
  const known = String(ctx.agent.datacenters().length);
  if (!role.server) return { server: "false", known_servers: String(role.knownServers), known_datacenters: known };
  return {
    server: "true", leader: String(role.isLeader), leader_addr: ctx.agent.raft.leader()?.address ?? "", known_datacenters: known,
  };
}

/** Consul's `raft` section; servers only, as in Consul. */
function raftStats(ctx: HttpApiContext, role: RoleInfo): Section | undefined {
  const r = role.raft;
  if (!r) return undefined;
  const contact = ctx.backend.leaderContact();
  return {
    state: r.state, term: String(r.term), num_peers: String(Math.max(0, r.voters.length - 1)),
    applied_index: String(r.appliedIndex), commit_index: String(r.commitIndex),
    last_log_index: String(r.lastLogIndex), last_log_term: String(r.lastLogTerm),
    last_contact: !contact.knownLeader ? "never" : role.isLeader ? "0" : `${contact.lastContactMs}ms`,
    protocol_version: "3",
  };
}

/** Consul's `serf_lan` section from the members this agent sees. */
function serfStats(ctx: HttpApiContext): Section {
  const members = ctx.agent.members();
  const count = (status: string): string => String(members.filter((m) => m.status === status).length);
  return { members: String(members.length), failed: count("failed"), left: count("left") };
}

/** The /v1/agent/self route. */
export const agentSelfRoutes: Route[] = [
  {
    method: "GET", pattern: "/v1/agent/self",
    handler: async (ctx, _req, res) => {
      const state = ctx.backend.catalog.state;
      const node = ctx.agent.node;
      const self = state.node(node);
      const role = describeRole(ctx.backend);
      const member = ctx.agent.members().find((m) => m.name === node);
      const raft = raftStats(ctx, role);
      sendJson(res, 200, {
        Config: {
          Datacenter: ctx.agent.datacenter, NodeName: node, NodeID: self?.id ?? "",
          Server: role.server, Revision: "disco", Version: ctx.version,
        },
        Member: member ? memberJson(member) : null,
        Meta: self?.meta ?? {},
        Stats: {
          agent: { checks: String(state.nodeChecks(node).length), services: String(state.nodeServices(node).length) },
          consul: consulStats(ctx, role),
          ...(raft ? { raft } : {}),
          serf_lan: serfStats(ctx),
          runtime: { os: process.platform, arch: process.arch, version: process.version, goroutines: "0", max_procs: "1" },
          disco: { mode: ctx.agent.mode, version: ctx.version },
        },
      });
    },
  },
];
