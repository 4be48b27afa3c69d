/**
 * The WAN pool of a server: the servers of other datacenters, their
 * round-trip times and reachability, and the forwarding of requests that
 * name another datacenter. Data is never replicated across datacenters; each
 * keeps its own catalog and KV.
 *
 * Which servers exist comes from the WAN gossip pool (see
 * {@link WanFederation}); only alive or suspect members are used, so a
 * server gossip declared failed, or that left, is never forwarded to.
 * Gossip's WAN failure detector is slow on purpose (tens of seconds), so the
 * pool also pings every remote server over the RPC transport: a ping gives
 * the round-trip time that orders `datacenters()`, and a missed ping marks
 * the server unreachable at once and cuts short every request waiting on
 * it. A partitioned datacenter therefore answers NoPathToDatacenterError
 * within {@link WAN_UNREACHABLE_DETECTION_MS_MAX}, never a hang, and comes
 * back with the first ping answered after the partition heals.
 *
 * The pool takes its membership, transport and timers from outside, so the
 * seeded simulation (test/sim/multi-dc*) runs it on a manual clock.
 *
 * @module
 */
import type { ForwardedRequest, ForwardedResponse } from "../api/http/context.js";
import { BLOCKING_WAIT_MS_DEFAULT, BLOCKING_WAIT_MS_MAX } from "../util/limits.js";
import { parseDuration } from "../util/duration.js";
import { ClosedError, DiscoError, InvalidConfigError, NoPathToDatacenterError, ProtocolError } from "../util/errors.js";
import type { Logger } from "../util/logger.js";
import type { TimerHandle, Timers } from "../util/timers.js";

/**
 * How often a server pings every remote server. Sets how fast a partition is
 * noticed and how fast forwarding resumes after it heals.
 */
export const WAN_PING_INTERVAL_MS = 2000;
/**
 * How long a ping may take before the server counts as unreachable. Over a
 * TCP connection that is already open, well above any sane WAN round trip,
 * with room for TCP's own retransmissions.
 */
export const WAN_PING_TIMEOUT_MS = 1500;
/**
 * The longest a request to an unreachable datacenter waits before it gets
 * NoPathToDatacenterError: one ping interval until the next ping, plus that
 * ping's timeout. Requests that arrive after that fail at once.
 */
export const WAN_UNREACHABLE_DETECTION_MS_MAX = WAN_PING_INTERVAL_MS + WAN_PING_TIMEOUT_MS;
/**
 * Longest a non-blocking forwarded request may take while its server keeps
 * answering pings. Above the remote server's own 15 s wait for a leader, so
 * a slow but alive datacenter gives its own answer rather than ours.
 */
export const WAN_FORWARD_TIMEOUT_MS = 20_000;
/** Time a forwarded blocking query may take beyond its wait and the remote jitter (wait/16). */
export const WAN_FORWARD_MARGIN_MS = 3000;
/** Most servers kept per remote datacenter; bounds what gossip can make us ping. */
export const WAN_SERVERS_PER_DC_MAX = 16;
/** Most remote datacenters kept. */
export const WAN_DATACENTERS_MAX = 256;
/**
 * Ping round trips kept per server; its RTT is their minimum (a windowed
 * minimum, as BBR estimates propagation delay), so one slow answer (a ping
 * held back by a partition and retransmitted after it, a pause on either
 * side) does not reorder the datacenters, while a lasting change shows
 * within this many pings.
 */
const RTT_SAMPLES_MAX = 5;

/**
 * This agent is not a member of the WAN pool: a client agent (only servers
 * are), or a server started without `bindWan`. Code `NOT_SUPPORTED`.
 */
export class WanUnavailableError extends DiscoError {
  constructor(why: string) {
    super("NOT_SUPPORTED", `no WAN pool on this agent: ${why}`);
  }
}

/** RPC requests between servers (and from client agents to their servers) for multi-datacenter work. */
export type WanRequest =
  | { t: "wanPing"; dc: string }
  | { t: "http"; r: ForwardedRequest }
  | { t: "dcForward"; dc: string; r: ForwardedRequest }
  | { t: "wanDatacenters" }
  | { t: "wanAddress" };

/** A server's answer to `wanPing`. */
export interface WanPingAnswer {
  dc: string;
}

