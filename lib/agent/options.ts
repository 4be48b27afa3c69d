/**
 * Agent options: validation, defaults, and the environment variables the
 * default agent reads.
 *
 * @module
 */
import { InvalidConfigError, NotSupportedError } from "../util/errors.js";
import type { Logger } from "../util/logger.js";
import { NAME_LENGTH_MAX } from "../util/limits.js";
import { parseDuration, type Duration } from "../util/duration.js";
import { ANTI_ENTROPY_INTERVAL_MS_DEFAULT } from "./anti-entropy.js";

/** Shortest anti-entropy interval: below this the comparisons would only cost CPU. */
const ANTI_ENTROPY_INTERVAL_MS_MIN = 100;

/** How the agent takes part in the cluster. */
export type AgentMode = "dev" | "raft" | "gossip";

/** Options of {@link Agent.start}. Every field is optional; see each for its default. */
export interface AgentOptions {
  /**
   * `"dev"`: one node, the catalog kept in this process (in memory, or in `dataDir`).
   * `"raft"`: servers replicate the catalog with Raft (today: server agents
   * only, each given the other servers' RPC addresses in `join`);
   * `"gossip"`: no servers; each node owns its registrations and spreads them
   * through the gossip pool (needs `bind`); KV, sessions and locks raise
   * ConsensusRequiredError.
   * @defaultValue "dev"
   */
  mode?: AgentMode;
  /** Node name, unique in the datacenter. @defaultValue the host name plus the process id */
  node?: string;
  /** Datacenter name (letters, digits, `-`, `_`). @defaultValue "dc1" */
  datacenter?: string;
  /**
   * Directory where the catalog and KV are persisted (write-ahead log + snapshots, fsync'd).
   * Omit to keep everything in memory.
   */
  dataDir?: string;
  /** Address this node advertises for its services when they give none. @defaultValue "127.0.0.1" */
  advertise?: string;
  /** Server role (raft mode). */
  server?: boolean;
  /** Servers to wait for before electing a leader (raft mode). */
  bootstrapExpect?: number;
  /**
   * Gossip address `host:port` (UDP and TCP; port 0 picks a free one). When
   * set, the agent joins the LAN gossip pool: `join` then names gossip
   * addresses of any members, servers find each other (and clients find
   * servers) through gossip, and a failed node's instances leave every
   * passing-only resolver.
   */
  bind?: string;
  /** Gossip timing profile. @defaultValue "lan" */
  gossipProfile?: "lan" | "wan" | "local";
  /** Cluster label: agents with different labels never merge, even on one network. @defaultValue "" */
  label?: string;
  /** Raft / forwarding RPC address `host:port` (raft mode). */
  rpc?: string;
  /**
   * WAN gossip address `host:port` of a raft server (UDP and TCP; port 0
   * picks one): the server joins the WAN pool of every datacenter's servers
   * (WAN timing profile, same `encrypt` and `label` as the LAN pool) and
   * forwards requests naming another datacenter. Omit for no WAN pool.
   * Raft servers only. `disco agent` uses the bind host with port 8302.
   */
  bindWan?: string;
  /**
   * WAN gossip addresses of servers (any datacenter) to join at start, as
   * Consul's `-join-wan`; one is enough, the rest are learned. The start
   * fails with JoinError when none answers. Needs `bindWan`.
   */
  joinWan?: string[];
  /**
   * Like `joinWan`, but joined in the background, retrying with backoff
   * until one answers (Consul's `-retry-join-wan`). Needs `bindWan`.
   */
  retryJoinWan?: string[];
  /** Addresses to join. In raft mode today: every other server's RPC address. */
  join?: string[];
  /** Gossip encryption key, base64 of 32 bytes (raft and gossip modes). */
  encrypt?: string;
  /** Node metadata, served as DNS TXT records. */
  meta?: Record<string, string>;
  /** Where diagnostics go. @defaultValue silent */
  logger?: Logger;
  /**
   * Raft mode: the leader removes a server it has not heard from for this
   * long (Consul's autopilot CleanupDeadServers), never going below three
   * voters. `0` turns it off. @defaultValue 0
   */
  deadServerCleanupAfter?: Duration;
  /**
   * How often the agent compares its own node, services and checks with the
   * catalog and writes back what is missing (after a snapshot restore or a
   * catalog deregister), as Consul's anti-entropy. @defaultValue "60s"
   */
  antiEntropyInterval?: Duration;
  /**
   * Serve Consul's HTTP API on `host:port` (port 0 picks a free one; see
   * `agent.httpAddress`). Omit to serve none. `disco agent` uses 127.0.0.1:8500.
   */
  http?: string;
  /** Serve DNS on `host:port` (UDP and TCP). Omit to serve none. `disco agent` uses 127.0.0.1:8600. */
  dns?: string;
  /** DNS domain. @defaultValue "disco." */
  domain?: string;
  /** Serve the web UI at /ui/ on the HTTP listener. @defaultValue false */
  ui?: boolean;
  /**
   * Entries between catalog snapshots when `dataDir` is set; the log before a
   * snapshot is then deleted. @defaultValue 8192 (hashicorp/raft's SnapshotThreshold)
   */
  snapshotThreshold?: number;
}

