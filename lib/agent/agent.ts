/**
 * The agent: the composition root that wires the catalog, the peer layer,
 * local registrations, health checks, resolvers, KV and sessions together.
 *
 * @module
 */
import { EventEmitter } from "eventemitter3";
import type { CheckRecord, CheckStatus, HealthEntry, NodeRecord, ServiceRecord } from "../catalog/types.js";
import { Resolver, resolveResolverOptions, type ResolverOptions } from "../resolver/resolver.js";
import { ClosedError, InvalidArgumentError, NoPathToDatacenterError, NotSupportedError } from "../util/errors.js";
import { childLogger, silentLogger, type Logger } from "../util/logger.js";
import { realTimers, type Timers } from "../util/timers.js";
import { randomRng } from "../util/rng.js";
import type { CommandBackend, Consistency } from "./backend.js";
import { catalogFeed } from "./catalog-feed.js";
import { failoverFeed, remoteFeed } from "./remote-feed.js";
import { Kv } from "./kv.js";
import { LocalBackend } from "./local-backend.js";
import { RaftBackend } from "./raft-backend.js";
import { ClientBackend } from "./client-backend.js";
import { GossipBackend } from "./gossip-backend.js";
import { parseHostPort } from "./options.js";
import { LocalServices } from "./local-services.js";
import { Lock, type LockOptions } from "./lock.js";
import { resolveAgentOptions, type AgentOptions, type ResolvedAgentOptions } from "./options.js";
import { Registration } from "./registration.js";
import { parseServiceInput, type ServiceRegistration } from "./service-input.js";
import { Sessions } from "./sessions.js";
import { AntiEntropy } from "./anti-entropy.js";
import { SessionTtlKeeper } from "./session-ttl.js";
import { agentKeyring, keyringFilePath, type AgentKeyring } from "./keyring.js";
import { PreparedQueries } from "./prepared-query.js";
import { UserEvents, type UserEvent, type UserEventFilters } from "./events.js";
import { Maintenance } from "./maintenance.js";
import { forceLeave, joinCluster, type ForceLeaveResult } from "./cluster-ops.js";
import { runReload, type ReloadRequest } from "./reload.js";
import { restoreSnapshot, saveSnapshot, type SavedSnapshot } from "./snapshot.js";
import { startHttpApi, createHttpHandler, type HttpApi } from "../api/http/server.js";
import type { HttpApiContext, ForwardedRequest, ForwardedResponse } from "../api/http/context.js";
import { exchangeInMemory } from "../api/http/memory-exchange.js";
import { uiRoutes } from "../api/ui/routes.js";
import { startTemplate, type StartTemplateOptions, type TemplateHandle } from "../template/index.js";
import { answerWanRequest, startWan, type WanAccess } from "./wan-federation.js";
import { WanUnavailableError } from "./wan.js";
import { GossipNode } from "../membership/node.js";
import type { Member as GossipMember } from "../membership/types.js";
import { gossipServers, waitForServers, SerfHealthReconciler, TAG } from "./gossip-glue.js";
import { startDnsServer, catalogDnsSource, type DnsServer } from "../api/dns/index.js";
import { readFileSync } from "node:fs";

/** A cluster member, as `agent.members()` lists it. */
export interface Member {
  name: string;
  address: string;
  port: number;
  status: "alive" | "suspect" | "failed" | "left";
  tags: Record<string, string>;
}

/** Events an agent emits. */
export interface AgentEvents {
  "member-join": (member: Member) => void;
  "member-update": (member: Member) => void;
  "member-leave": (member: Member) => void;
  "member-failed": (member: Member) => void;
  /** A user event this agent keeps (its filters match this node); see {@link Agent.fireEvent}. */
  "user-event": (event: UserEvent) => void;
  /** A configuration reload was asked for ({@link Agent.reload}); pass the work to `request.waitUntil`. */
  reload: (request: ReloadRequest) => void;
  /** Something failed in the background (a sync, a check write); the agent carries on. */
  error: (err: Error) => void;
}

/** The node-level liveness check every node carries, as Consul's. */
export const SERF_HEALTH_CHECK_ID = "serfHealth";

