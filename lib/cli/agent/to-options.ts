/**
 * Consul-style agent settings turned into {@link AgentOptions}. Which mode a
 * command line means follows Consul: `-dev`, or `-server` with `-bootstrap`
 * (or `-bootstrap-expect=1`) and nothing to join, is one node on its own
 * (mode "dev", persisted when not `-dev`); anything else is a cluster
 * (mode "raft"). Until gossip lands, raft servers find each other by RPC
 * address, so `-join` names other servers' RPC addresses (a bare host gets
 * -server-port), every other server must be listed, and client agents are
 * refused by Agent.start.
 *
 * @module
 */
import type { AgentOptions } from "../../agent/options.js";
import { InvalidConfigError, NotSupportedError } from "../../util/errors.js";
import type { AgentSettings } from "./settings.js";

/** Consul's default ports (DESIGN.md, "Ports for `disco agent`"). */
export const DEFAULT_PORTS = { http: 8500, dns: 8600, serfLan: 8301, serfWan: 8302, server: 8300 } as const;

/** Where HTTP and DNS listen unless -client says otherwise (Consul's default: loopback only). */
export const DEFAULT_CLIENT_ADDR = "127.0.0.1";

/** The address a node advertises when neither -advertise nor a specific -bind says (the agent's default). */
export const DEFAULT_ADVERTISE_ADDR = "127.0.0.1";

/** What the banner needs to know beyond the options. */
export interface AgentPlan {
  options: AgentOptions;
  /** The client address HTTP and DNS listen on. */
  clientAddr: string;
  ports: { http: number; dns: number; serfLan: number; serfWan: number; server: number };
  bootstrap: boolean;
  /** When the settings ask for a cluster: which of them does (for error messages). */
  clusterReason: string | undefined;
}

/** `host:port`, bracketing IPv6 hosts. */
export function joinHostPort(host: string, port: number): string {
  return host.includes(":") && !host.startsWith("[") ? `[${host}]:${port}` : `${host}:${port}`;
}

function isWildcard(host: string): boolean {
  return host === "0.0.0.0" || host === "::" || host === "[::]";
}

/** A join address without a port gets the default port (today the server RPC port: see the module comment). */
function withDefaultPort(addr: string, port: number): string {
  return /:\d+$/.test(addr) && !/^[^[]*:[^\]]*:/.test(addr) ? addr : joinHostPort(addr, port);
}

function checkPort(port: number, field: string, allowNegative: boolean): void {
  if (port > 65535 || (!allowNegative && port < 0)) {
    throw new InvalidConfigError(field, `must be ${allowNegative ? "-1 (off) or " : ""}0-65535, got ${port}`);
  }
}

/**
 * The WAN options, as Consul's: a raft server that uses gossip (-bind or a
 * serf port) or asks for the WAN (-serf-wan-port, -join-wan,
 * -retry-join-wan) binds WAN gossip on the bind host and -serf-wan-port;
 * WAN join addresses without a port get -serf-wan-port. Join addresses on an
 * agent that is not a raft server are passed on, for Agent.start to refuse
 * with a clear message.
 */
function wanOptions(s: AgentSettings, wanPort: number, raftServer: boolean, gossip: boolean): Pick<AgentOptions, "bindWan" | "joinWan" | "retryJoinWan"> {
  const joinWan = s.joinWan.map((a) => withDefaultPort(a, wanPort));
  const retryJoinWan = s.retryJoinWan.map((a) => withDefaultPort(a, wanPort));
  const asked = gossip || s.ports.serfWan !== undefined || joinWan.length > 0 || retryJoinWan.length > 0;
  return {
    ...(raftServer && asked ? { bindWan: joinHostPort(s.bindAddr ?? "0.0.0.0", wanPort) } : {}),
    ...(joinWan.length > 0 ? { joinWan } : {}),
    ...(retryJoinWan.length > 0 ? { retryJoinWan } : {}),
  };
}

/**
 * Builds the agent options (logger excluded).
 * @throws InvalidConfigError naming the setting: conflicting bootstrap flags,
 *   a missing -data-dir outside -dev, a port out of range.
 */
