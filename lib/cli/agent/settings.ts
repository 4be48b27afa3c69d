/**
 * `disco agent`'s settings: what the flags and config files say, merged, in
 * Consul's vocabulary, before they become {@link AgentOptions}.
 *
 * @module
 */
import type { FlagValues } from "../flags.js";

/** Ports, as Consul's `ports` block; a negative port turns the listener off (HTTP, DNS). */
export interface AgentPorts {
  http?: number;
  dns?: number;
  serfLan?: number;
  serfWan?: number;
  server?: number;
}

/** Every setting `disco agent` understands. Unset fields take the defaults in {@link toAgentOptions}. */
export interface AgentSettings {
  dev?: boolean;
  server?: boolean;
  bootstrap?: boolean;
  bootstrapExpect?: number;
  dataDir?: string;
  bindAddr?: string;
  clientAddr?: string;
  advertiseAddr?: string;
  node?: string;
  datacenter?: string;
  domain?: string;
  join: string[];
  retryJoin: string[];
  /** WAN gossip addresses of servers to join at start (`-join-wan`, `start_join_wan`). */
  joinWan: string[];
  /** WAN gossip addresses joined with retries (`-retry-join-wan`, `retry_join_wan`). */
  retryJoinWan: string[];
  ui?: boolean;
  encrypt?: string;
  pidFile?: string;
  logLevel?: string;
  ports: AgentPorts;
  nodeMeta: Record<string, string>;
  /** Service definitions from config files, registered once the agent runs. */
  services: Record<string, unknown>[];
}

/** Settings with nothing set. */
export function emptySettings(): AgentSettings {
  return { join: [], retryJoin: [], joinWan: [], retryJoinWan: [], ports: {}, nodeMeta: {}, services: [] };
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/**
 * Layers `over` on `base`: scalars of `over` win, lists append, maps merge,
 * as Consul merges config files and then flags.
 */
export function mergeSettings(base: AgentSettings, over: AgentSettings): AgentSettings {
  const out: AgentSettings = { ...base };
  for (const [k, v] of Object.entries(over) as [keyof AgentSettings, unknown][]) {
    if (v !== undefined && !Array.isArray(v) && (typeof v !== "object" || v === null)) (out as unknown as Record<string, unknown>)[k] = v;
  }
  out.join = [...base.join, ...over.join];
  out.retryJoin = [...base.retryJoin, ...over.retryJoin];
  out.joinWan = [...base.joinWan, ...over.joinWan];
  out.retryJoinWan = [...base.retryJoinWan, ...over.retryJoinWan];
  out.services = [...base.services, ...over.services];
  out.ports = { ...base.ports, ...definedOnly(over.ports) };
  out.nodeMeta = { ...base.nodeMeta, ...over.nodeMeta };
  return out;
}

/** The settings the command-line flags give (only those present). */
export function settingsFromFlags(flags: FlagValues): AgentSettings {
  const s = emptySettings();
  const str = (name: string): string | undefined => flags.string(name);
  const bool = (name: string): boolean | undefined => (flags.has(name) ? flags.bool(name) : undefined);
  s.dev = bool("dev");
  s.server = bool("server");
  s.bootstrap = bool("bootstrap");
  s.bootstrapExpect = flags.int("bootstrap-expect");
  s.dataDir = str("data-dir");
  s.bindAddr = str("bind");
  s.clientAddr = str("client");
  s.advertiseAddr = str("advertise");
  s.node = str("node");
  s.datacenter = str("datacenter");
  s.domain = str("domain");
  s.join = flags.list("join");
  s.retryJoin = flags.list("retry-join");
  s.joinWan = flags.list("join-wan");
  s.retryJoinWan = flags.list("retry-join-wan");
  s.ui = bool("ui");
  s.encrypt = str("encrypt");
  s.pidFile = str("pid-file");
  s.logLevel = str("log-level");
  s.ports = {
    http: flags.int("http-port"), dns: flags.int("dns-port"), serfLan: flags.int("serf-lan-port"),
    serfWan: flags.int("serf-wan-port"), server: flags.int("server-port"),
  };
  for (const pair of flags.list("node-meta")) {
    const colon = pair.indexOf(":");
    if (colon < 0) s.nodeMeta[pair] = "";
    else s.nodeMeta[pair.slice(0, colon)] = pair.slice(colon + 1);
  }
  return s;
}