/** Read-only views of the catalog, as Consul's /v1/catalog. */
export interface CatalogView {
  /** Service names with the union of their tags. */
  services(options?: { consistency?: Consistency }): Promise<Record<string, string[]>>;
  /** Instances of one service with their nodes (regardless of health). */
  service(name: string, options?: { tag?: string; consistency?: Consistency }): Promise<{ node: NodeRecord; service: ServiceRecord }[]>;
  nodes(options?: { consistency?: Consistency }): Promise<NodeRecord[]>;
  node(name: string): Promise<{ node: NodeRecord; services: ServiceRecord[] } | undefined>;
}

/** Read-only health views, as Consul's /v1/health. */
export interface HealthView {
  /** Instances of a service with their node and checks. */
  service(name: string, options?: { tag?: string; passingOnly?: boolean; consistency?: Consistency }): Promise<HealthEntry[]>;
  /** Checks of a service's instances. */
  checks(service: string): Promise<CheckRecord[]>;
  /** Checks of a node. */
  node(name: string): Promise<CheckRecord[]>;
  /** Checks in a state ("any" for all). */
  state(state: CheckStatus | "any"): Promise<CheckRecord[]>;
}

/** The Raft view (`agent.raft`). In dev mode this node is the only voter and always the leader. */
export interface RaftView {
  /** The leader's node name and RPC address, or undefined when none is known. */
  leader(): { node: string; address: string } | undefined;
  /** The voters. */
  peers(): { node: string; address: string }[];
  /**
   * Removes a server (by RPC address) from the voters, as `consul operator
   * raft remove-peer`. Resolves false when it was not a voter.
   * @throws NotSupportedError in dev mode.
   */
  removePeer(address: string): Promise<boolean>;
}

/**
 * A running agent. Start one with {@link Agent.start}; `register()` and
 * `discover()` at the package's top level use a default agent.
 */
export class Agent extends EventEmitter<AgentEvents> {
  /** This node's name. */
  readonly node: string;
  /** This node's datacenter. */
  readonly datacenter: string;
  /** The peer-layer mode. */
  readonly mode: ResolvedAgentOptions["mode"];
  /** The KV store. */
  readonly kv: Kv;
  /** Sessions (leases for locks). */
  readonly session: Sessions;
  /** Prepared queries (Consul's /v1/query), also served by DNS as `NAME.query.DOMAIN`. */
  readonly query: PreparedQueries;
  /** Catalog reads. */
  readonly catalog: CatalogView;
  /** Health reads. */
  readonly health: HealthView;
  /** Raft state. */
  readonly raft: RaftView;
  /** The LAN pool's gossip encryption keys (`consul keyring`); needs `bind` and `encrypt`. */
  readonly keyring: AgentKeyring;
  /** Node and service maintenance mode. */
  readonly maintenance: Maintenance;

  private readonly local: LocalServices;
  private readonly eventLog: UserEvents;
  private readonly resolvers = new Set<Resolver>();
  private http: HttpApi | undefined;
  private reconciler: SerfHealthReconciler | undefined;
  private readonly templates = new Set<TemplateHandle>();
  private readonly locks = new Set<Lock>();
  private wan: WanAccess | undefined;
  private dns: DnsServer | undefined;
  private closing: Promise<void> | undefined;
  private antiEntropy: AntiEntropy | undefined;
  private sessionTtl: SessionTtlKeeper | undefined;

