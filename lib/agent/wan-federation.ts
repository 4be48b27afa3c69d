/**
 * Multi-datacenter wiring. On a raft server with `bindWan`: a member of the
 * WAN gossip pool (Consul's WAN Serf: every server of every datacenter, WAN
 * timing profile, named `NODE.DC`, the same encryption key and label as the
 * LAN pool) and the {@link WanPool} that forwards requests naming another
 * datacenter. On a client agent: a relay that hands such requests to a
 * server of its own datacenter ({@link ClientWan}). The agent sees both
 * through {@link WanAccess}.
 *
 * @module
 */
import type { ForwardedRequest, ForwardedResponse } from "../api/http/context.js";
import { GossipNode } from "../membership/node.js";
import type { Member as GossipMember } from "../membership/types.js";
import type { Logger } from "../util/logger.js";
import type { TimerHandle, Timers } from "../util/timers.js";
import type { CommandBackend } from "./backend.js";
import { ClientBackend } from "./client-backend.js";
import { TAG } from "./gossip-glue.js";
import type { ResolvedAgentOptions } from "./options.js";
import { RaftBackend } from "./raft-backend.js";
import { ClientWan } from "./wan-client.js";
import { WanPool, type WanPingAnswer, type WanPoolOptions, type WanRequest, type WanServer } from "./wan.js";

/** WAN gossip port of `disco agent` (Consul's serf_wan). */
export const WAN_GOSSIP_PORT_DEFAULT = 8302;

/**
 * How often a server looks for servers of its own datacenter that are not in
 * its WAN pool yet, and joins them (Consul's LAN-to-WAN flood join): this is
 * how one `joinWan` per datacenter is enough.
 */
export const WAN_FLOOD_JOIN_INTERVAL_MS = 2000;
/** Timeout of asking a local server for its WAN address. */
const FLOOD_ASK_TIMEOUT_MS = 2000;

/** What the agent needs of multi-datacenter support, on servers and client agents alike. */
export interface WanAccess {
  /** Known datacenters, this one first, then nearest first. */
  datacenters(): string[];
  /**
   * Sends an HTTP API request to a server of `dc`.
   * @throws NoPathToDatacenterError when `dc` is unknown or unreachable.
   */
  forward(dc: string, request: ForwardedRequest, signal?: AbortSignal): Promise<ForwardedResponse>;
  /**
   * Members of the WAN gossip pool.
   * @throws WanUnavailableError on a client agent (only servers are WAN members).
   */
  members(): GossipMember[];
  /**
   * Joins the WAN pool through servers' WAN gossip addresses; resolves with how many answered.
   * @throws WanUnavailableError on a client agent; JoinError when none answered.
   */
  join(addresses: readonly string[]): Promise<number>;
  /** This server's WAN gossip address `host:port`; undefined on client agents. */
  readonly address: string | undefined;
  /** Leaves the WAN pool gracefully (servers); nothing on client agents. */
  leave(): Promise<void>;
  /** Releases sockets and timers. */
  close(): Promise<void>;
}

/** Options of {@link WanFederation.start}. */
export interface WanFederationOptions {
  node: string;
  datacenter: string;
  /** WAN gossip address, `host:port` (port 0 picks one). */
  bind: string;
  /** WAN gossip addresses joined at start; start fails with JoinError when none answers. */
  join: readonly string[];
  /** WAN gossip addresses joined in the background, retrying with backoff until one answers. */
  retryJoin: readonly string[];
  encrypt: string | undefined;
  label: string;
  /** This server's RPC address, advertised in its member tags. */
  rpc: string;
  /** Package version, advertised in the member tags. */
  build: string;
  /** RPC addresses of the other servers of this datacenter, to flood-join (see {@link WAN_FLOOD_JOIN_INTERVAL_MS}). */
  localServers: () => readonly string[];
  request: WanPoolOptions["request"];
  timers: Timers;
  logger: Logger;
}

/** The WAN pool's servers as gossip lists them (members without a datacenter or RPC tag are left out). */
export function wanServers(gossip: GossipNode): WanServer[] {
  const out: WanServer[] = [];
  for (const m of gossip.members()) {
    const dc = m.meta[TAG.dc];
    const rpc = m.meta[TAG.rpc];
    if (m.meta[TAG.role] !== "server" || dc === undefined || rpc === undefined) continue;
    out.push({ name: m.name, dc, rpc, status: m.status });
  }
  return out;
}

/** A server's WAN gossip member and forwarding pool. */
export class WanFederation implements WanAccess {
  private closing: Promise<void> | undefined;
  private floodTimer: TimerHandle | undefined;
  private flooding = false;

  private constructor(
    /** The WAN gossip member. */
    readonly gossip: GossipNode,
    /** Forwarding, RTTs and reachability. */
    readonly pool: WanPool,
    private readonly o: WanFederationOptions,
  ) {}

  /**
   * Binds the WAN gossip sockets, joins, and starts pinging.
   * @throws InvalidConfigError for a bad address, key or name; JoinError when `join` is given and no address answered.
   */
  static async start(o: WanFederationOptions): Promise<WanFederation> {
    const gossip = await GossipNode.start({
      name: `${o.node}.${o.datacenter}`, bind: o.bind, profile: "wan",
      meta: { [TAG.role]: "server", [TAG.dc]: o.datacenter, [TAG.rpc]: o.rpc, [TAG.build]: o.build },
      join: o.retryJoin, retryJoin: o.retryJoin.length > 0,
      encrypt: o.encrypt, label: o.label, logger: o.logger, timers: o.timers,
    });
    try {
      if (o.join.length > 0) await gossip.join(o.join);
    } catch (err) {
      await gossip.close();
      throw err;
    }
    const pool = new WanPool({ datacenter: o.datacenter, servers: () => wanServers(gossip), request: o.request, timers: o.timers, logger: o.logger });
    pool.start();
    const federation = new WanFederation(gossip, pool, o);
    federation.startFloodJoin();
    return federation;
  }