export function toAgentOptions(s: AgentSettings): AgentPlan {
  const dev = s.dev ?? false;
  const server = s.server ?? false;
  const bootstrap = s.bootstrap ?? false;
  if (bootstrap && s.bootstrapExpect !== undefined) {
    throw new InvalidConfigError("bootstrap-expect", "-bootstrap and -bootstrap-expect cannot be used together");
  }
  if (s.bootstrapExpect !== undefined && s.bootstrapExpect < 1) throw new InvalidConfigError("bootstrap-expect", "must be at least 1");
  if (!dev && !s.dataDir) throw new InvalidConfigError("data-dir", "is required unless -dev (it holds the catalog and KV)");
  const ports = { ...DEFAULT_PORTS, ...Object.fromEntries(Object.entries(s.ports).filter(([, v]) => v !== undefined)) };
  checkPort(ports.http, "http-port", true);
  checkPort(ports.dns, "dns-port", true);
  checkPort(ports.serfLan, "serf-lan-port", false);
  checkPort(ports.serfWan, "serf-wan-port", false);
  checkPort(ports.server, "server-port", false);
  // With a gossip address (-bind / -serf-lan-port), -join names gossip members (port 8301), as in Consul;
  // without one, the servers' RPC addresses (port 8300).
  const gossipPorts = s.bindAddr !== undefined || s.ports.serfLan !== undefined;
  const joins = [...s.join, ...s.retryJoin].map((a) => {
    if (a.includes("provider=")) throw new NotSupportedError(`cloud auto-join ("${a}")`);
    return withDefaultPort(a, gossipPorts ? ports.serfLan : ports.server);
  });
  const single = joins.length === 0 && (dev || (server && (bootstrap || s.bootstrapExpect === 1)));
  const clusterReason = single ? undefined
    : joins.length > 0 ? "-join/-retry-join"
    : (s.bootstrapExpect ?? 1) > 1 ? `-bootstrap-expect=${s.bootstrapExpect}`
    : server ? "-server without -bootstrap"
    : "a client agent (neither -server nor -dev)";
  const wan = wanOptions(s, ports.serfWan, !single && server, gossipPorts);
  const clientAddr = (s.clientAddr ?? DEFAULT_CLIENT_ADDR).trim().split(/\s+/)[0] || DEFAULT_CLIENT_ADDR;
  const bindHost = s.bindAddr;
  const gossipGiven = bindHost !== undefined || s.ports.serfLan !== undefined || s.ports.server !== undefined;
  const advertise = s.advertiseAddr ?? (bindHost !== undefined && !isWildcard(bindHost) ? bindHost : undefined);
  // A raft server is known to its peers by its RPC address, so it must be one they can reach.
  const rpc = gossipGiven || !single ? joinHostPort(advertise ?? DEFAULT_ADVERTISE_ADDR, ports.server) : undefined;
  const options: AgentOptions = {
    mode: single ? "dev" : "raft",
    server: single ? true : server,
    ...(single ? {} : { join: joins, ...(s.bootstrapExpect !== undefined ? { bootstrapExpect: s.bootstrapExpect } : {}) }),
    ...(s.node !== undefined ? { node: s.node } : {}),
    ...(s.datacenter !== undefined ? { datacenter: s.datacenter } : {}),
    ...(!dev && s.dataDir ? { dataDir: s.dataDir } : {}),
    ...(advertise !== undefined ? { advertise } : {}),
    ...(gossipGiven ? { bind: joinHostPort(bindHost ?? "0.0.0.0", ports.serfLan) } : {}),
    ...(rpc !== undefined ? { rpc } : {}),
    ...wan,
    ...(s.encrypt !== undefined ? { encrypt: s.encrypt } : {}),
    ...(Object.keys(s.nodeMeta).length > 0 ? { meta: { ...s.nodeMeta } } : {}),
    ...(ports.http >= 0 ? { http: joinHostPort(clientAddr, ports.http) } : {}),
    ...(ports.dns >= 0 ? { dns: joinHostPort(clientAddr, ports.dns) } : {}),
    ...(s.domain !== undefined ? { domain: s.domain } : {}),
    ui: s.ui ?? false,
  };
  return { options, clientAddr, ports, bootstrap: single, clusterReason };
}