  private constructor(
    private readonly options: ResolvedAgentOptions,
    private readonly backend: CommandBackend,
    private readonly timers: Timers,
    private readonly logger: Logger,
    private readonly gossip: GossipNode | undefined = undefined,
  ) {
    super();
    if (gossip) {
      for (const e of ["member-join", "member-update", "member-leave", "member-failed"] as const) {
        gossip.on(e, (m) => this.emit(e, toMember(m)));
      }
      if (backend instanceof RaftBackend) {
        this.reconciler = new SerfHealthReconciler(gossip, backend, () => backend.raft.isLeader, options.datacenter, timers, childLogger(logger, "serf-health"));
        this.reconciler.start();
      }
    }
    this.node = options.node;
    this.datacenter = options.datacenter;
    this.mode = options.mode;
    this.local = new LocalServices(backend, {
      node: options.node, address: options.advertise, datacenter: options.datacenter, meta: options.meta,
    }, timers, childLogger(logger, "services"));
    this.kv = new Kv(backend, timers, options.mode !== "gossip");
    this.session = new Sessions(backend, options.node, timers);
    // Servers keep session TTL clocks (only while leading); client and gossip-mode agents have none to keep.
    if (backend instanceof RaftBackend || backend instanceof LocalBackend) {
      this.sessionTtl = new SessionTtlKeeper({
        sessions: () => backend.catalog.state.sessions(),
        renewedAt: (id) => backend.catalog.state.sessionRenewedAt(id),
        isLeader: () => !(backend instanceof RaftBackend) || backend.raft.isLeader,
        propose: (cmd) => backend.propose(cmd), timers, logger: childLogger(logger, "session-ttl"),
      });
      this.sessionTtl.start();
    }
    this.keyring = agentKeyring(gossip);
    this.query = new PreparedQueries({
      backend, datacenter: options.datacenter, datacenters: () => this.datacenters(), rng: randomRng(),
      remoteJson: (dc, url, signal) => this.remoteJson(dc, url, signal),
      // WAN servers know every datacenter, agents without WAN only theirs; client agents cannot tell.
      knowsDatacenter: (dc) => this.datacenters().includes(dc) || (this.wan !== undefined && this.wan.address === undefined ? undefined : false),
    });
    const localNode = { node: options.node, address: options.advertise, datacenter: options.datacenter, meta: options.meta };
    this.maintenance = new Maintenance(backend, localNode, (id) => this.local.get(id) !== undefined, timers);
    this.eventLog = new UserEvents({
      node: options.node, gossip, timers, logger: childLogger(logger, "events"), onEvent: (e) => this.emit("user-event", e),
      localServices: () => this.local.ids().flatMap((id) => { const s = this.local.get(id); return s ? [{ name: s.name, tags: s.tags }] : []; }),
    });
    const state = () => backend.catalog.state;
    const barrier = (c: Consistency | undefined) => backend.readBarrier(c ?? "default");
    this.catalog = {
      services: async (o) => (await barrier(o?.consistency), state().services()),
      service: async (name, o) => (await barrier(o?.consistency), state().serviceNodes(name, { tag: o?.tag })),
      nodes: async (o) => (await barrier(o?.consistency), state().nodes()),
      node: async (name) => {
        await barrier("default");
        const node = state().node(name);
        return node ? { node, services: state().nodeServices(name) } : undefined;
      },
    };
    this.health = {
      service: async (name, o) => (await barrier(o?.consistency),
        state().healthService(name, { tag: o?.tag, passingOnly: o?.passingOnly ?? false })),
      // Default consistency, as every other read here: a follower asks the leader how far to catch up first.
      checks: async (name) => (await barrier("default"), state().serviceChecks(name)),
      node: async (name) => (await barrier("default"), state().nodeChecks(name)),
      state: async (s) => (await barrier("default"), state().checksInState(s)),
    };
    const self = { node: options.node, address: options.rpc ?? `${options.advertise}:8300` };
    this.raft = backend instanceof ClientBackend
      ? {
        leader: () => (backend.cluster.leader ? { node: backend.cluster.leader, address: backend.cluster.leader } : undefined),
        peers: () => backend.cluster.voters.map((v) => ({ node: v, address: v })),
        removePeer: () => Promise.reject(new NotSupportedError("removing peers from a client agent; ask a server")),
      }
      : backend instanceof RaftBackend
      ? {
        leader: () => (backend.raft.leader ? { node: backend.raft.leader, address: backend.raft.leader } : undefined),
        peers: () => backend.raft.status().voters.map((v) => ({ node: v, address: v })),
        removePeer: (address) => backend.removePeer(address),
      }
      : {
        leader: () => self, peers: () => [self],
        removePeer: () => Promise.reject(new NotSupportedError("removing peers in dev mode (one node)")),
      };
  }