/** A member of the WAN pool, as gossip reports it. */
export interface WanServer {
  /** Member name, `NODE.DC` as Consul names WAN members. */
  name: string;
  /** Its datacenter. */
  dc: string;
  /** Its RPC address, `host:port`. */
  rpc: string;
  status: "alive" | "suspect" | "failed" | "left";
}

/** Options of {@link WanPool}. */
export interface WanPoolOptions {
  /** This server's datacenter. */
  datacenter: string;
  /** The WAN pool's members (every datacenter, this one included). Called often; keep it cheap. */
  servers: () => readonly WanServer[];
  /** Sends an RPC request to a server and resolves with its answer. */
  request: (to: string, body: WanRequest, options: { timeoutMs: number; signal?: AbortSignal }) => Promise<unknown>;
  timers: Timers;
  logger: Logger;
  /** @defaultValue {@link WAN_PING_INTERVAL_MS} */
  pingIntervalMs?: number;
  /** @defaultValue {@link WAN_PING_TIMEOUT_MS} */
  pingTimeoutMs?: number;
  /** @defaultValue {@link WAN_FORWARD_TIMEOUT_MS} */
  forwardTimeoutMs?: number;
}

/** What the pool knows of one remote server. */
interface RemoteServer {
  name: string;
  dc: string;
  address: string;
  /** Round-trip time of pings, ms: the least of `samples`; infinite before the first answer. */
  rttMs: number;
  /** The last pings' round trips, oldest first. */
  samples: number[];
  /** Whether the last ping was answered. */
  up: boolean;
  /** Whether a ping has finished at all (answered or not). */
  pinged: boolean;
  /**
   * When the last answer (ping or forwarded request) that was sent at that
   * time came back: a failure of something sent before it is stale news and
   * must not mark the server down again after it recovered.
   */
  lastOkSentMs: number;
  pinging: Promise<void> | undefined;
  /** Forwarded requests waiting on this server: aborted when it stops answering pings. */
  inflight: Set<AbortController>;
}

/** One remote datacenter in {@link WanPool.status}. */
export interface WanDatacenterStatus {
  dc: string;
  /** Servers gossip lists as alive or suspect. */
  servers: number;
  /** Of those, answering pings. */
  reachable: number;
  /** Best RTT among reachable servers, ms (Infinity when none). */
  rttMs: number;
}

const HOST_PORT = /^(?:\[[^\]]+\]|[^:\s]+):\d{1,5}$/;

function positive(value: number | undefined, field: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1) throw new InvalidConfigError(field, `must be a positive integer (ms), got ${String(value)}`);
  return value;
}

/** A server's view of the other datacenters; see the module comment. */
export class WanPool {
  private readonly servers = new Map<string, RemoteServer>();
  /** Datacenters that gossip lists with a member that has not left. */
  private knownDcs = new Set<string>();
  private timer: TimerHandle | undefined;
  private closed = false;
  private readonly pingIntervalMs: number;
  private readonly pingTimeoutMs: number;
  private readonly forwardTimeoutMs: number;

  /** @throws InvalidConfigError for a bad interval or timeout. */
  constructor(private readonly o: WanPoolOptions) {
    this.pingIntervalMs = positive(o.pingIntervalMs, "pingIntervalMs", WAN_PING_INTERVAL_MS);
    this.pingTimeoutMs = positive(o.pingTimeoutMs, "pingTimeoutMs", WAN_PING_TIMEOUT_MS);
    this.forwardTimeoutMs = positive(o.forwardTimeoutMs, "forwardTimeoutMs", WAN_FORWARD_TIMEOUT_MS);
  }

  /** Starts pinging, at a fixed rate: a slow ping never delays the next round for the others. */
  start(): void {
    const round = (): void => {
      if (this.closed) return;
      this.timer = this.o.timers.after(this.pingIntervalMs, round);
      this.refresh();
      for (const s of this.servers.values()) void this.ping(s);
    };
    round();
  }

