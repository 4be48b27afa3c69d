/**
 * The command line of `disco template`, as consul-template's:
 * `-template "in.tpl:out.conf:nginx -s reload"` (repeatable), `-wait=1s:5s`,
 * `-once`, `-dry`, `-http-addr`, `-log-level`.
 *
 * @module
 */
import type { FlagSpec } from "../cli/flags.js";
import { UsageError } from "../cli/errors.js";
import { parseDuration } from "../util/duration.js";

/** One `-template` value. */
export interface TemplateSpec {
  /** The template file. */
  source: string;
  /** The file to write; undefined only with -dry. */
  destination: string | undefined;
  /** The command to run after a change. */
  command: string | undefined;
}

/** The flags `disco template` accepts. */
export const TEMPLATE_FLAGS: readonly FlagSpec[] = [
  {
    name: "template", kind: "list", placeholder: "<src:dest[:command]>",
    usage: "A template to render: its file, the file to write, and optionally a command to run (sh -c) when that file changes, "
      + "e.g. \"upstream.tpl:upstream.conf:nginx -s reload\". The command may contain colons.",
  },
  { name: "wait", kind: "string", placeholder: "<min[:max]>", usage: "Quiescence: render once changes settle for min, at most max after the first (default max 4 × min), e.g. 1s:5s." },
  { name: "once", kind: "bool", usage: "Render every template once (running its command), then exit." },
  { name: "dry", kind: "bool", usage: "Print renders to stdout (\"> destination\" then the text) instead of writing files; run no commands." },
  { name: "http-addr", kind: "string", placeholder: "<address>", usage: "The agent's HTTP address (host:port or http://host:port). Also DISCO_HTTP_ADDR, then CONSUL_HTTP_ADDR. Default 127.0.0.1:8500." },
  { name: "consul-addr", kind: "string", placeholder: "<address>", usage: "Same as -http-addr (consul-template's name)." },
  { name: "token", kind: "string", placeholder: "<token>", usage: "ACL token, sent as X-Consul-Token (accepted for compatibility; there are no ACLs yet)." },
  { name: "log-level", kind: "string", placeholder: "<level>", usage: "trace, debug, info, warn or err. Default info." },
];

/** The usage line and description. */
export const TEMPLATE_USAGE = `Usage: disco template [options]

  Renders templates (consul-template's syntax) from the agent's catalog and KV,
  re-rendering when their data change, and runs a command after each change.
  Runs until SIGINT or SIGTERM, or once with -once.
`;

/**
 * Parses `src:dest[:command]`. Only the first two colons split: the command keeps its own.
 * @throws UsageError on an empty source, or a missing destination without -dry.
 */
export function parseTemplateSpec(text: string, dry: boolean): TemplateSpec {
  const first = text.indexOf(":");
  const source = first < 0 ? text : text.slice(0, first);
  const rest = first < 0 ? undefined : text.slice(first + 1);
  const second = rest === undefined ? -1 : rest.indexOf(":");
  const destination = rest === undefined ? undefined : second < 0 ? rest : rest.slice(0, second);
  const command = rest === undefined || second < 0 ? undefined : rest.slice(second + 1);
  if (source.trim() === "") throw new UsageError(`-template "${text}": the template file is missing`);
  if (!destination && !dry) throw new UsageError(`-template "${text}": the destination is missing (want src:dest[:command])`);
  return { source, destination: destination || undefined, command: command?.trim() ? command : undefined };
}

/**
 * Parses `-wait=min[:max]` (durations such as `500ms`, `1s`).
 * @throws UsageError on a bad duration or max < min.
 */
export function parseWaitFlag(text: string): { minMs: number; maxMs: number } {
  const [minText, maxText, extra] = text.split(":");
  if (extra !== undefined) throw new UsageError(`invalid -wait "${text}": want min or min:max`);
  let minMs: number;
  let maxMs: number;
  try {
    minMs = parseDuration(minText ?? "", "wait");
    maxMs = maxText === undefined ? minMs * 4 : parseDuration(maxText, "wait");
  } catch (err) {
    throw new UsageError(`invalid -wait "${text}": ${(err as Error).message}`);
  }
  if (maxMs < minMs) throw new UsageError(`invalid -wait "${text}": max is less than min`);
  return { minMs, maxMs };
}