  /**
   * Starts an agent.
   * @throws InvalidConfigError naming the bad option; NotSupportedError for modes not built yet;
   *   StorageCorruptError when `dataDir` holds corrupt data.
   */
  static async start(options: AgentOptions = {}): Promise<Agent> {
    const resolved = resolveAgentOptions(options);
    const logger = resolved.logger ?? silentLogger;
    const timers = realTimers((err) => logger.error({ component: "agent", err }, "timer callback threw"));
    const isServer = resolved.mode === "raft" && resolved.server;
    const tags: Record<string, string> = {
      [TAG.role]: isServer ? "server" : "client", [TAG.dc]: resolved.datacenter, [TAG.mode]: resolved.mode, [TAG.build]: packageVersion(),
    };
    let gossip: GossipNode | undefined;
    if (resolved.bind) {
      gossip = await GossipNode.start({
        name: resolved.node, bind: resolved.bind, meta: tags, join: resolved.join, retryJoin: resolved.join.length > 0,
        encrypt: resolved.encrypt, label: resolved.label, profile: resolved.gossipProfile, keyringFile: keyringFilePath(resolved.dataDir),
        logger: childLogger(logger, "gossip"), timers,
      });
    }
    const stopBootstrap = new AbortController();
    let backend: CommandBackend;
    try {
      backend = resolved.mode === "gossip"
      ? await GossipBackend.open({
        datacenter: resolved.datacenter, node: resolved.node, gossip: gossip!, tags,
        rpcHost: gossip!.address.address, timers, logger: childLogger(logger, "gossip-catalog"),
      })
      : resolved.mode === "raft" && !resolved.server
      ? await ClientBackend.open({
        datacenter: resolved.datacenter, timers, logger: childLogger(logger, "client"),
        servers: gossip ? () => gossipServers(gossip!, resolved.datacenter) : () => resolved.join,
      })
      : resolved.mode === "raft"
      ? await RaftBackend.open({
        datacenter: resolved.datacenter, rpc: parseHostPort(resolved.rpc!, "rpc"),
        peers: gossip
          ? () => waitForServers(gossip!, resolved.datacenter, resolved.bootstrapExpect, timers, stopBootstrap.signal)
          : [resolved.rpc!, ...resolved.join],
        onListening: (address) => gossip?.updateMeta({ ...tags, [TAG.rpc]: address }),
        dataDir: resolved.dataDir, timers, rng: randomRng(),
        logger: childLogger(logger, "raft"), snapshotThreshold: resolved.snapshotThreshold,
        deadServerCleanupAfterMs: resolved.deadServerCleanupAfterMs,
      })
      : await LocalBackend.open({
        datacenter: resolved.datacenter, timers, logger: childLogger(logger, "backend"),
        dataDir: resolved.dataDir, snapshotThreshold: resolved.snapshotThreshold,
      });
    } catch (err) {
      stopBootstrap.abort();
      await gossip?.close();
      throw err;
    }
    const agent = new Agent(resolved, backend, timers, logger, gossip);
    try {
      if (backend instanceof RaftBackend || backend instanceof ClientBackend || backend instanceof GossipBackend) {
        // The cluster may not have a leader yet: register in the background, retrying.
        agent.registerNodeInBackground();
      } else {
        await agent.registerNode();
      }
      await agent.startInterfaces();
      agent.startAntiEntropy();
    } catch (err) {
      await agent.close();
      throw err;
    }
    return agent;
  }

