/**
 * Small commands: keygen, version, reload, event and maint.
 *
 * @module
 */
import { randomBytes } from "node:crypto";
import type { Command } from "../command.js";
import { UsageError } from "../errors.js";
import { readValueArg } from "../io.js";
import { cliVersion } from "../version.js";

/** Bytes of a gossip encryption key (AES-256, as Consul's keygen). */
const GOSSIP_KEY_BYTES = 32;

function noArgs(args: string[], command: string): void {
  if (args.length > 0) throw new UsageError(`${command} takes no arguments, got "${args[0]}"`);
}

/** `disco keygen`. */
export const keygenCommand: Command = {
  path: ["keygen"],
  synopsis: "Generates a new gossip encryption key (base64 of 32 random bytes)",
  usage: "",
  http: false,
  flags: [],
  async run({ io, args }) {
    noArgs(args, "keygen");
    io.stdout(`${randomBytes(GOSSIP_KEY_BYTES).toString("base64")}\n`);
    return 0;
  },
};

/** `disco version`. */
export const versionCommand: Command = {
  path: ["version"],
  synopsis: "Prints the disco version",
  usage: "",
  http: false,
  flags: [],
  async run({ io, args }) {
    noArgs(args, "version");
    io.stdout(`disco v${cliVersion()}\nConsul-compatible HTTP API: v1\n`);
    return 0;
  },
};

/** `disco reload`. */
export const reloadCommand: Command = {
  path: ["reload"],
  synopsis: "Tells the agent to reload its configuration files",
  usage: "[options]",
  http: true,
  flags: [],
  async run({ io, args, client }) {
    noArgs(args, "reload");
    await client().request("PUT", "/v1/agent/reload");
    io.stdout("Configuration reload triggered\n");
    return 0;
  },
};

/** `disco event`. */
export const eventCommand: Command = {
  path: ["event"],
  synopsis: "Fires a user event across the cluster",
  usage: "[options] [PAYLOAD]",
  help: "PAYLOAD is the payload itself, @FILE or - for stdin.",
  http: true,
  flags: [
    { name: "name", kind: "string", placeholder: "<name>", usage: "The event name (required)." },
    { name: "node", kind: "string", placeholder: "<regex>", usage: "Only nodes whose name matches." },
    { name: "service", kind: "string", placeholder: "<regex>", usage: "Only nodes running a matching service." },
    { name: "tag", kind: "string", placeholder: "<regex>", usage: "With -service, only instances with a matching tag." },
  ],
  async run({ io, flags, args, client }) {
    const name = flags.string("name");
    if (!name) throw new UsageError("-name is required");
    if (args.length > 1) throw new UsageError(`too many arguments (expected 0 or 1, got ${args.length})`);
    const payload = args.length === 1 ? await readValueArg(io, args[0]!, "PAYLOAD") : undefined;
    const res = await client().request("PUT", `/v1/event/fire/${encodeURIComponent(name)}`, {
      body: payload, query: { node: flags.string("node"), service: flags.string("service"), tag: flags.string("tag") },
    });
    io.stdout(`Event ID: ${res.json<{ ID?: string }>().ID ?? ""}\n`);
    return 0;
  },
};

/** Check ID of node maintenance, and the prefix of a service's (Consul's). */
const NODE_MAINT_CHECK = "_node_maintenance";
const SERVICE_MAINT_PREFIX = "_service_maintenance:";

/** What `disco maint` lists from /v1/agent/checks. */
interface MaintCheckJson {
  CheckID: string;
  Node: string;
  ServiceID: string;
  Notes: string;
}

/** The maintenance checks of the agent, in `consul maint`'s layout ("" when none). */
function formatMaintenance(checks: MaintCheckJson[]): string {
  const blocks: string[] = [];
  for (const c of checks) {
    if (c.CheckID === NODE_MAINT_CHECK) blocks.push(`Node:\n  Name:   ${c.Node}\n  Reason: ${c.Notes}\n`);
  }
  for (const c of checks) {
    if (c.CheckID.startsWith(SERVICE_MAINT_PREFIX)) blocks.push(`Service:\n  ID:     ${c.ServiceID}\n  Reason: ${c.Notes}\n`);
  }
  return blocks.join("\n");
}

/** `disco maint`. */
export const maintCommand: Command = {
  path: ["maint"],
  synopsis: "Controls node or service maintenance mode",
  usage: "[options]",
  help: "Without -enable or -disable, lists what is in maintenance. A node or service in maintenance\n"
    + "leaves every passing-only answer (DNS, resolvers, ?passing) until maintenance is disabled.",
  http: true,
  flags: [
    { name: "enable", kind: "bool", usage: "Enables maintenance mode." },
    { name: "disable", kind: "bool", usage: "Disables maintenance mode." },
    { name: "reason", kind: "string", placeholder: "<text>", usage: "Why (with -enable); shown in the check's notes." },
    { name: "service", kind: "string", placeholder: "<id>", usage: "A service ID of the agent instead of the whole node." },
  ],
  async run({ io, flags, args, client }) {
    noArgs(args, "maint");
    const enable = flags.bool("enable");
    const disable = flags.bool("disable");
    if (enable && disable) throw new UsageError("only one of -enable or -disable may be given");
    if (flags.has("reason") && !enable) throw new UsageError("-reason may only be given with -enable");
    const service = flags.string("service");
    if (service === "") throw new UsageError("-service needs a service ID");
    const api = client();
    if (!enable && !disable) {
      if (service !== undefined) throw new UsageError("-service needs -enable or -disable");
      const checks = await api.getJson<Record<string, MaintCheckJson>>("/v1/agent/checks");
      io.stdout(formatMaintenance(Object.values(checks)));
      return 0;
    }
    // Spelled out: the client sends `true` as a bare flag, and the agent wants a value.
    const query = { enable: enable ? "true" : "false", reason: enable ? flags.string("reason") : undefined };
    if (service !== undefined) {
      await api.request("PUT", `/v1/agent/service/maintenance/${encodeURIComponent(service)}`, { query });
      io.stdout(`Service ${enable ? "entered" : "left"} maintenance mode: ${service}\n`);
    } else {
      await api.request("PUT", "/v1/agent/maintenance", { query });
      io.stdout(enable ? "Node entered maintenance mode\n" : "Node left maintenance mode\n");
    }
    return 0;
  },
};
