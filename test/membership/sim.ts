/**
 * A seeded, in-memory network simulator for SWIM cores: one clock, one event
 * heap, per-packet delay and loss, partitions, killed members and "stalled"
 * members whose message processing is slowed. Everything derives from one
 * seed, so a run replays exactly.
 */
import { SeededRng, type Rng } from "../../lib/util/rng.js";
import type { Clock } from "../../lib/util/clock.js";
import { SwimCore, type SwimCoreOptions } from "../../lib/membership/core.js";
import { decodePacket, decodePushPull, encodePacket, encodePushPull } from "../../lib/membership/codec.js";
import { decodeStreamRequest, decodeTcpAck, encodeTcpAck, encodeTcpPing } from "../../lib/membership/stream-codec.js";
import type { MembershipConfigOptions } from "../../lib/membership/config.js";
import type { Address, MemberEvent, MemberStatus, PingMessage, PushPullState, SwimMessage } from "../../lib/membership/types.js";

/** Network and protocol settings of a simulation. */
export interface SimOptions {
  seed: number;
  /** One-way delay range per packet, ms. */
  delayMsMin?: number;
  delayMsMax?: number;
  /** Probability a UDP packet is lost. Streams (TCP: push-pull, TCP pings) are never lost, only partitioned. */
  lossRate?: number;
  /** Protocol config given to every core. */
  config?: MembershipConfigOptions;
  /** Encode and decode every packet and stream through the codec (slower; on by default in tests). */
  wire?: boolean;
}

/** One simulated member. */
export interface SimNode {
  name: string;
  addr: Address;
  core: SwimCore;
  alive: boolean;
  /** Extra processing delay (up to this many ms, uniform) on each packet in and out; 0 = healthy. */
  stallMs: number;
  group: number;
  wakeAt: number;
  /** Every event this member's core emitted, with the sim time. */
  events: { at: number; event: MemberEvent }[];
}

type SimEvent =
  | { kind: "packet"; at: number; seq: number; to: SimNode; from: Address; msgs: SwimMessage[] | Uint8Array }
  | { kind: "wake"; at: number; seq: number; node: SimNode }
  | { kind: "stream"; at: number; seq: number; to: SimNode; from: SimNode; state: PushPullState | Uint8Array }
  | { kind: "reply"; at: number; seq: number; to: SimNode; from: SimNode; state: PushPullState | Uint8Array }
  | { kind: "tcp-ping"; at: number; seq: number; to: SimNode; from: SimNode; ping: PingMessage | Uint8Array }
  | { kind: "tcp-ack"; at: number; seq: number; to: SimNode; from: SimNode; pingSeq: number | Uint8Array };

/** A binary min-heap on (at, seq). */
class Heap {
  private a: SimEvent[] = [];
  get size(): number {
    return this.a.length;
  }
  peek(): SimEvent | undefined {
    return this.a[0];
  }
  push(e: SimEvent): void {
    const a = this.a;
    a.push(e);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (less(a[p]!, a[i]!)) break;
      [a[p], a[i]] = [a[i]!, a[p]!];
      i = p;
    }
  }
  pop(): SimEvent | undefined {
    const a = this.a;
    const top = a[0];
    const last = a.pop();
    if (a.length > 0 && last) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && less(a[l]!, a[m]!)) m = l;
        if (r < a.length && less(a[r]!, a[m]!)) m = r;
        if (m === i) break;
        [a[m], a[i]] = [a[i]!, a[m]!];
        i = m;
      }
    }
    return top;
  }
}

function less(x: SimEvent, y: SimEvent): boolean {
  return x.at < y.at || (x.at === y.at && x.seq < y.seq);
}

const key = (a: Address): string => `${a.address}:${a.port}`;

/** The simulated cluster. */
export class Sim {
  now = 0;
  readonly clock: Clock = { nowMs: () => this.now };
  readonly nodes: SimNode[] = [];
  readonly rng: SeededRng;
  private readonly net: Rng;
  private readonly byAddr = new Map<string, SimNode>();
  private readonly heap = new Heap();
  private seq = 0;
  private readonly delayMin: number;
  private readonly delayMax: number;
  lossRate: number;
  private readonly wire: boolean;
  private readonly config: MembershipConfigOptions;
  /** Packets handed to the network, and those delivered. */
  packetsSent = 0;
  packetsDelivered = 0;
  streamsSent = 0;
  /** TCP fallback pings the cores asked for. */
  tcpPingsSent = 0;
  /** Members that drop every UDP packet sent to them (a firewall); streams still reach them. */
  readonly udpBlocked = new Set<SimNode>();
  /** Called for every packet a live member sends (before loss), when set. */
  onPacket: ((from: SimNode, msgs: readonly SwimMessage[]) => void) | undefined;
  /** Called for every event any core emits. */
  onEvent: ((node: SimNode, event: MemberEvent, at: number) => void) | undefined;

