/**
 * Every `disco` command, and the groups (kv, catalog, operator raft …) whose
 * help lists their subcommands.
 *
 * @module
 */
import type { Command } from "./command.js";
import { agentCommand } from "./commands/agent.js";
import { catalogDatacentersCommand, catalogNodesCommand, catalogServicesCommand } from "./commands/catalog.js";
import { infoCommand } from "./commands/info.js";
import { keyringCommand } from "./commands/keyring.js";
import { kvExportCommand, kvImportCommand } from "./commands/kv-transfer.js";
import { kvDeleteCommand, kvGetCommand, kvPutCommand } from "./commands/kv.js";
import { forceLeaveCommand, joinCommand, leaveCommand, membersCommand } from "./commands/members.js";
import { eventCommand, keygenCommand, maintCommand, reloadCommand, versionCommand } from "./commands/misc.js";
import { templateCommand } from "./commands/template.js";
import { runCommand } from "./commands/run.js";
import { raftListPeersCommand, raftRemovePeerCommand } from "./commands/operator.js";
import { servicesDeregisterCommand, servicesRegisterCommand } from "./commands/services.js";
import { snapshotRestoreCommand, snapshotSaveCommand } from "./commands/snapshot.js";
import { watchCommand } from "./commands/watch.js";

/** All commands. */
export const COMMANDS: readonly Command[] = [
  agentCommand, membersCommand, joinCommand, leaveCommand, forceLeaveCommand, infoCommand,
  kvGetCommand, kvPutCommand, kvDeleteCommand, kvExportCommand, kvImportCommand,
  catalogDatacentersCommand, catalogNodesCommand, catalogServicesCommand,
  servicesRegisterCommand, servicesDeregisterCommand,
  keygenCommand, versionCommand, eventCommand, maintCommand, reloadCommand, keyringCommand, watchCommand,
  raftListPeersCommand, raftRemovePeerCommand, snapshotSaveCommand, snapshotRestoreCommand,
  templateCommand, runCommand,
];

/** One line describing each command group. */
export const GROUPS: Readonly<Record<string, string>> = {
  kv: "Interacts with the key-value store",
  catalog: "Interacts with the catalog",
  services: "Registers and deregisters services on the local agent",
  operator: "Cluster operator tools",
  "operator raft": "Raft peer set tools",
  snapshot: "Saves and restores snapshots of the catalog and KV",
};

/**
 * The command selected by the leading words of `argv` (longest match), and
 * the rest; or the group those words name, when they stop at a group.
 */
export function findCommand(argv: readonly string[]): { command: Command; rest: string[] } | { group: string } | undefined {
  let best: Command | undefined;
  for (const c of COMMANDS) {
    if (c.path.every((w, i) => argv[i] === w) && (!best || c.path.length > best.path.length)) best = c;
  }
  if (best) return { command: best, rest: argv.slice(best.path.length) };
  for (let n = Math.min(argv.length, 2); n > 0; n--) {
    const group = argv.slice(0, n).join(" ");
    if (GROUPS[group]) return { group };
  }
  return undefined;
}

/** The help of a group: its subcommands with their synopses. */
export function groupHelp(group: string): string {
  const words = group.split(" ");
  const subs = COMMANDS.filter((c) => words.every((w, i) => c.path[i] === w) && c.path.length > words.length);
  const width = Math.max(...subs.map((c) => c.path.slice(words.length).join(" ").length));
  return [
    `Usage: disco ${group} <subcommand> [options] [args]`, "", `  ${GROUPS[group]}.`, "", "Subcommands:",
    ...subs.map((c) => `    ${c.path.slice(words.length).join(" ").padEnd(width)}    ${c.synopsis}`),
    "", `For help on one: disco ${group} <subcommand> -h`, "",
  ].join("\n");
}

/** The top-level help. */
export function mainHelp(): string {
  const entries = new Map<string, string>();
  for (const c of COMMANDS) {
    const top = c.path[0]!;
    if (!entries.has(top)) entries.set(top, c.path.length > 1 ? GROUPS[top] ?? c.synopsis : c.synopsis);
  }
  const names = [...entries.keys()].sort();
  const width = Math.max(...names.map((n) => n.length));
  return [
    "Usage: disco [--version] [--help] <command> [<args>]", "", "Available commands are:",
    ...names.map((n) => `    ${n.padEnd(width)}    ${entries.get(n)}`), "",
  ].join("\n");
}
