#!/usr/bin/env node
/**
 * The `disco` command. Today: `agent -dev`, `keygen`, `version`. The commands
 * that talk to an agent over HTTP (members, kv, catalog, …) need the HTTP API
 * and say so.
 *
 * @module
 */
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { Agent } from "../agent/agent.js";
import { DiscoError } from "../util/errors.js";

/** Commands that exist in Consul's CLI and need the HTTP API (not built yet). */
const NEEDS_HTTP = new Set([
  "members", "join", "leave", "force-leave", "info", "event", "kv", "catalog", "services", "keyring",
  "operator", "snapshot", "watch", "reload", "template", "run",
]);

function usage(): string {
  return [
    "usage: disco <command> [flags]",
    "",
    "  agent -dev [-node NAME] [-datacenter DC] [-data-dir DIR]   run a single-node dev agent",
    "  keygen                                                     print a new 32-byte gossip key (base64)",
    "  version                                                    print the version",
  ].join("\n");
}

/** Parses `-flag=value`, `-flag value`, `--flag` forms into a map. */
function parseFlags(args: string[]): Map<string, string | true> {
  const flags = new Map<string, string | true>();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (!arg.startsWith("-")) throw new Error(`unexpected argument "${arg}"`);
    const body = arg.replace(/^--?/, "");
    const eq = body.indexOf("=");
    if (eq >= 0) flags.set(body.slice(0, eq), body.slice(eq + 1));
    else if (i + 1 < args.length && !args[i + 1]!.startsWith("-")) flags.set(body, args[++i]!);
    else flags.set(body, true);
  }
  return flags;
}

async function agentCommand(args: string[]): Promise<void> {
  const flags = parseFlags(args);
  const str = (k: string): string | undefined => {
    const v = flags.get(k);
    return typeof v === "string" ? v : undefined;
  };
  if (!flags.has("dev") && !flags.has("data-dir")) {
    throw new Error("only -dev (or a single node with -data-dir) is supported yet; server/client clusters need the Raft and gossip layers");
  }
  const agent = await Agent.start({ node: str("node"), datacenter: str("datacenter"), dataDir: str("data-dir") });
  console.log(`disco agent running: node=${agent.node} datacenter=${agent.datacenter} mode=${agent.mode}`);
  await new Promise<void>((resolve) => {
    process.once("SIGINT", resolve);
    process.once("SIGTERM", resolve);
  });
  await agent.leave();
  console.log("disco agent stopped");
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case "agent":
      await agentCommand(rest);
      return 0;
    case "keygen":
      console.log(randomBytes(32).toString("base64"));
      return 0;
    case "version": {
      const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };
      console.log(`disco ${pkg.version}`);
      return 0;
    }
    case undefined:
    case "help":
    case "-h":
    case "--help":
      console.log(usage());
      return command === undefined ? 1 : 0;
    default:
      if (NEEDS_HTTP.has(command)) {
        console.error(`disco ${command}: not supported yet (needs the agent's HTTP API, which is not built yet)`);
        return 2;
      }
      console.error(`disco: unknown command "${command}"\n${usage()}`);
      return 1;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(`disco: ${err instanceof DiscoError || err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  },
);