  constructor(opts: SimOptions) {
    this.rng = new SeededRng(opts.seed);
    this.net = this.rng.fork("net");
    this.delayMin = opts.delayMsMin ?? 1;
    this.delayMax = opts.delayMsMax ?? 5;
    this.lossRate = opts.lossRate ?? 0;
    this.wire = opts.wire ?? true;
    this.config = opts.config ?? {};
  }

  /** Adds a member named `name` at 10.0.x.y:7946 (or replaces a dead one at the same address: a restart). */
  add(name: string, extra: Partial<SwimCoreOptions> = {}): SimNode {
    const existing = this.nodes.find((n) => n.name === name);
    const index = existing ? this.nodes.indexOf(existing) : this.nodes.length;
    const addr = existing?.addr ?? { address: `10.0.${index >> 8}.${index & 255}`, port: 7946 };
    const core = new SwimCore({
      ...this.config,
      name,
      address: addr.address,
      port: addr.port,
      clock: this.clock,
      rng: this.rng.fork(`${name}#${this.seq}`),
      ...extra,
    });
    const node: SimNode = { name, addr, core, alive: true, stallMs: 0, group: 0, wakeAt: Infinity, events: [] };
    if (existing) this.nodes[index] = node;
    else this.nodes.push(node);
    this.byAddr.set(key(addr), node);
    this.pump(node);
    return node;
  }

  node(name: string): SimNode {
    const n = this.nodes.find((x) => x.name === name);
    if (!n) throw new Error(`no node ${name}`);
    return n;
  }

  /** `node` joins through the seeds' addresses. */
  join(node: SimNode, seeds: SimNode[]): void {
    node.core.join(seeds.map((s) => s.addr));
    this.pump(node);
  }

  /** Crash-stops a member: it neither sends nor receives again. */
  kill(node: SimNode): void {
    node.alive = false;
  }

  /** Splits members into groups; packets and streams between groups are dropped until heal(). */
  partition(groups: SimNode[][]): void {
    groups.forEach((g, i) => g.forEach((n) => (n.group = i + 1)));
  }

  heal(): void {
    for (const n of this.nodes) n.group = 0;
  }

  /** Runs the core's API call `fn` on `node`, then moves its output into the network. */
  act(node: SimNode, fn: (core: SwimCore) => void): void {
    fn(node.core);
    this.pump(node);
  }

  /** Runs events until sim time `untilMs`. */
  runUntil(untilMs: number): void {
    for (;;) {
      const e = this.heap.peek();
      if (!e || e.at > untilMs) break;
      this.heap.pop();
      this.now = e.at;
      this.dispatch(e);
    }
    this.now = untilMs;
  }

  runFor(ms: number): void {
    this.runUntil(this.now + ms);
  }

  /** Runs in `stepMs` steps until `pred()` holds or `maxMs` passed; returns the time it took, or undefined. */
  runUntilTrue(pred: () => boolean, maxMs: number, stepMs = 100): number | undefined {
    const start = this.now;
    while (this.now - start < maxMs) {
      if (pred()) return this.now - start;
      this.runFor(stepMs);
    }
    return pred() ? this.now - start : undefined;
  }

  /** Live members (not killed). */
  live(): SimNode[] {
    return this.nodes.filter((n) => n.alive);
  }

  /** Status of `subject` as `observer` sees it (undefined when unknown). */
  statusAt(observer: SimNode, subject: string): MemberStatus | undefined {
    return observer.core.member(subject)?.status;
  }

  /** Every live member other than `subject` sees it with `status`. */
  allSee(subject: string, status: MemberStatus, observers = this.live()): boolean {
    return observers.every((o) => o.name === subject || this.statusAt(o, subject) === status);
  }

  /** Every live member sees every live member alive. */
  converged(): boolean {
    const live = this.live();
    return live.every((o) => live.every((s) => this.statusAt(o, s.name) === "alive"));
  }

  private delay(from: SimNode | undefined, to: SimNode): number {
    let d = this.delayMin + this.net.float() * (this.delayMax - this.delayMin);
    if (from && from.stallMs > 0) d += this.net.float() * from.stallMs;
    if (to.stallMs > 0) d += this.net.float() * to.stallMs;
    return d;
  }

  private reachable(from: SimNode, to: SimNode | undefined): to is SimNode {
    return to !== undefined && to.alive && from.alive && (from.group === 0 || to.group === 0 || from.group === to.group);
  }

