/**
 * `disco agent`: runs an agent in this process with `consul agent`'s flags,
 * serving the HTTP API (and DNS when the agent can), until SIGINT/SIGTERM or
 * `disco leave`.
 *
 * @module
 */
import type { Command } from "../command.js";
import { UsageError } from "../errors.js";
import { DiscoError, NotSupportedError } from "../../util/errors.js";
import type { Agent } from "../../agent/agent.js";
import type { FlagSpec } from "../flags.js";
import { readInputFile, type CliIo } from "../io.js";
import { createCliLogger, parseLogLevel } from "../logger.js";
import { cliVersion } from "../version.js";
import { formatBanner } from "../agent/banner.js";
import { parseConfigFile } from "../agent/config-file.js";
import {
  dnsPortOf, registerConfigServices, removePidFile, startAgent, waitForStop, writePidFile,
} from "../agent/lifecycle.js";
import { emptySettings, mergeSettings, settingsFromFlags, type AgentSettings } from "../agent/settings.js";
import { toAgentOptions } from "../agent/to-options.js";
import { reloadConfigServicesOnRequest } from "../agent/reload.js";
import type { FlagValues } from "../flags.js";

const AGENT_FLAGS: FlagSpec[] = [
  { name: "dev", kind: "bool", usage: "Development mode: one server node, everything in memory." },
  { name: "server", kind: "bool", usage: "Runs as a server (with -bootstrap: a single node on its own)." },
  { name: "bootstrap", kind: "bool", usage: "Elects itself leader at once (single-server clusters)." },
  { name: "bootstrap-expect", kind: "int", usage: "Servers to wait for before electing a leader (1 = like -bootstrap)." },
  { name: "data-dir", kind: "string", placeholder: "<path>", usage: "Where the catalog and KV are persisted. Required unless -dev." },
  { name: "bind", kind: "string", placeholder: "<addr>", usage: "Address for cluster traffic (gossip and RPC). Default 0.0.0.0." },
  { name: "client", kind: "string", placeholder: "<addr>", usage: "Address HTTP and DNS listen on. Default 127.0.0.1." },
  { name: "advertise", kind: "string", placeholder: "<addr>", usage: "Address other nodes and services use for this node. Default: -bind when specific, else 127.0.0.1." },
  { name: "node", kind: "string", placeholder: "<name>", usage: "Node name, unique in the datacenter. Default: host name and pid." },
  { name: "node-meta", kind: "list", placeholder: "<key:value>", usage: "A node metadata pair." },
  { name: "datacenter", kind: "string", placeholder: "<dc>", usage: "Datacenter name. Default dc1." },
  { name: "domain", kind: "string", placeholder: "<domain>", usage: "DNS domain. Default disco." },
  { name: "join", kind: "list", placeholder: "<addr>", usage: "Another server to join. Until gossip lands: its RPC address (host[:server-port]), and every other server must be listed." },
  { name: "retry-join", kind: "list", placeholder: "<addr>", usage: "Like -join (cloud auto-join is not supported)." },
  { name: "join-wan", kind: "list", placeholder: "<addr>", usage: "A server's WAN gossip address (host[:serf-wan-port]) to join at start; servers only." },
  { name: "retry-join-wan", kind: "list", placeholder: "<addr>", usage: "Like -join-wan, retried until it answers." },
  { name: "ui", kind: "bool", usage: "Serves the web UI at /ui/." },
  { name: "encrypt", kind: "string", placeholder: "<key>", usage: "Gossip encryption key (see `disco keygen`)." },
  { name: "config-file", kind: "list", placeholder: "<path>", usage: "A JSON file of Consul agent configuration; flags override it." },
  { name: "pid-file", kind: "string", placeholder: "<path>", usage: "Writes the process id here; removed on exit." },
  { name: "http-port", kind: "int", usage: "HTTP API port (0 picks a free one, -1 turns HTTP off). Default 8500." },
  { name: "dns-port", kind: "int", usage: "DNS port (0 picks a free one, -1 turns DNS off). Default 8600." },
  { name: "serf-lan-port", kind: "int", usage: "LAN gossip port. Default 8301." },
  { name: "serf-wan-port", kind: "int", usage: "WAN gossip port. Default 8302." },
  { name: "server-port", kind: "int", usage: "Server RPC (Raft) port. Default 8300." },
  { name: "log-level", kind: "string", placeholder: "<level>", usage: "trace, debug, info, warn or err. Default info." },
];