  /** Starts the WAN pool, the HTTP API and DNS as the options ask. */
  private async startInterfaces(): Promise<void> {
    const o = this.options;
    const backend = this.backend;
    // Servers with bindWan join the WAN pool; client agents relay other datacenters' requests through a server.
    this.wan = await startWan({ options: o, backend, build: packageVersion(), timers: this.timers, logger: childLogger(this.logger, "wan") });
    const ctx: HttpApiContext = {
      agent: this, backend, local: this.local, timers: this.timers, rng: randomRng(),
      logger: childLogger(this.logger, "http"), advertise: o.advertise, rpcAddress: o.rpc ?? `${o.advertise}:8300`,
      version: packageVersion(), ui: o.ui, metrics: { requests: 0, errors: 0, blockingQueriesActive: 0 },
      forwardToDatacenter: (dc, request, signal) => this.forwardToDatacenter(dc, request, signal),
    };
    const handler = createHttpHandler(ctx, o.ui ? (router) => router.add(...uiRoutes()) : undefined);
    if (backend instanceof RaftBackend) {
      // Servers answer other datacenters' forwarded requests, WAN pings, and their clients' forwarding.
      backend.extraRequests = (body) => answerWanRequest(body, {
        datacenter: o.datacenter, datacenters: () => this.datacenters(), wanAddress: () => this.wan?.address,
        exchange: (r) => exchangeInMemory(handler, r), forward: (dc, r) => this.forwardToDatacenter(dc, r),
      });
    }
    if (o.http) this.http = await startHttpApi(ctx, o.http, undefined, handler);
    if (o.dns) {
      const source = catalogDnsSource(o.datacenter, () => this.backend.catalog.state);
      this.dns = await startDnsServer({ ...source, query: (name) => this.query.dnsQuery(name), remote: (l) => this.query.dnsRemote(l) }, {
        host: o.dns.host, port: o.dns.port, domain: o.domain, logger: childLogger(this.logger, "dns"),
      });
    }
  }

  /**
   * Sends an HTTP API request to a server of another datacenter (through a
   * local server, from a client agent).
   * @throws NoPathToDatacenterError when that datacenter is unknown or unreachable.
   */
  private forwardToDatacenter(dc: string, request: ForwardedRequest, signal?: AbortSignal): Promise<ForwardedResponse> {
    if (this.wan) return this.wan.forward(dc, request, signal);
    return Promise.reject(new NoPathToDatacenterError(dc, "this agent knows no other datacenter (a raft server needs bindWan)"));
  }

  /** Datacenters this agent knows, its own first, then by round-trip time. */
  datacenters(): string[] {
    return this.wan?.datacenters() ?? [this.datacenter];
  }

  /**
   * Runs a read against another datacenter's HTTP API (JSON), as `?dc=` does.
   * @internal Used by cross-datacenter resolvers.
   */
  async remoteJson(dc: string, url: string, signal?: AbortSignal): Promise<{ index: number; body: unknown }> {
    const answer = await this.forwardToDatacenter(dc, { method: "GET", url }, signal);
    if (answer.status !== 200) throw new NoPathToDatacenterError(dc, `answered ${answer.status}: ${Buffer.from(answer.body).toString("utf8").slice(0, 200)}`);
    return { index: Number(answer.headers["x-consul-index"] ?? 0), body: JSON.parse(Buffer.from(answer.body).toString("utf8")) };
  }

  /**
   * The local catalog replica and its read barrier, for layers of this
   * package that read the catalog directly (templates, tests).
   * @internal
   */
  get replica(): { catalog: CommandBackend["catalog"]; readBarrier: CommandBackend["readBarrier"] } {
    return { catalog: this.backend.catalog, readBarrier: (c, signal) => this.backend.readBarrier(c, signal) };
  }

  /**
   * Renders a template (consul-template syntax) from this agent's catalog and
   * KV, re-rendering when the data it uses changes. See the README's
   * templates section.
   * @throws InvalidConfigError on bad options; TemplateSyntaxError with line and column.
   */
  template(options: StartTemplateOptions): TemplateHandle {
    this.assertOpen();
    const handle = startTemplate(this, options);
    this.templates.add(handle);
    return handle;
  }

  /** Where gossip listens (UDP and TCP), when the `bind` option is set. */
  get gossipAddress(): string | undefined {
    return this.gossip ? `${this.gossip.address.address}:${this.gossip.address.port}` : undefined;
  }

  /** Where DNS listens (UDP and TCP), when the `dns` option is set. */
  get dnsAddress(): { host: string; port: number } | undefined {
    return this.dns ? { host: this.dns.address.host, port: this.dns.address.udpPort } : undefined;
  }

  /** Where the HTTP API listens, when the `http` option is set. */
  get httpAddress(): { host: string; port: number } | undefined {
    return this.http?.address;
  }