/** {@link AgentOptions} with every default filled in. */
export interface ResolvedAgentOptions {
  mode: AgentMode;
  node: string;
  datacenter: string;
  dataDir: string | undefined;
  advertise: string;
  server: boolean;
  bootstrapExpect: number;
  bind: string | undefined;
  rpc: string | undefined;
  join: string[];
  encrypt: string | undefined;
  meta: Record<string, string>;
  logger: Logger | undefined;
  snapshotThreshold: number;
  http: { host: string; port: number } | undefined;
  dns: { host: string; port: number } | undefined;
  domain: string;
  ui: boolean;
  deadServerCleanupAfterMs: number;
  antiEntropyIntervalMs: number;
  bindWan: string | undefined;
  joinWan: string[];
  retryJoinWan: string[];
  gossipProfile: "lan" | "wan" | "local";
  label: string;
}

const KNOWN_KEYS = new Set<keyof AgentOptions>([
  "mode", "node", "datacenter", "dataDir", "advertise", "server", "bootstrapExpect", "bind", "rpc",
  "join", "encrypt", "meta", "logger", "snapshotThreshold", "http", "dns", "domain", "ui", "deadServerCleanupAfter", "antiEntropyInterval", "joinWan", "bindWan", "retryJoinWan", "gossipProfile", "label",
]);

const DATACENTER_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
const NODE_PATTERN = /^[A-Za-z0-9_.-]+$/;

function stringField(o: Record<string, unknown>, field: string): string | undefined {
  const v = o[field];
  if (v === undefined) return undefined;
  if (typeof v !== "string") throw new InvalidConfigError(field, `must be a string, got ${typeof v}`);
  return v;
}

function defaultNodeName(): string {
  const host = (process.env["HOSTNAME"] ?? "node").replace(/[^A-Za-z0-9_.-]/g, "-") || "node";
  return `${host}-${process.pid}`;
}

/**
 * Validates options and fills defaults.
 * @throws InvalidConfigError naming the first bad field.
 * @throws NotSupportedError for modes that are not built yet.
 */
