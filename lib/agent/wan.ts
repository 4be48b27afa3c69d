/**
 * The WAN pool of a server: the servers of other datacenters, found from
 * `joinWan` and from each other, with their round-trip times, and the
 * forwarding of requests that name another datacenter. Data is never
 * replicated across datacenters; each keeps its own catalog and KV.
 *
 * Until WAN gossip lands, servers learn each other by pinging over the RPC
 * transport: every ping carries the sender's datacenter and its servers, and
 * the answer carries the receiver's, so one `joinWan` address is enough.
 *
 * @module
 */
import type { ForwardedRequest, ForwardedResponse } from "../api/http/context.js";
import { BLOCKING_WAIT_MS_DEFAULT, BLOCKING_WAIT_MS_MAX } from "../util/limits.js";
import { parseDuration } from "../util/duration.js";
import { NoPathToDatacenterError, DiscoError } from "../util/errors.js";
import type { Logger } from "../util/logger.js";
import type { TimerHandle, Timers } from "../util/timers.js";

/** How often a server pings the other datacenters' servers. */
export const WAN_PING_INTERVAL_MS = 2000;
/** A server not heard from for this long is not used for forwarding. */
export const WAN_SERVER_STALE_MS = 10_000;
/** Time a forwarded request may take beyond its own blocking wait. */
const FORWARD_MARGIN_MS = 3_000;
/** Most addresses kept to ping; bounds what pings from other datacenters can add. */
const WAN_SEEDS_MAX = 256;
/** Most servers remembered per remote datacenter. */
const WAN_SERVERS_PER_DC_MAX = 16;

/** RPC shapes of the WAN pool. */
export type WanRequest =
  | { t: "wanPing"; dc: string; servers: string[] }
  | { t: "http"; r: ForwardedRequest };

interface RemoteServer {
  address: string;
  rttMs: number;
  lastOkMs: number;
}

/** Options of {@link WanPool}. */
export interface WanPoolOptions {
  datacenter: string;
  /** This datacenter's servers' RPC addresses (voters). */
  localServers: () => string[];
  /** Remote servers to start from. */
  joinWan: string[];
  request: (to: string, body: WanRequest, options: { timeoutMs: number; signal?: AbortSignal }) => Promise<unknown>;
  timers: Timers;
  logger: Logger;
}

/** A server's view of the other datacenters. */
export class WanPool {
  private readonly remote = new Map<string, Map<string, RemoteServer>>();
  private readonly seeds: Set<string>;
  private timer: TimerHandle | undefined;
  private closed = false;

  constructor(private readonly o: WanPoolOptions) {
    this.seeds = new Set(o.joinWan);
  }

  /** Starts pinging. */
  start(): void {
    const round = (): void => {
      if (this.closed) return;
      void this.pingAll().finally(() => {
        if (!this.closed) this.timer = this.o.timers.after(WAN_PING_INTERVAL_MS, round);
      });
    };
    round();
  }

  private targets(): string[] {
    const all = new Set(this.seeds);
    for (const servers of this.remote.values()) for (const s of servers.keys()) all.add(s);
    for (const s of this.o.localServers()) all.delete(s);
    return [...all];
  }

  private async pingAll(): Promise<void> {
    await Promise.all(this.targets().map(async (address) => {
      const started = this.o.timers.nowMs();
      try {
        const answer = (await this.o.request(address, { t: "wanPing", dc: this.o.datacenter, servers: this.o.localServers() }, { timeoutMs: 2000 })) as { dc: string; servers: string[] };
        this.learn(answer.dc, answer.servers, address, this.o.timers.nowMs() - started);
      } catch (err) {
        this.o.logger.debug({ component: "wan", address, err }, "WAN ping failed");
      }
    }));
  }