  /** Moves a node's output into the network and schedules its next wake-up. */
  private pump(node: SimNode): void {
    const out = node.core.drain();
    for (const ev of out.events) {
      node.events.push({ at: this.now, event: ev });
      this.onEvent?.(node, ev, this.now);
    }
    if (!node.alive) return;
    for (const p of out.packets) {
      this.packetsSent++;
      this.onPacket?.(node, p.msgs);
      const to = this.byAddr.get(key(p.to));
      if (!this.reachable(node, to) || this.udpBlocked.has(to) || this.net.float() < this.lossRate) continue;
      const msgs = this.wire ? encodePacket(p.msgs) : p.msgs;
      this.heap.push({ kind: "packet", at: this.now + this.delay(node, to), seq: this.seq++, to, from: node.addr, msgs });
    }
    for (const s of out.streams) {
      this.streamsSent++;
      const to = this.byAddr.get(key(s.to));
      if (!this.reachable(node, to)) continue;
      const state = this.wire ? encodePushPull(s.state) : s.state;
      this.heap.push({ kind: "stream", at: this.now + this.delay(node, to), seq: this.seq++, to, from: node, state });
    }
    for (const p of out.tcpPings) {
      this.tcpPingsSent++;
      const to = this.byAddr.get(key(p.to));
      if (!this.reachable(node, to)) continue;
      const msg: PingMessage = { type: "ping", seq: p.seq, target: p.target, source: node.name };
      const ping = this.wire ? encodeTcpPing(msg) : msg;
      this.heap.push({ kind: "tcp-ping", at: this.now + this.delay(node, to), seq: this.seq++, to, from: node, ping });
    }
    const next = Math.max(node.core.nextDeadlineMs(), this.now);
    if (next < node.wakeAt) {
      node.wakeAt = next;
      this.heap.push({ kind: "wake", at: next, seq: this.seq++, node });
    }
  }

  private dispatch(e: SimEvent): void {
    switch (e.kind) {
      case "wake":
        if (!e.node.alive || e.node.wakeAt !== e.at) return;
        e.node.wakeAt = Infinity;
        e.node.core.tick();
        this.pump(e.node);
        return;
      case "packet":
        if (!e.to.alive) return;
        this.packetsDelivered++;
        if (e.msgs instanceof Uint8Array) e.to.core.receivePacketBytes(e.from, e.msgs);
        else e.to.core.receivePacket(e.from, e.msgs);
        this.pump(e.to);
        return;
      case "stream": {
        if (!this.reachable(e.from, e.to)) return;
        const state = e.state instanceof Uint8Array ? decodePushPull(e.state) : e.state;
        const reply = e.to.core.receiveStream(e.from.addr, state);
        this.pump(e.to);
        const wireReply = this.wire ? encodePushPull(reply) : reply;
        this.heap.push({ kind: "reply", at: this.now + this.delay(e.to, e.from), seq: this.seq++, to: e.from, from: e.to, state: wireReply });
        return;
      }
      case "reply": {
        if (!this.reachable(e.from, e.to)) return;
        const state = e.state instanceof Uint8Array ? decodePushPull(e.state) : e.state;
        e.to.core.receiveStreamReply(e.from.addr, state);
        this.pump(e.to);
        return;
      }
      case "tcp-ping": {
        if (!this.reachable(e.from, e.to)) return;
        const request = e.ping instanceof Uint8Array ? decodeStreamRequest(e.ping) : { type: "ping" as const, ping: e.ping };
        if (request.type !== "ping" || !e.to.core.receiveTcpPing(e.from.addr, request.ping)) return;
        const pingSeq = this.wire ? encodeTcpAck(request.ping.seq) : request.ping.seq;
        this.heap.push({ kind: "tcp-ack", at: this.now + this.delay(e.to, e.from), seq: this.seq++, to: e.from, from: e.to, pingSeq });
        return;
      }
      case "tcp-ack": {
        if (!this.reachable(e.from, e.to)) return;
        e.to.core.receiveTcpPingResult(e.pingSeq instanceof Uint8Array ? decodeTcpAck(e.pingSeq) : e.pingSeq, true);
        this.pump(e.to);
        return;
      }
    }
  }
}

/** The seed for a simulation test: DISCO_SEED when set (to replay a failure), else `fallback`. */
export function simSeed(fallback: number): number {
  const env = process.env["DISCO_SEED"];
  return env !== undefined && env !== "" ? Number(env) >>> 0 : fallback;
}

/** Builds n members named m0…m(n−1); each joins through m0. */
export function startCluster(sim: Sim, n: number, extra: Partial<SwimCoreOptions> = {}): SimNode[] {
  const nodes: SimNode[] = [];
  for (let i = 0; i < n; i++) nodes.push(sim.add(`m${i}`, extra));
  for (let i = 1; i < n; i++) sim.join(nodes[i]!, [nodes[0]!]);
  return nodes;
}