export function resolveAgentOptions(input: unknown): ResolvedAgentOptions {
  if (input === undefined) input = {};
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    throw new InvalidConfigError("options", "must be an object");
  }
  const o = input as Record<string, unknown>;
  for (const key of Object.keys(o)) {
    if (!KNOWN_KEYS.has(key as keyof AgentOptions)) throw new InvalidConfigError(key, "is not a known option");
  }
  const mode = stringField(o, "mode") ?? "dev";
  if (mode !== "dev" && mode !== "raft" && mode !== "gossip") {
    throw new InvalidConfigError("mode", `must be "dev", "raft" or "gossip", got "${mode}"`);
  }
  const node = stringField(o, "node") ?? defaultNodeName();
  if (node.length === 0 || node.length > NAME_LENGTH_MAX || !NODE_PATTERN.test(node)) {
    throw new InvalidConfigError("node", `must be 1-${NAME_LENGTH_MAX} characters of letters, digits, '.', '_' or '-'`);
  }
  const datacenter = stringField(o, "datacenter") ?? "dc1";
  if (!DATACENTER_PATTERN.test(datacenter)) {
    throw new InvalidConfigError("datacenter", "must be 1-64 characters of letters, digits, '_' or '-'");
  }
  const dataDir = stringField(o, "dataDir");
  if (dataDir !== undefined && dataDir.length === 0) throw new InvalidConfigError("dataDir", "must not be empty");
  const advertise = stringField(o, "advertise") ?? "127.0.0.1";
  if (advertise.length === 0) throw new InvalidConfigError("advertise", "must not be empty");
  const server = o["server"] ?? mode !== "gossip";
  if (typeof server !== "boolean") throw new InvalidConfigError("server", "must be a boolean");
  const bootstrapExpect = o["bootstrapExpect"] ?? 1;
  if (typeof bootstrapExpect !== "number" || !Number.isInteger(bootstrapExpect) || bootstrapExpect < 1 || bootstrapExpect > 7) {
    throw new InvalidConfigError("bootstrapExpect", "must be an integer from 1 to 7");
  }
  const bind = stringField(o, "bind");
  const rpc = stringField(o, "rpc");
  for (const [field, value] of [["bind", bind], ["rpc", rpc]] as const) {
    if (value !== undefined) parseHostPort(value, field);
  }
  const joinRaw = o["join"] ?? [];
  if (!Array.isArray(joinRaw) || joinRaw.some((a) => typeof a !== "string")) {
    throw new InvalidConfigError("join", "must be an array of \"host:port\" strings");
  }
  joinRaw.forEach((a: string, i) => parseHostPort(a, `join[${i}]`));
  const encrypt = stringField(o, "encrypt");
  if (encrypt !== undefined && ![16, 24, 32].includes(Buffer.from(encrypt, "base64").length)) {
    throw new InvalidConfigError("encrypt", "must be the base64 encoding of 16, 24 or 32 bytes (see `disco keygen`)");
  }
  const meta = o["meta"] ?? {};
  if (typeof meta !== "object" || meta === null || Array.isArray(meta) || Object.values(meta).some((v) => typeof v !== "string")) {
    throw new InvalidConfigError("meta", "must be an object of string values");
  }
  const logger = o["logger"];
  if (logger !== undefined && (typeof logger !== "object" || logger === null ||
      !["debug", "info", "warn", "error"].every((m) => typeof (logger as Record<string, unknown>)[m] === "function"))) {
    throw new InvalidConfigError("logger", "must have debug, info, warn and error methods");
  }
  const snapshotThreshold = o["snapshotThreshold"] ?? 8192;
  if (typeof snapshotThreshold !== "number" || !Number.isInteger(snapshotThreshold) || snapshotThreshold < 1) {
    throw new InvalidConfigError("snapshotThreshold", "must be a positive integer");
  }
  const httpAddr = stringField(o, "http");
  const http = httpAddr === undefined ? undefined : parseHostPort(httpAddr, "http");
  const dnsAddr = stringField(o, "dns");
  const dns = dnsAddr === undefined ? undefined : parseHostPort(dnsAddr, "dns");
  let domain = stringField(o, "domain") ?? "disco.";
  if (!domain.endsWith(".")) domain += ".";
  if (!/^([A-Za-z0-9-]{1,63}\.)+$/.test(domain)) throw new InvalidConfigError("domain", `must be a DNS name such as "disco.", got "${domain}"`);
  const ui = o["ui"] ?? false;
  if (typeof ui !== "boolean") throw new InvalidConfigError("ui", "must be a boolean");
  const { bindWan, joinWan, retryJoinWan } = wanOptions(o, mode === "raft" && server);
  const gossipProfile = o["gossipProfile"] ?? "lan";
  if (gossipProfile !== "lan" && gossipProfile !== "wan" && gossipProfile !== "local") {
    throw new InvalidConfigError("gossipProfile", 'must be "lan", "wan" or "local"');
  }
  const label = stringField(o, "label") ?? "";
  let deadServerCleanupAfterMs = 0;
  try {
    deadServerCleanupAfterMs = parseDuration(o["deadServerCleanupAfter"] ?? 0, "deadServerCleanupAfter");
  } catch (err) {
    throw new InvalidConfigError("deadServerCleanupAfter", (err as Error).message);
  }
  let antiEntropyIntervalMs = ANTI_ENTROPY_INTERVAL_MS_DEFAULT;
  try {
    if (o["antiEntropyInterval"] !== undefined) antiEntropyIntervalMs = parseDuration(o["antiEntropyInterval"], "antiEntropyInterval");
  } catch (err) {
    throw new InvalidConfigError("antiEntropyInterval", (err as Error).message);
  }
  if (antiEntropyIntervalMs < ANTI_ENTROPY_INTERVAL_MS_MIN) {
    throw new InvalidConfigError("antiEntropyInterval", `must be at least ${ANTI_ENTROPY_INTERVAL_MS_MIN} ms`);
  }
  if (mode === "gossip" && bind === undefined) {
    throw new InvalidConfigError("bind", 'gossip mode needs a gossip address ("host:port"; port 0 picks one)');
  }
  if (mode === "raft" && bind !== undefined && server && !rpc) {
    throw new InvalidConfigError("rpc", "a raft server needs its RPC address, \"host:port\"");
  }
  if (mode === "raft" && bind === undefined) {
    if (!server) {
      if ((joinRaw as string[]).length === 0) {
        throw new InvalidConfigError("join", "a raft client agent needs the servers' RPC addresses (until gossip finds them)");
      }
    } else if (!rpc) throw new InvalidConfigError("rpc", "a raft server needs its RPC address, \"host:port\"");
    if (server && rpc && parseHostPort(rpc, "rpc").port === 0) throw new InvalidConfigError("rpc", "a raft server's RPC port cannot be 0: peers must know it");
    if (server && o["bootstrapExpect"] !== undefined && bootstrapExpect !== (joinRaw as string[]).length + 1) {
      throw new InvalidConfigError("bootstrapExpect", `is ${bootstrapExpect}, but join names ${(joinRaw as string[]).length} other servers; without gossip, join must list every other server's RPC address`);
    }
  }
  return {
    mode, node, datacenter, dataDir, advertise, server, bootstrapExpect, bind, rpc,
    join: joinRaw as string[], encrypt, meta: { ...(meta as Record<string, string>) },
    logger: logger as Logger | undefined, snapshotThreshold, http, dns, domain: domain.toLowerCase(), ui, deadServerCleanupAfterMs,
    antiEntropyIntervalMs, bindWan, joinWan, retryJoinWan, gossipProfile, label,
  };
}

