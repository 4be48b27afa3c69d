/**
 * A simulated WAN for multi-datacenter tests: event-driven timers, servers
 * grouped in datacenters, per-pair latency with seeded jitter, partitions
 * between datacenters, and a tiny per-datacenter health catalog that answers
 * forwarded `/v1/health/service/NAME` queries (blocking ones included). Pure:
 * no sockets, no real time; one seed replays a run.
 *
 * Partitions behave as they do to a TCP connection: a message sent across a
 * cut is held and delivered after the heal (retransmission), unless the cut
 * resets the connection, which fails every request in flight across it
 * ("connection lost", as the TCP transport reports it).
 */
import type { ForwardedRequest, ForwardedResponse } from "../../lib/api/http/context.js";
import { blockingWaitOf, type WanRequest, type WanServer } from "../../lib/agent/wan.js";
import { AbortedError, TimeoutError } from "../../lib/util/errors.js";
import type { Rng } from "../../lib/util/rng.js";
import type { TimerHandle, Timers } from "../../lib/util/timers.js";
import { TimedHeap } from "./timed-heap.js";

interface Pending {
  at: number;
  seq: number;
  fn: () => void;
  cancelled: boolean;
}

/** Timers on a simulated clock that can tell when the next callback is due, so a run jumps from event to event. */
export class SimTimers implements Timers {
  private now = 0;
  private seq = 0;
  private heap = new TimedHeap<Pending>();

  nowMs(): number {
    return this.now;
  }

  after(ms: number, fn: () => void): TimerHandle {
    const p: Pending = { at: this.now + Math.max(0, ms), seq: this.seq++, fn, cancelled: false };
    this.heap.push(p);
    return { cancel: () => void (p.cancelled = true) };
  }

  /** When the next live callback is due, or Infinity. */
  nextDueMs(): number {
    while (this.heap.size > 0 && this.heap.peek()!.cancelled) this.heap.pop();
    return this.heap.peek()?.at ?? Number.POSITIVE_INFINITY;
  }

  /** Runs every callback due at the next due time (not later ones); returns false when there is none up to `until`. */
  step(until: number): boolean {
    const at = this.nextDueMs();
    if (at > until) return false;
    this.now = at;
    while (this.heap.size > 0 && this.heap.peek()!.at === at) {
      const p = this.heap.pop();
      if (!p.cancelled) p.fn();
    }
    return true;
  }

  /** Moves the clock to `ms` (no callback may be due before it). */
  setNow(ms: number): void {
    this.now = Math.max(this.now, ms);
  }
}