  /** Records what a ping (or its answer) told about a datacenter. */
  private learn(dc: string, servers: string[], via: string | undefined, rttMs: number | undefined): void {
    if (typeof dc !== "string" || dc === this.o.datacenter || !Array.isArray(servers)) return;
    let known = this.remote.get(dc);
    if (!known) this.remote.set(dc, (known = new Map()));
    for (const address of servers.slice(0, WAN_SERVERS_PER_DC_MAX)) {
      if (typeof address === "string" && !known.has(address)) known.set(address, { address, rttMs: Number.POSITIVE_INFINITY, lastOkMs: 0 });
    }
    if (via !== undefined && rttMs !== undefined) {
      const s = known.get(via) ?? { address: via, rttMs, lastOkMs: 0 };
      // Smooth the RTT so one slow ping does not reorder the datacenters.
      s.rttMs = Number.isFinite(s.rttMs) ? s.rttMs * 0.7 + rttMs * 0.3 : rttMs;
      s.lastOkMs = this.o.timers.nowMs();
      known.set(via, s);
    }
  }

  /** Answers a ping from another datacenter's server (and learns its datacenter; its RTT comes from our own pings). */
  handlePing(req: { dc: string; servers: string[] }): { dc: string; servers: string[] } {
    this.learn(req.dc, req.servers, undefined, undefined);
    for (const s of Array.isArray(req.servers) ? req.servers : []) {
      if (typeof s === "string" && this.seeds.size < WAN_SEEDS_MAX) this.seeds.add(s);
    }
    return { dc: this.o.datacenter, servers: this.o.localServers() };
  }

  private liveServers(dc: string): RemoteServer[] {
    const now = this.o.timers.nowMs();
    return [...(this.remote.get(dc)?.values() ?? [])]
      .filter((s) => now - s.lastOkMs < WAN_SERVER_STALE_MS)
      .sort((a, b) => a.rttMs - b.rttMs);
  }

  /** Known datacenters, this one first, then by round-trip time (Consul's /v1/catalog/datacenters order). */
  datacenters(): string[] {
    const rtt = (dc: string): number => this.liveServers(dc)[0]?.rttMs ?? Number.POSITIVE_INFINITY;
    return [this.o.datacenter, ...[...this.remote.keys()].sort((a, b) => rtt(a) - rtt(b) || a.localeCompare(b))];
  }

  /**
   * Sends a request to a server of `dc`, trying the nearest first.
   * @throws NoPathToDatacenterError when the datacenter is unknown or none of its servers answers.
   */
  async forward(dc: string, request: ForwardedRequest, signal?: AbortSignal): Promise<ForwardedResponse> {
    const servers = this.liveServers(dc);
    if (servers.length === 0) throw new NoPathToDatacenterError(dc, this.remote.has(dc) ? "no server reachable" : "unknown datacenter");
    const waitMs = blockingWaitOf(request.url);
    // The remote server adds up to wait/16 of jitter to a blocking query, as Consul does.
    const timeoutMs = waitMs + Math.ceil(waitMs / 16) + FORWARD_MARGIN_MS;
    // Only reads move on to another server: a write that timed out may have been applied.
    const idempotent = request.method === "GET" || request.method === "HEAD";
    let last: unknown;
    for (const s of idempotent ? servers : servers.slice(0, 1)) {
      try {
        return (await this.o.request(s.address, { t: "http", r: request }, { timeoutMs, signal })) as ForwardedResponse;
      } catch (err) {
        if (signal?.aborted) throw err;
        if (err instanceof DiscoError && err.code !== "TIMEOUT" && err.code !== "CLOSED") throw err;
        last = err;
        if (waitMs === 0) s.lastOkMs = 0; // a plain request that got no answer: skip it until the next good ping
      }
    }
    if (!idempotent && last) throw last;
    throw new NoPathToDatacenterError(dc, last instanceof Error ? last.message : "no server answered");
  }

  /** Stops pinging. */
  close(): void {
    this.closed = true;
    this.timer?.cancel();
  }
}

/** The blocking wait a forwarded URL asks for (0 when it is not a blocking query). */
function blockingWaitOf(url: string): number {
  const q = new URL(url, "http://x").searchParams;
  if (!q.get("index")) return 0;
  const wait = q.get("wait");
  if (!wait) return BLOCKING_WAIT_MS_DEFAULT;
  try {
    return Math.min(parseDuration(/^\d+$/.test(wait) ? `${wait}s` : wait, "wait"), BLOCKING_WAIT_MS_MAX);
  } catch {
    return 0;
  }
}