  /** Brings the server table in line with gossip: new servers are added, gone ones dropped. */
  private refresh(): void {
    const listed = new Set<string>();
    const perDc = new Map<string, number>();
    const dcs = new Set<string>();
    for (const w of this.o.servers()) {
      if (typeof w.dc !== "string" || w.dc === this.o.datacenter || w.status === "left") continue;
      if (!dcs.has(w.dc) && dcs.size >= WAN_DATACENTERS_MAX) continue;
      dcs.add(w.dc);
      if (w.status !== "alive" && w.status !== "suspect") continue;
      if (typeof w.rpc !== "string" || !HOST_PORT.test(w.rpc)) continue;
      const count = perDc.get(w.dc) ?? 0;
      if (count >= WAN_SERVERS_PER_DC_MAX) continue;
      perDc.set(w.dc, count + 1);
      listed.add(w.rpc);
      const known = this.servers.get(w.rpc);
      if (known && known.dc === w.dc) {
        known.name = w.name;
        continue;
      }
      if (known) this.drop(known, "moved to another datacenter");
      this.servers.set(w.rpc, {
        name: w.name, dc: w.dc, address: w.rpc, rttMs: Number.POSITIVE_INFINITY, samples: [], up: false, pinged: false,
        lastOkSentMs: Number.NEGATIVE_INFINITY, pinging: undefined, inflight: new Set(),
      });
    }
    for (const s of [...this.servers.values()]) {
      if (!listed.has(s.address)) this.drop(s, "is no longer an alive member of the WAN pool");
    }
    this.knownDcs = dcs;
  }

  private drop(s: RemoteServer, why: string): void {
    this.servers.delete(s.address);
    this.markDown(s, why);
  }

  /** Marks a server unreachable and cuts short every request waiting on it. */
  private markDown(s: RemoteServer, why: string): void {
    s.up = false;
    for (const ac of s.inflight) ac.abort(new NoPathToDatacenterError(s.dc, `server ${s.name} ${why}`));
    s.inflight.clear();
  }

  /** Pings one server (at most one ping in flight per server); never rejects. */
  private ping(s: RemoteServer): Promise<void> {
    s.pinging ??= (async () => {
      const started = this.o.timers.nowMs();
      try {
        const answer = (await this.o.request(s.address, { t: "wanPing", dc: this.o.datacenter }, { timeoutMs: this.pingTimeoutMs })) as WanPingAnswer;
        if (answer?.dc !== s.dc) throw new ProtocolError(`answered as datacenter ${JSON.stringify(answer?.dc)}, gossip says ${s.dc}`);
        s.samples.push(Math.max(0, this.o.timers.nowMs() - started));
        if (s.samples.length > RTT_SAMPLES_MAX) s.samples.shift();
        s.rttMs = Math.min(...s.samples);
        s.lastOkSentMs = Math.max(s.lastOkSentMs, started);
        if (!s.up) this.o.logger.debug({ component: "wan", server: s.name, dc: s.dc }, "WAN server reachable");
        s.up = !this.closed && this.servers.get(s.address) === s;
      } catch (err) {
        // Something sent after this ping was answered: the server is back, this failure is older news.
        if (s.lastOkSentMs > started) return;
        if (s.up) this.o.logger.warn({ component: "wan", server: s.name, dc: s.dc, err }, "WAN server stopped answering pings");
        this.markDown(s, "stopped answering pings");
      } finally {
        s.pinged = true;
        s.pinging = undefined;
      }
    })();
    return s.pinging;
  }

  /** Reachable servers of `dc`, nearest first. */
  private usable(dc: string): RemoteServer[] {
    return [...this.servers.values()].filter((s) => s.dc === dc && s.up).sort((a, b) => a.rttMs - b.rttMs);
  }

  private bestRtt(dc: string): number {
    return this.usable(dc)[0]?.rttMs ?? Number.POSITIVE_INFINITY;
  }

  /** Known datacenters, this one first, then by round-trip time, ties by name (Consul's /v1/catalog/datacenters order). */
  datacenters(): string[] {
    this.refresh();
    const rest = [...this.knownDcs].sort((a, b) => this.bestRtt(a) - this.bestRtt(b) || a.localeCompare(b));
    return [this.o.datacenter, ...rest];
  }

  /** Each remote datacenter's servers, reachable servers and best RTT, in {@link datacenters} order. */
  status(): WanDatacenterStatus[] {
    return this.datacenters().slice(1).map((dc) => {
      const all = [...this.servers.values()].filter((s) => s.dc === dc);
      return { dc, servers: all.length, reachable: all.filter((s) => s.up).length, rttMs: this.bestRtt(dc) };
    });
  }

