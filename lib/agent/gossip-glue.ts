/**
 * What the agent does with the LAN gossip pool: finds servers by their
 * member tags, waits for the bootstrap set, and — on the Raft leader — keeps
 * every node's `serfHealth` check in line with what gossip says of it, so a
 * failed node's instances leave every passing-only resolver and come back
 * with it.
 *
 * @module
 */
import type { GossipNode } from "../membership/node.js";
import type { Member as GossipMember } from "../membership/types.js";
import type { CommandBackend } from "./backend.js";
import type { Logger } from "../util/logger.js";
import type { TimerHandle, Timers } from "../util/timers.js";

/** Member tag keys the agent sets. */
export const TAG = { role: "role", dc: "dc", rpc: "rpc", mode: "mode", build: "build" } as const;

/** How often the leader reconciles serfHealth with gossip (events also trigger it at once). */
const RECONCILE_INTERVAL_MS = 1000;

/** Output of a serfHealth check, as Consul writes it. */
const SERF_OUTPUT = { passing: "Agent alive and reachable", critical: "Agent not live or unreachable" } as const;

/** The RPC addresses of the live servers of `dc` that gossip knows. */
export function gossipServers(gossip: GossipNode, dc: string): string[] {
  return gossip.members()
    .filter((m) => m.meta[TAG.role] === "server" && m.meta[TAG.dc] === dc && m.meta[TAG.rpc] &&
      (m.status === "alive" || m.status === "suspect"))
    .map((m) => m.meta[TAG.rpc]!)
    .sort();
}

/** Resolves with the servers' RPC addresses once at least `expect` of them are known. */
export function waitForServers(gossip: GossipNode, dc: string, expect: number, timers: Timers, signal: AbortSignal): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const check = (): void => {
      if (signal.aborted) return reject(signal.reason);
      const servers = gossipServers(gossip, dc);
      if (servers.length >= expect) return resolve(servers);
      timers.after(100, check);
    };
    check();
  });
}

/** Keeps serfHealth in the catalog in line with gossip, while this server leads. */
export class SerfHealthReconciler {
  private timer: TimerHandle | undefined;
  private running = false;
  private closed = false;
  private readonly onEvent = (): void => void this.reconcile();

  constructor(
    private readonly gossip: GossipNode,
    private readonly backend: CommandBackend,
    private readonly isLeader: () => boolean,
    private readonly dc: string,
    private readonly timers: Timers,
    private readonly logger: Logger,
  ) {}

  /** Starts reconciling periodically and on every membership event. */
  start(): void {
    for (const e of ["member-join", "member-failed", "member-leave", "member-update"] as const) this.gossip.on(e, this.onEvent);
    const loop = (): void => {
      if (this.closed) return;
      void this.reconcile();
      this.timer = this.timers.after(RECONCILE_INTERVAL_MS, loop);
    };
    loop();
  }

  private async reconcile(): Promise<void> {
    if (this.running || this.closed || !this.isLeader()) return;
    this.running = true;
    try {
      const state = this.backend.catalog.state;
      for (const m of this.gossip.members()) {
        if (m.meta[TAG.dc] !== undefined && m.meta[TAG.dc] !== this.dc) continue;
        if (!state.node(m.name)) continue; // not registered (yet): its own agent registers it
        await this.reconcileMember(m);
      }
    } catch (err) {
      if (!this.closed) this.logger.debug({ component: "serf-health", err }, "reconcile failed; will retry");
    } finally {
      this.running = false;
    }
  }

  private async reconcileMember(m: GossipMember): Promise<void> {
    const nowMs = this.timers.nowMs();
    if (m.status === "left") {
      // A graceful leave takes the node out of the catalog, as Consul does.
      await this.backend.propose({ op: "deregister", node: m.name, nowMs });
      return;
    }
    const want = m.status === "failed" ? "critical" : "passing";
    const check = this.backend.catalog.state.check(m.name, "serfHealth");
    if (!check || check.status === want) return;
    await this.backend.propose({ op: "check-update", node: m.name, checkId: "serfHealth", status: want, output: SERF_OUTPUT[want], nowMs });
  }

  /** Stops. */
  close(): void {
    this.closed = true;
    this.timer?.cancel();
    for (const e of ["member-join", "member-failed", "member-leave", "member-update"] as const) this.gossip.off(e, this.onEvent);
  }
}