  /** Registers this node with its serfHealth check, and takes over what a previous run left. */
  private async registerNode(): Promise<void> {
    await this.proposeNode();
    const o = this.options;
    const state = this.backend.catalog.state;
    const leftovers = state.nodeServices(o.node).map((s) => ({
      serviceId: s.id, checks: state.nodeChecks(o.node).filter((c) => c.serviceId === s.id),
    }));
    await this.local.adoptOrphans(leftovers);
  }

  /** Writes this node and its serfHealth check to the catalog. */
  private async proposeNode(): Promise<void> {
    const o = this.options;
    await this.backend.propose({
      op: "register",
      nowMs: this.timers.nowMs(),
      node: { node: o.node, address: o.advertise, datacenter: o.datacenter, meta: o.meta },
      checks: [{
        checkId: SERF_HEALTH_CHECK_ID, name: "Serf Health Status", status: "passing",
        output: "Agent alive and reachable", type: "serf",
      }],
    });
  }

  /** Starts comparing this agent's registrations with the catalog now and then (see anti-entropy.ts). */
  private startAntiEntropy(): void {
    const node = this.options.node;
    const nodeMissing = (): boolean => {
      const state = this.backend.catalog.state;
      return !state.node(node) || !state.nodeChecks(node).some((c) => c.checkId === SERF_HEALTH_CHECK_ID);
    };
    this.antiEntropy = new AntiEntropy({
      diverged: () => nodeMissing() || this.local.missingFromCatalog(),
      repair: async () => {
        if (nodeMissing()) await this.proposeNode();
        await this.local.resync();
      },
    }, this.options.antiEntropyIntervalMs, this.timers, randomRng(), this.logger);
    this.antiEntropy.start();
  }

  private registerNodeInBackground(): void {
    const attempt = (): void => {
      if (this.closing) return;
      this.registerNode().catch((err: unknown) => {
        this.logger.warn({ component: "agent", err }, "node registration failed; retrying");
        this.timers.after(1000, attempt);
      });
    };
    attempt();
  }

  private assertOpen(): void {
    if (this.closing) throw new ClosedError("agent");
  }

  /**
   * Registers a service instance on this node. Resolves once it is in the catalog.
   * With a TTL check the SDK heartbeats it (unless `heartbeat: false`), so it is
   * passing at once and stays passing while this process lives.
   * @throws InvalidArgumentError naming the bad field; nothing is registered.
   */
  async register(service: ServiceRegistration, options: { signal?: AbortSignal } = {}): Promise<Registration> {
    this.assertOpen();
    const parsed = parseServiceInput(service, this.options.advertise);
    await this.local.register(parsed, options.signal);
    return new Registration(parsed.id, this.local);
  }

  /** Deregisters a service this agent registered. Resolves false if it has none by that ID. */
  async deregister(serviceId: string): Promise<boolean> {
    this.assertOpen();
    if (typeof serviceId !== "string") throw new InvalidArgumentError("serviceId", "must be a string");
    return this.local.deregister(serviceId);
  }

  /** IDs of the services this agent registered. */
  localServices(): string[] {
    return this.local.ids();
  }

  /**
   * Discovers a service: a resolver kept up to date by blocking watches on the
   * catalog, with client-side load balancing (`pick()`).
   * @throws InvalidArgumentError on a bad name or options; NotSupportedError for another datacenter.
   */
  discover(name: string, options: ResolverOptions & { failover?: string[] } = {}): Resolver {
    this.assertOpen();
    if (typeof name !== "string" || name.length === 0) throw new InvalidArgumentError("name", "must be a non-empty service name");
    const { failover, ...resolverOptions } = options as ResolverOptions & { failover?: unknown };
    if (failover !== undefined && (!Array.isArray(failover) || failover.some((d) => typeof d !== "string" || d.length === 0))) {
      throw new InvalidArgumentError("failover", "must be an array of datacenter names");
    }
    const resolved = resolveResolverOptions(resolverOptions);
    const filter = { tag: resolved.tag, passingOnly: resolved.passingOnly };
    const feedFor = (dc: string) => dc === this.datacenter
      ? catalogFeed(async () => this.backend.catalog, name, filter)
      : remoteFeed(this, dc, name, filter, this.timers);
    const primaryDc = resolved.dc ?? this.datacenter;
    const feed = failover && failover.length > 0
      ? failoverFeed([primaryDc, ...(failover as string[])].map((dc) => ({ dc, feed: feedFor(dc) })), () => this.datacenters())
      : feedFor(primaryDc);
    const resolver = new Resolver(name, resolverOptions, feed, { clock: this.timers, rng: randomRng(), logger: childLogger(this.logger, "resolver") });
    this.resolvers.add(resolver);
    const close = resolver.close.bind(resolver);
    resolver.close = () => {
      this.resolvers.delete(resolver);
      close();
    };
    return resolver;
  }

