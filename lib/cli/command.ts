/**
 * What a command is, the flags every HTTP command shares, and the help text
 * built from a command's description.
 *
 * @module
 */
import { AgentClient, resolveHttpAddress } from "./client.js";
import { flagHelp, type FlagSpec, type FlagValues } from "./flags.js";
import type { CliIo } from "./io.js";

/** What a command's `run` receives. */
export interface CommandContext {
  io: CliIo;
  flags: FlagValues;
  /** Arguments after the flags. */
  args: string[];
  /** A client for the agent chosen by -http-addr / DISCO_HTTP_ADDR / CONSUL_HTTP_ADDR. */
  client(options?: { signal?: AbortSignal }): AgentClient;
}

/** One `disco` command. */
export interface Command {
  /** Words that select it, e.g. `["kv", "get"]`. */
  readonly path: readonly string[];
  /** One line for the command list. */
  readonly synopsis: string;
  /** The arguments part of the usage line, e.g. `"[options] KEY"`. */
  readonly usage: string;
  /** Longer description (paragraphs). */
  readonly help?: string;
  readonly flags: readonly FlagSpec[];
  /** The command parses its own arguments: `run` receives them untouched in `args`. */
  readonly passThrough?: boolean;
  /** Whether the command talks to an agent (adds {@link HTTP_FLAGS}). */
  readonly http: boolean;
  /** Runs it; resolves the exit code. Throws typed errors, which the dispatcher prints. */
  run(ctx: CommandContext): Promise<number>;
}

/** Flags every command that talks to an agent accepts, as Consul's. */
export const HTTP_FLAGS: readonly FlagSpec[] = [
  {
    name: "http-addr", kind: "string", placeholder: "<address>",
    usage: "The agent's HTTP address (host:port or http://host:port). Also DISCO_HTTP_ADDR, then CONSUL_HTTP_ADDR. Default 127.0.0.1:8500.",
  },
  { name: "datacenter", kind: "string", placeholder: "<dc>", usage: "Name of the datacenter to query (default: the agent's)." },
  { name: "token", kind: "string", placeholder: "<token>", usage: "ACL token, sent as X-Consul-Token (accepted for compatibility; there are no ACLs yet)." },
];

/** Every flag a command accepts. */
export function commandFlags(command: Command): FlagSpec[] {
  return command.http ? [...command.flags, ...HTTP_FLAGS] : [...command.flags];
}

/** Builds the context's client factory from the parsed flags. */
export function clientFactory(io: CliIo, flags: FlagValues): CommandContext["client"] {
  return (options = {}) => new AgentClient(resolveHttpAddress(flags.string("http-addr"), io.env), {
    signal: options.signal,
    datacenter: flags.string("datacenter"),
    token: flags.string("token") ?? io.env["DISCO_HTTP_TOKEN"] ?? io.env["CONSUL_HTTP_TOKEN"],
  });
}

/** The full help of one command. */
export function commandHelp(command: Command): string {
  const parts = [`Usage: disco ${command.path.join(" ")} ${command.usage}`.trimEnd(), "", `  ${command.synopsis}`];
  if (command.help) parts.push("", command.help.split("\n").map((l) => (l ? `  ${l}` : l)).join("\n"));
  if (command.flags.length > 0) parts.push("", "Command Options:", "", flagHelp(command.flags));
  if (command.http) parts.push("", "HTTP API Options:", "", flagHelp(HTTP_FLAGS));
  return parts.join("\n") + "\n";
}
