/**
 * Small commands: keygen, version, reload, event, and the placeholders for
 * commands that belong to later work (template, run).
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