/** Reads the config files, warns once about every key it ignores, and layers the flags on top. */
async function loadSettings(io: CliIo, flags: FlagValues): Promise<AgentSettings> {
  let settings = emptySettings();
  const ignored: string[] = [];
  for (const file of flags.list("config-file")) {
    const parsed = parseConfigFile((await readInputFile(file, "config-file")).toString("utf8"), file);
    settings = mergeSettings(settings, parsed.settings);
    ignored.push(...parsed.ignored);
  }
  if (ignored.length > 0) {
    io.stderr(`==> Warning: config keys not implemented, ignored: ${[...new Set(ignored)].join(", ")}\n`);
  }
  return mergeSettings(settings, settingsFromFlags(flags));
}

/** `disco agent`. */
export const agentCommand: Command = {
  path: ["agent"],
  synopsis: "Runs a disco agent",
  usage: "[options]",
  help: "Runs until SIGINT or SIGTERM (then leaves gracefully), or until `disco leave`.\n"
    + "-dev, or -server -bootstrap -data-dir=DIR, run a single node. Other -server command lines run a\n"
    + "Raft server: -bootstrap-expect=N -join=ADDR … where, until gossip lands, -join lists every other\n"
    + "server's RPC address. Client agents (no -server) need gossip and are not supported yet.",
  http: false,
  flags: AGENT_FLAGS,
  async run({ io, flags, args }) {
    if (args.length > 0) throw new UsageError(`agent takes no arguments, got "${args[0]}"`);
    const settings = await loadSettings(io, flags);
    const level = parseLogLevel(settings.logLevel ?? "info");
    const logger = createCliLogger(level, (line) => io.stderr(line));
    const plan = toAgentOptions(settings);
    const interrupts = io.interrupts();
    let agent: Agent;
    try {
      agent = await startAgent({ ...plan.options, logger }, (line) => io.stderr(`==> Warning: ${line}\n`));
    } catch (err) {
      if (!(err instanceof NotSupportedError) || plan.clusterReason === undefined) throw err;
      throw new DiscoError("NOT_SUPPORTED", `${err.message} (asked for by ${plan.clusterReason}); `
        + "for one node use -dev, or -server -bootstrap -data-dir=DIR", { cause: err });
    }
    let dnsPort: number | undefined;
    let stopReload = (): void => {};
    try {
      const dns = dnsPortOf(agent);
      if (!dns.known && plan.options.dns !== undefined) io.stderr("==> Warning: this agent cannot serve DNS yet; continuing without DNS\n");
      dnsPort = dns.port;
      await registerConfigServices(agent, settings.services);
      // `disco reload` (PUT /v1/agent/reload) re-reads the config files' services and checks.
      stopReload = reloadConfigServicesOnRequest(agent, settings.services, async () => (await loadSettings(io, flags)).services);
      if (settings.pidFile) await writePidFile(settings.pidFile, io.pid);
    } catch (err) {
      await agent.close();
      throw err;
    }
    logger.info({ node: agent.node, datacenter: agent.datacenter, mode: agent.mode }, "agent started");
    io.stdout(formatBanner({
      version: cliVersion(), node: agent.node, datacenter: agent.datacenter, mode: agent.mode,
      server: plan.options.server ?? true, bootstrap: plan.bootstrap, dataDir: plan.options.dataDir,
      clientAddr: plan.clientAddr, http: agent.httpAddress, dnsPort,
      clusterAddr: plan.options.advertise ?? "127.0.0.1", lanPort: plan.ports.serfLan, wanPort: plan.ports.serfWan,
      encrypted: plan.options.encrypt !== undefined, ui: plan.options.ui ?? false,
    }));
    const reason = await waitForStop(agent, interrupts);
    stopReload();
    try {
      if (reason.kind === "signal") {
        io.stderr(`==> Caught signal: ${reason.signal}\n==> Gracefully shutting down agent...\n`);
        await agent.leave();
        logger.info("graceful leave complete");
      } else {
        io.stderr("==> The agent left the cluster; shutting down\n");
        await agent.close();
      }
    } finally {
      if (settings.pidFile) await removePidFile(settings.pidFile);
    }
    io.stderr("==> disco agent stopped\n");
    return 0;
  },
};