/** Lets every pending promise continuation run (no real time passes for the simulation). */
export function flush(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Runs the simulation until `ms` on the simulated clock. Bounded by `eventsMax` time points. */
export async function runUntil(timers: SimTimers, ms: number, eventsMax = 2_000_000): Promise<void> {
  await flush();
  for (let n = 0; timers.step(ms); n++) {
    if (n > eventsMax) throw new Error("simulation exceeded its event bound");
    await flush();
  }
  timers.setNow(ms);
}

/** One service instance in a simulated datacenter's catalog. */
export interface SimInstance {
  id: string;
  status: "passing" | "critical";
}

/** A datacenter's health catalog: one index, instances of one service, blocking queries. */
export class SimCatalog {
  index = 1;
  readonly instances = new Map<string, SimInstance>();
  private readonly waiters = new Set<() => void>();
  private readonly listeners = new Set<() => void>();

  constructor(readonly dc: string, private readonly timers: Timers) {}

  /** Calls `fn` after every change; returns a function that stops it. */
  watch(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Sets an instance's status (adding it if new); wakes blocking queries. */
  set(id: string, status: SimInstance["status"]): void {
    const cur = this.instances.get(id);
    if (cur?.status === status) return;
    this.instances.set(id, { id, status });
    this.index++;
    for (const wake of [...this.waiters]) wake();
    for (const fn of [...this.listeners]) fn();
  }

  /** Instances that are passing. */
  passing(): SimInstance[] {
    return [...this.instances.values()].filter((i) => i.status === "passing");
  }

  /** Answers a forwarded `GET /v1/health/service/NAME[?passing][&index=&wait=]` the way Consul does. */
  async answer(req: ForwardedRequest): Promise<ForwardedResponse> {
    const url = new URL(req.url, "http://sim");
    const minIndex = Number(url.searchParams.get("index") ?? 0);
    const waitMs = blockingWaitOf(req.url);
    if (minIndex > 0 && this.index <= minIndex && waitMs > 0) {
      await new Promise<void>((resolve) => {
        const done = (): void => {
          this.waiters.delete(done);
          timer.cancel();
          resolve();
        };
        const timer = this.timers.after(waitMs, done);
        this.waiters.add(done);
      });
    }
    const list = url.searchParams.has("passing") ? this.passing() : [...this.instances.values()];
    const body = list.map((i) => ({
      Node: { Node: `${this.dc}-node`, Address: "10.0.0.1" },
      Service: { ID: i.id, Service: "web", Address: "", Port: 80, Tags: [], Meta: {} },
      Checks: [{ Status: i.status }],
    }));
    return { status: 200, headers: { "x-consul-index": String(this.index) }, body: Buffer.from(JSON.stringify(body)) };
  }
}

/** A server in the simulated WAN. */
export interface SimServer {
  name: string;
  dc: string;
  address: string;
}

/** A request that reached a server's HTTP handler: who sent it, to whom, when, and what the sender's gossip said. */
export interface Delivery {
  from: string;
  to: string;
  atMs: number;
  /** Whether gossip listed the target as failed when the request was sent. */
  targetFailed: boolean;
}

/** The simulated WAN: servers, latencies, partitions, gossip view and the catalogs. */
export class SimWan {
  readonly servers: SimServer[] = [];
  readonly catalogs = new Map<string, SimCatalog>();
  /** Servers every member's gossip lists as failed. */
  readonly gossipFailed = new Set<string>();
  /** Partitions as "a|b" with a < b. */
  private readonly cuts = new Set<string>();
  /** Every change to the partitions: time and the cut set after it. */
  readonly cutLog: { atMs: number; cuts: Set<string> }[] = [{ atMs: 0, cuts: new Set() }];
  readonly deliveries: Delivery[] = [];
  /** Messages waiting for a cut to heal. */
  private held: { a: string; b: string; deliver: () => void }[] = [];
  /** Requests in flight, with the datacenters they cross, to reset when a cut breaks their connection. */
  private readonly inflight = new Set<{ a: string; b: string; reset: () => void }>();

  constructor(
    readonly timers: SimTimers,
    private readonly rng: Rng,
    /** One-way latency between datacenters (ms), by "a|b" with a < b; within a datacenter: 1 ms. */
    private readonly latencyMs: Record<string, number>,
    /** Most extra one-way delay added at random per message, ms. */
    private readonly jitterMs = 3,
  ) {}

  /** Adds a datacenter of `count` servers; returns them. */
  addDatacenter(dc: string, count: number): SimServer[] {
    this.catalogs.set(dc, new SimCatalog(dc, this.timers));
    const added = Array.from({ length: count }, (_, i) => ({ name: `s${i}.${dc}`, dc, address: `${dc}-s${i}:8300` }));
    this.servers.push(...added);
    return added;
  }

  private static key(a: string, b: string): string {
    return a < b ? `${a}|${b}` : `${b}|${a}`;
  }

  /** Whether the WAN between two datacenters is cut now. */
  isCut(a: string, b: string): boolean {
    return a !== b && this.cuts.has(SimWan.key(a, b));
  }

  /** Whether the path between two datacenters was cut at every moment of [from, to]. */
  cutThroughout(a: string, b: string, from: number, to: number): boolean {
    const k = SimWan.key(a, b);
    for (let i = 0; i < this.cutLog.length; i++) {
      const start = this.cutLog[i]!.atMs;
      const end = this.cutLog[i + 1]?.atMs ?? Number.POSITIVE_INFINITY;
      if (end <= from || start > to) continue;
      if (!this.cutLog[i]!.cuts.has(k)) return false;
    }
    return true;
  }

  /** Whether the path between two datacenters was whole at every moment of [from, to]. */
  wholeThroughout(a: string, b: string, from: number, to: number): boolean {
    const k = SimWan.key(a, b);
    for (let i = 0; i < this.cutLog.length; i++) {
      const start = this.cutLog[i]!.atMs;
      const end = this.cutLog[i + 1]?.atMs ?? Number.POSITIVE_INFINITY;
      if (end <= from || start > to) continue;
      if (this.cutLog[i]!.cuts.has(k)) return false;
    }
    return true;
  }

  /** Cuts (or heals) the WAN between two datacenters. */
  setCut(a: string, b: string, cut: boolean): void {
    const k = SimWan.key(a, b);
    if (cut === this.cuts.has(k)) return;
    if (cut) this.cuts.add(k);
    else this.cuts.delete(k);
    this.cutLog.push({ atMs: this.timers.nowMs(), cuts: new Set(this.cuts) });
    // A cut resets the connection now and then: whatever was asked across it fails at once.
    if (cut && this.rng.int(3) === 0) {
      for (const r of [...this.inflight]) if (SimWan.key(r.a, r.b) === k) r.reset();
    }
    this.release();
  }

  /** Sends what a cut held back, now that its path is whole. */
  private release(): void {
    const still: typeof this.held = [];
    for (const h of this.held) {
      if (this.isCut(h.a, h.b)) still.push(h);
      else this.timers.after(this.delay(h.a, h.b), h.deliver);
    }
    this.held = still;
  }

  /** Delivers `fn` after the latency between two datacenters, or after the heal when they are cut off. */
  private send(a: string, b: string, fn: () => void): void {
    const deliver = (): void => {
      if (this.isCut(a, b)) this.held.push({ a, b, deliver });
      else fn();
    };
    if (this.isCut(a, b)) this.held.push({ a, b, deliver });
    else this.timers.after(this.delay(a, b), deliver);
  }

  /** Heals every partition. */
  healAll(): void {
    if (this.cuts.size === 0) return;
    this.cuts.clear();
    this.cutLog.push({ atMs: this.timers.nowMs(), cuts: new Set() });
    this.release();
  }

  /** The partitions now, as "a|b" keys. */
  currentCuts(): string[] {
    return [...this.cuts].sort();
  }

  /** The WAN pool as gossip lists it (the same for every member). */
  gossipView(): WanServer[] {
    return this.servers.map((s) => ({ name: s.name, dc: s.dc, rpc: s.address, status: this.gossipFailed.has(s.address) ? "failed" : "alive" }));
  }

  private delay(a: string, b: string): number {
    const base = a === b ? 1 : this.latencyMs[SimWan.key(a, b)] ?? 50;
    return base + this.rng.int(this.jitterMs + 1);
  }

  /** The `request` function a server's WanPool uses: a message there and back, subject to partitions, with a timeout. */
  requester(from: SimServer): (to: string, body: WanRequest, options: { timeoutMs: number; signal?: AbortSignal }) => Promise<unknown> {
    return (to, body, options) => new Promise((resolve, reject) => {
      const target = this.servers.find((s) => s.address === to);
      let settled = false;
      const flight = { a: from.dc, b: target?.dc ?? from.dc, reset: () => finish(() => reject(new TimeoutError(`connection to ${to} lost; the outcome of the request is unknown`))) };
      const finish = (fn: () => void): void => {
        if (settled) return;
        settled = true;
        this.inflight.delete(flight);
        timeout.cancel();
        options.signal?.removeEventListener("abort", onAbort);
        fn();
      };
      const onAbort = (): void => finish(() => reject(new AbortedError({ cause: options.signal?.reason })));
      const timeout = this.timers.after(options.timeoutMs, () => finish(() => reject(new TimeoutError(`request to ${to} timed out after ${options.timeoutMs} ms`))));
      if (options.signal?.aborted) return onAbort();
      options.signal?.addEventListener("abort", onAbort, { once: true });
      if (!target) return; // nobody there: only the timeout answers
      this.inflight.add(flight);
      if (body.t === "http") {
        this.deliveries.push({ from: from.address, to, atMs: this.timers.nowMs(), targetFailed: this.gossipFailed.has(to) });
      }
      this.send(from.dc, target.dc, () => {
        if (settled) return;
        void this.handle(target, body).then((answer) => this.send(target.dc, from.dc, () => finish(() => resolve(answer))));
      });
    });
  }

  private async handle(target: SimServer, body: WanRequest): Promise<unknown> {
    if (body.t === "wanPing") return { dc: target.dc };
    if (body.t === "http") return this.catalogs.get(target.dc)!.answer(body.r);
    return undefined;
  }
}
