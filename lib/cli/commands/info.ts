/**
 * `disco info`: the agent's /v1/agent/self Stats, one section per subsystem,
 * in `consul info`'s layout.
 *
 * @module
 */
import type { Command } from "../command.js";
import { UsageError } from "../errors.js";

/** Formats Stats (section → key → value) as `section:` lines with tab-indented `key = value`, both sorted. */
export function formatStats(stats: Record<string, Record<string, unknown>>): string {
  const lines: string[] = [];
  for (const section of Object.keys(stats).sort()) {
    lines.push(`${section}:`);
    const values = stats[section] ?? {};
    for (const key of Object.keys(values).sort()) lines.push(`\t${key} = ${String(values[key])}`);
  }
  return lines.join("\n") + (lines.length > 0 ? "\n" : "");
}

/** `disco info`. */
export const infoCommand: Command = {
  path: ["info"],
  synopsis: "Shows debugging information about the agent (agent, raft, runtime … sections)",
  usage: "[options]",
  http: true,
  flags: [],
  async run({ io, args, client }) {
    if (args.length > 0) throw new UsageError(`info takes no arguments, got "${args[0]}"`);
    const self = await client().getJson<{ Stats?: Record<string, Record<string, unknown>> }>("/v1/agent/self");
    io.stdout(formatStats(self.Stats ?? {}));
    return 0;
  },
};