  /** A session-backed lock on a KV key (`await lock.acquire()`). */
  lock(key: string, options: LockOptions = {}): Lock {
    this.assertOpen();
    const lock = new Lock(key, this.kv, this.session, this.timers, options);
    this.locks.add(lock);
    return lock;
  }

  /**
   * The cluster's members as gossip sees them; without gossip (`bind`), this node alone.
   * With `wan: true`, the WAN pool's servers (named `NODE.DC`).
   * @throws WanUnavailableError (code NOT_SUPPORTED) for `wan: true` on a client agent or a server without `bindWan`.
   */
  members(options: { wan?: boolean } = {}): Member[] {
    if (options.wan) {
      if (!this.wan) throw new WanUnavailableError(this.mode === "raft" && this.options.server ? "this server has no bindWan" : "only raft servers are WAN members");
      return this.wan.members().map(toMember);
    }
    if (this.gossip) return this.gossip.members().map(toMember);
    return [{
      name: this.node, address: this.options.advertise, port: 0, status: this.closing ? "left" : "alive",
      tags: { role: "node", dc: this.datacenter, mode: this.mode },
    }];
  }

  /**
   * Fires a user event to every member (gossip); each keeps it when its
   * filters match (regular expressions on the node name, a service name, a
   * tag). Without gossip only this agent keeps it.
   * @throws InvalidArgumentError naming a bad field; ValueTooLargeError past USER_EVENT_BYTES_MAX.
   */
  fireEvent(name: string, payload?: Uint8Array | string, filters?: UserEventFilters): UserEvent {
    this.assertOpen();
    return this.eventLog.fire(name, payload, filters);
  }

  /** The user events this agent kept (the last 256), oldest first; only those named `name` when given. */
  events(name?: string): UserEvent[] {
    return this.eventLog.list(name);
  }

  /** @internal The event log, for the HTTP API's blocking event list. */
  get userEvents(): UserEvents {
    return this.eventLog;
  }

  /**
   * Joins the gossip pool through `addresses` (gossip `host:port`); with
   * `wan`, the WAN pool through other servers' WAN gossip addresses.
   * @returns how many answered.
   * @throws GossipRequiredError without `bind`; WanUnavailableError for `wan`
   *   on an agent that is not a server with `bindWan`; JoinError when none answered.
   */
  join(addresses: string[], options: { wan?: boolean } = {}): Promise<number> {
    this.assertOpen();
    // `consul join -wan` goes to the WAN pool, which only servers with bindWan have.
    if (options.wan) return this.joinWan(addresses);
    return joinCluster(this.gossip, addresses);
  }

  /**
   * Consul's force-leave: a failed member's node leaves the catalog now and
   * turns "left" on every member of the gossip pool; with `prune` every
   * member also forgets it at once. A live member refutes it and stays.
   * @throws GossipRequiredError without `bind`; NotFoundError for an unknown member.
   */
  forceLeave(node: string, options: { prune?: boolean; signal?: AbortSignal } = {}): Promise<ForceLeaveResult> {
    this.assertOpen();
    return forceLeave(this.gossip, this.backend, node, this.timers.nowMs(), options.signal, { prune: options.prune });
  }

  /** Asks the host to reload its configuration (the `reload` event). @throws ReloadNotHandledError when nothing listens. */
  reload(): Promise<void> {
    this.assertOpen();
    return runReload(this);
  }

