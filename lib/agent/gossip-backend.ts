/**
 * The backend of `mode: "gossip"`: no servers. Each node owns its own
 * registrations; its catalog view is the union of the live members'. A node
 * applies its own writes locally and bumps a version in its gossip tags; the
 * others, seeing the new version, fetch that node's registrations over its
 * RPC address and bring their view in line. A failed or departed member's
 * node is removed everywhere. KV, sessions and locks need consensus and
 * raise {@link ConsensusRequiredError} here.
 *
 * @module
 */
import { Catalog } from "../catalog/catalog.js";
import type { CatalogCommand, CheckInput, ServiceInput } from "../catalog/commands.js";
import type { ApplyResult } from "../catalog/state.js";
import type { CheckRecord, NodeRecord, ServiceRecord } from "../catalog/types.js";
import type { GossipNode } from "../membership/node.js";
import type { Member as GossipMember } from "../membership/types.js";
import { TcpTransport } from "../transport/tcp.js";
import { ClosedError, ConsensusRequiredError, InvalidArgumentError } from "../util/errors.js";
import type { Logger } from "../util/logger.js";
import type { Timers } from "../util/timers.js";
import type { CommandBackend, Consistency } from "./backend.js";
import { TAG } from "./gossip-glue.js";

/** Member tag carrying a node's registration version. */
export const CATALOG_VERSION_TAG = "cv";

/** A node's registrations as another node fetches them. */
interface NodeState {
  cv: number;
  node: NodeRecord | undefined;
  services: ServiceRecord[];
  checks: CheckRecord[];
}

type GossipRpc = { t: "nodeState" };

/** Pause before a failed fetch of a member's registrations is tried again. */
const FETCH_RETRY_MS = 500;

/** Options of {@link GossipBackend.open}. */
export interface GossipBackendOptions {
  datacenter: string;
  node: string;
  gossip: GossipNode;
  /** The tags this node gossips (the version and RPC address are added). */
  tags: Record<string, string>;
  rpcHost: string;
  timers: Timers;
  logger: Logger;
}

/** A {@link CommandBackend} for a serverless cluster. */
export class GossipBackend implements CommandBackend {
  readonly catalog: Catalog;
  private index = 1;
  private version = 0;
  private closed = false;
  private readonly fetched = new Map<string, number>();
  private readonly syncing = new Set<string>();
  private readonly onMember = (m: GossipMember): void => void this.syncMember(m);

  private constructor(private readonly transport: TcpTransport, private readonly o: GossipBackendOptions) {
    this.catalog = new Catalog({ datacenter: o.datacenter, timers: o.timers });
  }

  /** Starts serving this node's registrations and following the others'. */
  static async open(o: GossipBackendOptions): Promise<GossipBackend> {
    let backend: GossipBackend | undefined;
    const transport = await TcpTransport.listen({
      host: o.rpcHost, port: 0, logger: o.logger,
      onRequest: async (_from, body) => {
        if (!backend || (body as GossipRpc)?.t !== "nodeState") throw new ClosedError("agent");
        return backend.ownState();
      },
    });
    backend = new GossipBackend(transport, o);
    backend.publish();
    for (const e of ["member-join", "member-update"] as const) o.gossip.on(e, backend.onMember);
    for (const e of ["member-failed", "member-leave"] as const) o.gossip.on(e, backend.onMember);
    for (const m of o.gossip.members()) void backend.syncMember(m);
    return backend;
  }

  private ownState(): NodeState {
    const state = this.catalog.state;
    return { cv: this.version, node: state.node(this.o.node), services: state.nodeServices(this.o.node), checks: state.nodeChecks(this.o.node) };
  }

  /** Gossips the current version (and where to fetch it). */
  private publish(): void {
    this.o.gossip.updateMeta({ ...this.o.tags, [TAG.rpc]: this.transport.address, [CATALOG_VERSION_TAG]: String(this.version) });
  }

  private apply(command: CatalogCommand): ApplyResult {
    return this.catalog.apply(++this.index, command);
  }