/** Validates the WAN options (`bindWan`, `joinWan`, `retryJoinWan`); only raft servers may set them. */
function wanOptions(o: Record<string, unknown>, raftServer: boolean): { bindWan: string | undefined; joinWan: string[]; retryJoinWan: string[] } {
  const bindWan = stringField(o, "bindWan");
  if (bindWan !== undefined) parseHostPort(bindWan, "bindWan");
  const lists = (["joinWan", "retryJoinWan"] as const).map((field) => {
    const value = o[field] ?? [];
    if (!Array.isArray(value) || value.some((a) => typeof a !== "string")) {
      throw new InvalidConfigError(field, "must be an array of \"host:port\" WAN gossip addresses");
    }
    value.forEach((a: string, i) => parseHostPort(a, `${field}[${i}]`));
    return value as string[];
  });
  const [joinWan, retryJoinWan] = lists as [string[], string[]];
  const asked = bindWan !== undefined ? "bindWan" : joinWan.length > 0 ? "joinWan" : retryJoinWan.length > 0 ? "retryJoinWan" : undefined;
  if (asked && !raftServer) throw new InvalidConfigError(asked, "only raft servers join the WAN pool");
  if (bindWan === undefined && (joinWan.length > 0 || retryJoinWan.length > 0)) {
    throw new InvalidConfigError("bindWan", "joining the WAN pool needs a WAN gossip address (\"host:port\"; port 0 picks one)");
  }
  return { bindWan, joinWan: [...joinWan], retryJoinWan: [...retryJoinWan] };
}