  /** The catalog and KV as snapshot bytes, with the index they are consistent with. */
  saveSnapshot(options: { consistency?: Consistency; signal?: AbortSignal } = {}): Promise<SavedSnapshot> {
    this.assertOpen();
    return saveSnapshot(this.backend, options.consistency ?? "default", options.signal);
  }

  /**
   * Replaces the cluster's catalog and KV with a snapshot (through the log,
   * on every replica), then writes this agent's own node, services and checks
   * back, as Consul's anti-entropy would.
   * @throws InvalidArgumentError for bytes that are not a snapshot; ValueTooLargeError past SNAPSHOT_RESTORE_BYTES_MAX.
   */
  async restoreSnapshot(data: Uint8Array, options: { signal?: AbortSignal } = {}): Promise<void> {
    this.assertOpen();
    await restoreSnapshot(this.backend, data, this.timers.nowMs(), options.signal);
    await this.registerNode();
    await this.local.resync(options.signal);
  }

  /**
   * Joins the WAN pool through other servers' WAN gossip addresses (`host:port`), as `consul join -wan`.
   * Resolves with how many answered.
   * @throws WanUnavailableError on a client agent or a server without `bindWan`; JoinError when none answered.
   */
  async joinWan(addresses: string[]): Promise<number> {
    this.assertOpen();
    if (!this.wan) throw new WanUnavailableError("only raft servers with bindWan join the WAN pool");
    return this.wan.join(addresses);
  }

  /** Leaves gracefully: deregisters this agent's services, then closes. */
  async leave(): Promise<void> {
    if (!this.closing) {
      // Nothing may write this node's registrations back while they are being removed.
      this.antiEntropy?.stop();
      this.local.close();
      await this.local.deregisterAll().catch((err: unknown) =>
        this.logger.warn({ component: "agent", err }, "deregister on leave failed"));
      // Take this node out of the catalog now rather than waiting for the leader to hear of the leave.
      if (this.backend instanceof RaftBackend || this.backend instanceof ClientBackend) {
        await this.backend.propose({ op: "deregister", node: this.node, nowMs: this.timers.nowMs() })
          .catch((err: unknown) => this.logger.warn({ component: "agent", err }, "node deregistration on leave failed"));
      }
      // Tell the pool before going: the others mark this node "left", not "failed".
      await this.gossip?.leave().catch((err: unknown) => this.logger.warn({ component: "gossip", err }, "graceful leave failed"));
      await this.wan?.leave().catch((err: unknown) => this.logger.warn({ component: "wan", err }, "graceful WAN leave failed"));
    }
    await this.close();
  }

  /**
   * Stops everything without deregistering: checks, heartbeats, resolvers,
   * watches, files. Afterwards nothing of the agent keeps the event loop alive.
   */
  close(): Promise<void> {
    this.closing ??= (async () => {
      // Every step runs even if one fails, so no file, socket or timer is left behind; the first error is reported.
      const errors: unknown[] = [];
      const step = async (fn: () => unknown): Promise<void> => {
        try {
          await fn();
        } catch (err) {
          errors.push(err);
        }
      };
      await Promise.all([...this.templates].map((t) => step(() => t.close())));
      await step(() => this.antiEntropy?.stop());
      await step(() => this.local.close());
      await step(() => this.eventLog.close());
      await step(() => this.session.close());
      await step(() => this.sessionTtl?.stop());
      for (const lock of this.locks) await step(() => lock.abandon());
      for (const r of this.resolvers) await step(() => r.close());
      this.resolvers.clear();
      await step(() => this.wan?.close());
      await step(() => this.reconciler?.close());
      await step(() => this.http?.close());
      await step(() => this.dns?.close());
      await step(() => this.backend.close());
      await step(() => this.gossip?.close());
      if (errors.length > 0) throw errors[0];
    })();
    return this.closing;
  }

  /** Closes on `await using agent = …`. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

let cachedVersion: string | undefined;

/** This package's version, read once from its package.json. */
function packageVersion(): string {
  cachedVersion ??= (JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string }).version;
  return cachedVersion;
}

/** A gossip member as the agent's public {@link Member}. */
function toMember(m: GossipMember): Member {
  return { name: m.name, address: m.address, port: m.port, status: m.status, tags: { ...m.meta } };
}
