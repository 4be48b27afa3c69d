/**
 * `disco members`, `join`, `leave`, `force-leave`: the cluster's membership
 * as the local agent sees it.
 *
 * @module
 */
import type { Command } from "../command.js";
import { UsageError } from "../errors.js";
import { formatTable } from "../table.js";

/** A member as /v1/agent/members answers it (Serf's shape). */
interface MemberJson {
  Name: string;
  Addr: string;
  Port: number;
  Tags?: Record<string, string>;
  Status: number;
  ProtocolCur?: number;
}

/** Serf's member status numbers. */
const STATUS_NAMES: Record<number, string> = { 0: "none", 1: "alive", 2: "leaving", 3: "left", 4: "failed" };

function memberType(tags: Record<string, string>): string {
  // Consul marks servers with role=consul; a disco node in dev mode is its own server.
  if (tags["role"] === "consul" || tags["role"] === "server" || tags["mode"] === "dev") return "server";
  return "client";
}

function address(m: MemberJson): string {
  const host = m.Addr.includes(":") ? `[${m.Addr}]` : m.Addr;
  return `${host}:${m.Port}`;
}

/** `disco members`. */
export const membersCommand: Command = {
  path: ["members"],
  synopsis: "Lists the members of the cluster",
  usage: "[options]",
  http: true,
  flags: [
    { name: "detailed", kind: "bool", usage: "Shows every member's tags instead of Type/Build/Protocol/DC." },
    { name: "status", kind: "string", placeholder: "<regex>", usage: "Only members whose status matches this regular expression (alive, left, failed …)." },
    { name: "wan", kind: "bool", usage: "Lists the WAN pool: the servers of every datacenter (ask a server)." },
  ],
  async run({ io, flags, args, client }) {
    if (args.length > 0) throw new UsageError(`members takes no arguments, got "${args[0]}"`);
    let statusFilter: RegExp | undefined;
    try {
      statusFilter = flags.has("status") ? new RegExp(flags.string("status")!) : undefined;
    } catch (err) {
      throw new UsageError(`invalid -status regular expression: ${(err as Error).message}`);
    }
    const api = client();
    const members = (await api.getJson<MemberJson[]>("/v1/agent/members", { wan: flags.bool("wan") }))
      .map((m) => ({ ...m, Tags: m.Tags ?? {}, statusName: STATUS_NAMES[m.Status] ?? "unknown" }))
      .filter((m) => !statusFilter || statusFilter.test(m.statusName))
      .sort((a, b) => a.Name.localeCompare(b.Name));
    if (members.length === 0) return statusFilter ? 2 : 0; // Consul: nothing matched the filter → exit 2
    if (flags.bool("detailed")) {
      const rows = members.map((m) => [m.Name, address(m), m.statusName,
        Object.entries(m.Tags).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => `${k}=${v}`).join(",")]);
      io.stdout(formatTable([["Node", "Address", "Status", "Tags"], ...rows]));
      return 0;
    }
    // Members carry no build tag in dev mode: show the agent's own version instead.
    const needsVersion = members.some((m) => !m.Tags["build"]);
    const version = needsVersion
      ? (await api.getJson<{ Config?: { Version?: string } }>("/v1/agent/self")).Config?.Version ?? ""
      : "";
    const rows = members.map((m) => [
      m.Name, address(m), m.statusName, memberType(m.Tags), (m.Tags["build"] ?? version).split(":")[0]!,
      String(m.ProtocolCur ?? ""), m.Tags["dc"] ?? "",
    ]);
    io.stdout(formatTable([["Node", "Address", "Status", "Type", "Build", "Protocol", "DC"], ...rows]));
    return 0;
  },
};

/** `disco join`. */
export const joinCommand: Command = {
  path: ["join"],
  synopsis: "Tells the agent to join a cluster",
  usage: "[options] ADDRESS ...",
  http: true,
  flags: [{ name: "wan", kind: "bool", usage: "Joins the WAN pool (servers only)." }],
  async run({ io, flags, args, client }) {
    if (args.length === 0) throw new UsageError("at least one address to join is required");
    const api = client();
    let joined = 0;
    let lastError: unknown;
    for (const addr of args) {
      try {
        await api.request("PUT", `/v1/agent/join/${encodeURIComponent(addr)}`, { query: { wan: flags.bool("wan") } });
        joined++;
      } catch (err) {
        lastError = err;
        io.stderr(`Error joining address '${addr}': ${(err as Error).message}\n`);
      }
    }
    if (joined === 0) throw lastError instanceof Error ? lastError : new Error("failed to join any nodes");
    io.stdout(`Successfully joined cluster by contacting ${joined} nodes.\n`);
    return 0;
  },
};

/** `disco leave`. */
export const leaveCommand: Command = {
  path: ["leave"],
  synopsis: "Gracefully leaves the cluster and shuts the agent down",
  usage: "[options]",
  http: true,
  flags: [],
  async run({ io, args, client }) {
    if (args.length > 0) throw new UsageError(`leave takes no arguments, got "${args[0]}"`);
    await client().request("PUT", "/v1/agent/leave");
    io.stdout("Graceful leave complete\n");
    return 0;
  },
};

/** `disco force-leave`. */
export const forceLeaveCommand: Command = {
  path: ["force-leave"],
  synopsis: "Forces a member of the cluster to enter the \"left\" state",
  usage: "[options] NODE",
  http: true,
  flags: [{ name: "prune", kind: "bool", usage: "Removes the node from the member list entirely." }],
  async run({ flags, args, client }) {
    if (args.length !== 1) throw new UsageError("exactly one node name is required");
    await client().request("PUT", `/v1/agent/force-leave/${encodeURIComponent(args[0]!)}`, { query: { prune: flags.bool("prune") } });
    return 0;
  },
};