  /**
   * Sends a request to a server of `dc`, the nearest reachable first; reads
   * move on to the next server when one fails, writes never (a write that
   * got no answer may have been applied). Bounded: a blocking query by its
   * own wait plus jitter and {@link WAN_FORWARD_MARGIN_MS}, anything else by
   * `forwardTimeoutMs`; and either is cut short (NoPathToDatacenterError)
   * as soon as its server misses a ping.
   * @throws NoPathToDatacenterError when the datacenter is unknown or none of its servers answers;
   *   the remote server's own error (RemoteError) when it refused the request; AbortedError on `signal`.
   */
  async forward(dc: string, request: ForwardedRequest, signal?: AbortSignal): Promise<ForwardedResponse> {
    if (this.closed) throw new ClosedError("WAN pool");
    this.refresh();
    if (!this.knownDcs.has(dc)) throw new NoPathToDatacenterError(dc, "unknown datacenter");
    let servers = this.usable(dc);
    const fresh = [...this.servers.values()].filter((s) => s.dc === dc && !s.pinged);
    if (servers.length === 0 && fresh.length > 0) {
      // Just learned from gossip and not pinged yet: ping now rather than fail a request that follows a join.
      await Promise.all(fresh.map((s) => this.ping(s)));
      servers = this.usable(dc);
    }
    if (servers.length === 0) throw new NoPathToDatacenterError(dc, "no server reachable");
    const waitMs = blockingWaitOf(request.url);
    const timeoutMs = waitMs > 0 ? waitMs + Math.ceil(waitMs / 16) + WAN_FORWARD_MARGIN_MS : this.forwardTimeoutMs;
    const idempotent = request.method === "GET" || request.method === "HEAD";
    let last: unknown;
    for (const s of idempotent ? servers : servers.slice(0, 1)) {
      // Gossip may have declared it failed, or a ping found it down, while an earlier one was tried.
      this.refresh();
      if (!s.up || this.servers.get(s.address) !== s) continue;
      try {
        return await this.send(s, request, { timeoutMs, blocking: waitMs > 0 }, signal);
      } catch (err) {
        if (signal?.aborted || this.closed || !isPathFailure(err)) throw err;
        last = err;
      }
    }
    if (!idempotent && last) throw last;
    throw new NoPathToDatacenterError(dc, last instanceof Error ? last.message : "no server answered");
  }

  private async send(
    s: RemoteServer, request: ForwardedRequest, o: { timeoutMs: number; blocking: boolean }, signal: AbortSignal | undefined,
  ): Promise<ForwardedResponse> {
    const ac = new AbortController();
    const onAbort = (): void => ac.abort(signal?.reason);
    signal?.addEventListener("abort", onAbort, { once: true });
    s.inflight.add(ac);
    const sentMs = this.o.timers.nowMs();
    try {
      const answer = (await this.o.request(s.address, { t: "http", r: request }, { timeoutMs: o.timeoutMs, signal: ac.signal })) as ForwardedResponse;
      s.lastOkSentMs = Math.max(s.lastOkSentMs, sentMs);
      return answer;
    } catch (err) {
      if (ac.signal.aborted && !signal?.aborted) {
        throw ac.signal.reason instanceof DiscoError ? ac.signal.reason : new NoPathToDatacenterError(s.dc, `server ${s.name} stopped answering`);
      }
      // A plain request with no answer: skip this server (without cutting short the others' requests) until a ping says it is back.
      if (isPathFailure(err) && !o.blocking && s.lastOkSentMs <= sentMs) s.up = false;
      throw err;
    } finally {
      s.inflight.delete(ac);
      signal?.removeEventListener("abort", onAbort);
    }
  }

  /** Stops pinging; requests in flight end with ClosedError. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.timer?.cancel();
    for (const s of this.servers.values()) {
      for (const ac of s.inflight) ac.abort(new ClosedError("WAN pool"));
      s.inflight.clear();
      s.up = false;
    }
  }
}

/** Whether a failed forward means "no path" (no answer, connection lost) rather than an answer that is an error. */
function isPathFailure(err: unknown): boolean {
  if (!(err instanceof DiscoError)) return true;
  if (err.name === "RemoteError") return false;
  return err.code === "TIMEOUT" || err.code === "CLOSED" || err.code === "NO_PATH_TO_DC";
}

/** The blocking wait a forwarded URL asks for (0 when it is not a blocking query). */
export function blockingWaitOf(url: string): number {
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