/** Splits `host:port` (IPv6 as `[::1]:8300`), validating the port. */
export function parseHostPort(value: string, field: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(value);
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) throw new InvalidConfigError(field, `must be "host:port", got "${value}"`);
  return { host: (m[1] ?? m[2])!, port };
}

/**
 * Reads the default agent's options from the environment:
 * DISCO_MODE, DISCO_NODE, DISCO_DATACENTER, DISCO_DATA_DIR, DISCO_ADVERTISE,
 * DISCO_JOIN (comma-separated), DISCO_BIND, DISCO_RPC, DISCO_ENCRYPT,
 * DISCO_SERVER (`true`/`false`), DISCO_BOOTSTRAP_EXPECT, DISCO_HTTP, DISCO_DNS,
 * DISCO_BIND_WAN, DISCO_JOIN_WAN (comma-separated; joined with retries).
 * With no DISCO_JOIN and no DISCO_MODE it is a single-node dev agent in memory.
 */
export function optionsFromEnv(env: NodeJS.ProcessEnv = process.env): AgentOptions {
  const o: AgentOptions = {};
  const join = env["DISCO_JOIN"]?.split(",").map((s) => s.trim()).filter(Boolean);
  if (join && join.length > 0) {
    // An application joining a cluster is a client of its servers unless DISCO_SERVER says otherwise.
    o.join = join;
    o.mode = "raft";
    o.server = false;
  }
  if (env["DISCO_MODE"]) o.mode = env["DISCO_MODE"] as AgentMode;
  if (env["DISCO_NODE"]) o.node = env["DISCO_NODE"];
  if (env["DISCO_DATACENTER"]) o.datacenter = env["DISCO_DATACENTER"];
  if (env["DISCO_DATA_DIR"]) o.dataDir = env["DISCO_DATA_DIR"];
  if (env["DISCO_ADVERTISE"]) o.advertise = env["DISCO_ADVERTISE"];
  if (env["DISCO_BIND"]) o.bind = env["DISCO_BIND"];
  if (env["DISCO_RPC"]) o.rpc = env["DISCO_RPC"];
  if (env["DISCO_ENCRYPT"]) o.encrypt = env["DISCO_ENCRYPT"];
  if (env["DISCO_HTTP"]) o.http = env["DISCO_HTTP"];
  if (env["DISCO_DNS"]) o.dns = env["DISCO_DNS"];
  if (env["DISCO_BIND_WAN"]) o.bindWan = env["DISCO_BIND_WAN"];
  if (env["DISCO_JOIN_WAN"]) o.retryJoinWan = env["DISCO_JOIN_WAN"].split(",").map((s) => s.trim()).filter(Boolean);
  if (env["DISCO_SERVER"]) {
    const v = env["DISCO_SERVER"].toLowerCase();
    if (v !== "true" && v !== "false") throw new InvalidConfigError("DISCO_SERVER", `must be "true" or "false", got "${v}"`);
    o.server = v === "true";
  }
  if (env["DISCO_BOOTSTRAP_EXPECT"]) {
    const n = Number(env["DISCO_BOOTSTRAP_EXPECT"]);
    if (!Number.isInteger(n)) throw new InvalidConfigError("DISCO_BOOTSTRAP_EXPECT", "must be an integer");
    o.bootstrapExpect = n;
  }
  return o;
}