  /** Joins the WAN member of every local server the WAN pool does not list yet, now and every interval. */
  private startFloodJoin(): void {
    const round = (): void => {
      if (this.closing) return;
      this.floodTimer = this.o.timers.after(WAN_FLOOD_JOIN_INTERVAL_MS, round);
      if (this.flooding) return;
      this.flooding = true;
      void this.floodJoin().finally(() => {
        this.flooding = false;
      });
    };
    round();
  }

  private async floodJoin(): Promise<void> {
    const inPool = new Set(wanServers(this.gossip).filter((s) => s.dc === this.o.datacenter && s.status !== "left").map((s) => s.rpc));
    const missing = this.o.localServers().filter((rpc) => rpc !== this.o.rpc && !inPool.has(rpc));
    await Promise.all(missing.map(async (rpc) => {
      try {
        const address = await this.o.request(rpc, { t: "wanAddress" }, { timeoutMs: FLOOD_ASK_TIMEOUT_MS });
        if (typeof address !== "string" || this.closing) return;
        await this.gossip.join([address]);
        this.o.logger.debug({ component: "wan", server: rpc, address }, "flood-joined a local server's WAN member");
      } catch (err) {
        this.o.logger.debug({ component: "wan", server: rpc, err }, "flood join failed; will retry");
      }
    }));
  }

  /** Where WAN gossip is reached, `host:port`. */
  get address(): string {
    const a = this.gossip.address;
    return a.address.includes(":") ? `[${a.address}]:${a.port}` : `${a.address}:${a.port}`;
  }

  datacenters(): string[] {
    return this.pool.datacenters();
  }

  forward(dc: string, request: ForwardedRequest, signal?: AbortSignal): Promise<ForwardedResponse> {
    return this.pool.forward(dc, request, signal);
  }

  members(): GossipMember[] {
    return this.gossip.members();
  }

  join(addresses: readonly string[]): Promise<number> {
    return this.gossip.join(addresses);
  }

  async leave(): Promise<void> {
    if (!this.closing) await this.gossip.leave();
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      this.floodTimer?.cancel();
      this.pool.close();
      await this.gossip.close();
    })();
    return this.closing;
  }
}

/** What {@link startWan} needs from the agent. */
export interface StartWanOptions {
  options: ResolvedAgentOptions;
  backend: CommandBackend;
  build: string;
  timers: Timers;
  logger: Logger;
}

/**
 * The agent's multi-datacenter part: a {@link WanFederation} on a raft server
 * with `bindWan`, a {@link ClientWan} on a raft client agent, none otherwise
 * (dev and gossip modes, servers without `bindWan`).
 */
export async function startWan(o: StartWanOptions): Promise<WanAccess | undefined> {
  const { options, backend } = o;
  if (backend instanceof RaftBackend) {
    if (options.bindWan === undefined) return undefined;
    return WanFederation.start({
      node: options.node, datacenter: options.datacenter, bind: options.bindWan, join: options.joinWan,
      retryJoin: options.retryJoinWan, encrypt: options.encrypt, label: options.label, rpc: backend.rpc.address,
      build: o.build, request: (to, body, opts) => backend.rpc.request(to, body, opts), timers: o.timers, logger: o.logger,
      localServers: () => backend.raft.status().voters,
    });
  }
  if (backend instanceof ClientBackend) {
    const relay = new ClientWan({
      datacenter: options.datacenter, request: (body, opts) => backend.requestServer(body, opts), timers: o.timers, logger: o.logger,
    });
    relay.start();
    return relay;
  }
  return undefined;
}

/** What a server answers WAN requests with. */
export interface WanRequestDeps {
  datacenter: string;
  datacenters(): string[];
  /** This server's WAN gossip address, when it has one. */
  wanAddress(): string | undefined;
  /** Runs a forwarded HTTP request against this server's own API. */
  exchange(request: ForwardedRequest): Promise<ForwardedResponse>;
  /** Forwards a client agent's request on to another datacenter. */
  forward(dc: string, request: ForwardedRequest): Promise<ForwardedResponse>;
}

function isForwardedRequest(r: unknown): r is ForwardedRequest {
  const x = r as ForwardedRequest | undefined;
  return typeof x === "object" && x !== null && typeof x.method === "string" && typeof x.url === "string" &&
    (x.body === undefined || x.body instanceof Uint8Array);
}

/**
 * Answers a server's WAN RPC request (ping, forwarded HTTP request, a client
 * agent's relay, the datacenter list); undefined when `body` is none of them.
 */
export function answerWanRequest(body: unknown, deps: WanRequestDeps): Promise<unknown> | undefined {
  const req = body as WanRequest | undefined;
  if (typeof req !== "object" || req === null) return undefined;
  if (req.t === "wanPing") return Promise.resolve({ dc: deps.datacenter } satisfies WanPingAnswer);
  if (req.t === "wanDatacenters") return Promise.resolve(deps.datacenters());
  if (req.t === "wanAddress") return Promise.resolve(deps.wanAddress() ?? null);
  if (req.t === "http" && isForwardedRequest(req.r)) return deps.exchange(req.r);
  if (req.t === "dcForward" && typeof req.dc === "string" && isForwardedRequest(req.r)) return deps.forward(req.dc, req.r);
  return undefined;
}