  /** Brings this view of member `m`'s node in line with what gossip says of it. */
  private async syncMember(m: GossipMember): Promise<void> {
    if (this.closed || m.name === this.o.node) return;
    if (m.status === "failed" || m.status === "left") {
      this.fetched.delete(m.name);
      if (this.catalog.state.node(m.name)) this.apply({ op: "deregister", node: m.name, nowMs: this.o.timers.nowMs() });
      return;
    }
    const cv = Number(m.meta[CATALOG_VERSION_TAG] ?? NaN);
    const rpc = m.meta[TAG.rpc];
    if (!rpc || !Number.isInteger(cv) || this.fetched.get(m.name) === cv || this.syncing.has(m.name)) return;
    this.syncing.add(m.name);
    try {
      const remote = (await this.transport.request(rpc, { t: "nodeState" } satisfies GossipRpc, { timeoutMs: 5000 })) as NodeState;
      if (this.closed) return;
      // The member may have failed or left while we fetched: then its node stays removed.
      const current = this.o.gossip.member(m.name);
      if (!current || current.status === "failed" || current.status === "left") return;
      this.replaceNode(m.name, remote);
      this.fetched.set(m.name, remote.cv);
    } catch (err) {
      this.o.logger.debug({ component: "gossip-catalog", member: m.name, err }, "could not fetch a member's registrations");
      // Try again: no further gossip may come to prompt it.
      this.o.timers.after(FETCH_RETRY_MS, () => {
        const now = this.o.gossip.member(m.name);
        if (now) void this.syncMember(now);
      });
    } finally {
      this.syncing.delete(m.name);
    }
    // A newer version may have been gossiped while we fetched.
    const now = this.o.gossip.member(m.name);
    if (now && Number(now.meta[CATALOG_VERSION_TAG]) !== this.fetched.get(m.name)) void this.syncMember(now);
  }

  /** Applies a member's registrations: removed services go, the rest are upserted (unchanged ones move nothing). */
  private replaceNode(name: string, remote: NodeState): void {
    const state = this.catalog.state;
    const nowMs = this.o.timers.nowMs();
    if (!remote.node) {
      if (state.node(name)) this.apply({ op: "deregister", node: name, nowMs });
      return;
    }
    const keep = new Set(remote.services.map((s) => s.id));
    for (const s of state.nodeServices(name)) if (!keep.has(s.id)) this.apply({ op: "deregister", node: name, serviceId: s.id, nowMs });
    const keepChecks = new Set(remote.checks.map((c) => c.checkId));
    for (const c of state.nodeChecks(name)) if (!keepChecks.has(c.checkId)) this.apply({ op: "deregister", node: name, checkId: c.checkId, nowMs });
    const node = { node: name, address: remote.node.address, meta: { ...remote.node.meta } };
    const checkInput = (c: CheckRecord): CheckInput => ({
      checkId: c.checkId, name: c.name, serviceId: c.serviceId, status: c.status, output: c.output, notes: c.notes,
      type: c.type, intervalMs: c.intervalMs, timeoutMs: c.timeoutMs, ttlMs: c.ttlMs, deregisterCriticalAfterMs: c.deregisterCriticalAfterMs,
    });
    this.apply({ op: "register", node, checks: remote.checks.filter((c) => !c.serviceId).map(checkInput), nowMs });
    for (const s of remote.services) {
      const service: ServiceInput = { id: s.id, service: s.service, tags: [...s.tags], address: s.address, port: s.port, meta: { ...s.meta }, weights: { ...s.weights } };
      this.apply({ op: "register", node, service, checks: remote.checks.filter((c) => c.serviceId === s.id).map(checkInput), nowMs });
    }
  }

  async propose(command: CatalogCommand): Promise<ApplyResult> {
    if (this.closed) throw new ClosedError("agent");
    switch (command.op) {
      case "register":
        if (command.node.node !== this.o.node) throw new InvalidArgumentError("node", "in gossip mode a node registers only itself");
        break;
      case "deregister":
      case "check-update":
        if (command.node !== this.o.node) throw new InvalidArgumentError("node", "in gossip mode a node changes only its own registrations");
        break;
      default:
        throw new ConsensusRequiredError(`${command.op} (KV, sessions and locks)`);
    }
    const result = this.apply(command);
    this.version++;
    this.publish();
    return result;
  }

  readBarrier(_consistency: Consistency): Promise<void> {
    return Promise.resolve();
  }

  leaderContact(): { knownLeader: boolean; lastContactMs: number } {
    // There is no leader in gossip mode; every read is a local, eventually consistent view.
    return { knownLeader: false, lastContactMs: 0 };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const e of ["member-join", "member-update", "member-failed", "member-leave"] as const) this.o.gossip.off(e, this.onMember);
    await this.transport.close();
    this.catalog.close();
  }
}
