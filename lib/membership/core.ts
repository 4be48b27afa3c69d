/**
 * The SWIM + Lifeguard core: a pure state machine in the style of etcd's
 * RawNode. It reads time from an injected Clock and randomness from an
 * injected Rng, never does I/O and never sets a timer. The driver:
 *
 * ```ts
 * const core = new SwimCore({ name, address, port, meta, profile: "lan", clock, rng });
 * core.join(seeds);
 * // whenever a packet arrives:   core.receivePacketBytes(from, bytes)
 * // whenever a stream arrives:   reply = core.receiveStream(from, decodePushPull(bytes))
 * // whenever a stream reply:     core.receiveStreamReply(from, decodePushPull(bytes))
 * // whenever a TCP ping arrives:  if (core.receiveTcpPing(from, ping)) answer with an ack
 * // when a TCP ping it asked for ends: core.receiveTcpPingResult(seq, acked)
 * // at core.nextDeadlineMs():    core.tick()
 * // after each of the above:     const { packets, streams, tcpPings, events } = core.drain(); send, emit
 * ```
 *
 * @module
 */
import type { Clock } from "../util/clock.js";
import type { Rng } from "../util/rng.js";
import { silentLogger, childLogger, type Logger } from "../util/logger.js";
import { ClosedError, InvalidArgumentError, InvalidConfigError, MalformedPacketError } from "../util/errors.js";
import { resolveMembershipConfig, type MembershipConfig, type MembershipConfigOptions } from "./config.js";
import {
  INDIRECT_PROBES_MAX,
  JOIN_SEEDS_MAX,
  OUTBOX_EVENTS_MAX,
  OUTBOX_PACKETS_MAX,
  OUTBOX_STREAMS_MAX,
  OUTBOX_TCP_PINGS_MAX,
  PACKET_MESSAGES_MAX,
  PACKET_OVERHEAD_BYTES,
  PUSH_PULL_MEMBERS_MAX,
  SEQ_MAX,
  USER_EVENT_DEDUP_MAX,
} from "./limits.js";
import type {
  Address,
  AliveMessage,
  DeadMessage,
  ForceLeaveMessage,
  Member,
  MemberEvent,
  MemberMeta,
  OutboundPacket,
  OutboundStream,
  OutboundTcpPing,
  PingMessage,
  PushPullState,
  SuspectMessage,
  SwimMessage,
  SwimOutput,
  UserEventMessage,
} from "./types.js";
import { badAddress, badEventName, badMeta, badName, badPayload, badPort, badCounter } from "./validate.js";
import { decodePacket, messageBytes } from "./codec.js";
import { Awareness, AWARENESS_DELTA, missedProbeDelta } from "./awareness.js";
import { Suspicion } from "./suspicion.js";
import { BroadcastQueue } from "./broadcasts.js";
import { MemberTable, isLive, toMember, type MemberState } from "./member-table.js";
import { aliveApplies, deadApplies, forceLeaveOutcome, suspectOutcome } from "./rules.js";
import {
  pushPullIntervalScaledMs,
  retransmitLimit,
  suspicionConfirmationsK,
  suspicionTimeoutMs,
} from "./math.js";

/** Options of {@link SwimCore}: identity, injected clock and rng, and any config overrides. */
export interface SwimCoreOptions extends MembershipConfigOptions {
  /** Unique member name in the cluster (the node name). */
  name: string;
  /** Address other members reach this one at (UDP and TCP). */
  address: string;
  /** Gossip port (UDP and TCP). */
  port: number;
  /** Tags: role, dc, rpc address, build, … Bounded by META_BYTES_MAX. */
  meta?: MemberMeta;
  /**
   * Starting incarnation. A restarted member may start at 0: if the cluster
   * remembers it at a higher one, it refutes and jumps above it.
   * @defaultValue 0
   */
  incarnation?: number;
  /** Time source; the core never reads the system clock. */
  clock: Clock;
  /** Randomness for probe order, gossip targets and start-up stagger. */
  rng: Rng;
  /** Receives debug logs; silent by default. */
  logger?: Logger;
}

/** Counters the driver can export as metrics. */
export interface SwimStats {
  /** Packets dropped because their bytes were not a packet. */
  malformed: number;
  /** Packets dropped because their content broke the protocol. */
  protocolErrors: number;
  /** Pings addressed to another name (a stale address mapping). */
  wrongNode: number;
  /** Alive messages that claimed a live member's name at another address. */
  conflicts: number;
  /** Probes started by this member. */
  probes: number;
  /** Probes that ended without any ack. */
  probesFailed: number;
  /** TCP fallback pings asked of the driver (one per direct probe that got no UDP ack in time). */
  tcpPings: number;
  /** Probes saved by a TCP ack after UDP failed: UDP to that member may be blocked or lossy. */
  tcpPingAcks: number;
  /** Suspicions of ourselves that we refuted. */
  refutations: number;
  /** Members this core declared failed on its own suspicion timer. */
  declaredFailed: number;
  /** Ping-reqs refused because INDIRECT_PROBES_MAX were in flight. */
  indirectRefused: number;
  /** Packets, streams, TCP pings and events dropped because the outbox was full (drain not called). */
  outboxDropped: number;
}

interface Probe {
  seq: number;
  target: string;
  ackDeadlineMs: number;
  endMs: number;
  indirectSent: boolean;
  expectedNacks: number;
  nacks: number;
  /** Whether a TCP fallback ping was asked for this round; only then does a TCP result count. */
  tcpPinged: boolean;
}

interface Forward {
  requester: Address;
  seq: number;
  deadlineMs: number;
  nack: boolean;
}

const memberKey = (name: string): string => `m:${name}`;
const eventKey = (origin: string, ltime: number): string => `u:${ltime}:${origin}`;
// Apart from the member's own news (memberKey), so neither a failure nor a refutation drops it from the queue.
const forceLeaveKey = (name: string): string => `f:${name}`;

/** One member's SWIM + Lifeguard protocol state; see the module comment for the driver loop. */
export class SwimCore {
  /** The resolved, frozen configuration. */
  readonly config: Readonly<MembershipConfig>;
  /** This member's name. */
  readonly name: string;
  /** Counters; read-only for callers. */
  readonly stats: SwimStats = {
    malformed: 0,
    protocolErrors: 0,
    wrongNode: 0,
    conflicts: 0,
    probes: 0,
    probesFailed: 0,
    tcpPings: 0,
    tcpPingAcks: 0,
    refutations: 0,
    declaredFailed: 0,
    indirectRefused: 0,
    outboxDropped: 0,
  };

  private readonly clock: Clock;
  private readonly rng: Rng;
  private readonly log: Logger;
  private readonly table: MemberTable;
  private readonly awareness: Awareness;
  private readonly queue = new BroadcastQueue();
  private readonly suspicions = new Map<string, Suspicion>();
  private readonly forwards = new Map<number, Forward>();
  private probe: Probe | undefined;
  private seq: number;
  private nextProbeMs: number;
  private nextGossipMs: number;
  private nextPushPullMs: number;
  private nextReconnectMs: number;
  private userLtime = 0;
  private readonly seenEvents = new Set<string>();
  private readonly seenOrder: string[] = [];
  private leaving = false;
  private packets: OutboundPacket[] = [];
  private streams: OutboundStream[] = [];
  private tcpPings: OutboundTcpPing[] = [];
  private events: MemberEvent[] = [];

  /** @throws InvalidConfigError naming the bad field; nothing is built. */
  constructor(options: SwimCoreOptions) {
    const identity: [string, string | undefined][] = [
      ["name", badName(options.name)],
      ["address", badAddress(options.address)],
      ["port", badPort(options.port)],
      ["meta", options.meta === undefined ? undefined : badMeta(options.meta)],
      ["incarnation", options.incarnation === undefined ? undefined : badCounter(options.incarnation)],
    ];
    for (const [field, reason] of identity) if (reason) throw new InvalidConfigError(field, reason);
    if (!options.clock || typeof options.clock.nowMs !== "function") throw new InvalidConfigError("clock", "is required");
    if (!options.rng || typeof options.rng.int !== "function") throw new InvalidConfigError("rng", "is required");
    this.config = resolveMembershipConfig(options);
    this.name = options.name;
    this.clock = options.clock;
    this.rng = options.rng;
    this.log = childLogger(options.logger ?? silentLogger, "membership");
    this.awareness = new Awareness(this.config.awarenessMaxMultiplier);
    this.seq = this.rng.int(SEQ_MAX);
    const now = this.clock.nowMs();
    const self: MemberState = {
      name: options.name,
      address: options.address,
      port: options.port,
      meta: { ...(options.meta ?? {}) },
      incarnation: options.incarnation ?? 0,
      status: "alive",
      changedMs: now,
    };
    this.table = new MemberTable(self, this.rng.fork("members"));
    // Stagger the periodic work so members started together do not probe in lockstep (as memberlist).
    this.nextProbeMs = now + this.rng.int(this.config.probeIntervalMs);
    this.nextGossipMs = now + this.rng.int(this.config.gossipIntervalMs);
    this.nextPushPullMs = now + this.config.pushPullIntervalMs + this.rng.int(Math.max(1, this.config.pushPullIntervalMs));
    this.nextReconnectMs = now + this.config.reconnectIntervalMs + this.rng.int(Math.max(1, this.config.reconnectIntervalMs));
    this.broadcastAlive(self);
    this.emit("member-join", self);
  }

  // ---------------------------------------------------------------- public API

  /** This member's current incarnation. */
  get incarnation(): number {
    return this.table.self.incarnation;
  }

  /** Lifeguard's local health score (0 = healthy); always 0 with Lifeguard off. */
  get healthScore(): number {
    return this.awareness.value;
  }

  /** The user-event Lamport clock: the time the next fired event will carry. */
  get eventTime(): number {
    return this.userLtime;
  }

  /** Broadcasts waiting to be gossiped. */
  get pendingBroadcasts(): number {
    return this.queue.size;
  }

  /** Every known member, self included, as copies. */
  members(): Member[] {
    return [...this.table.values()].map(toMember);
  }

  /** One member by name, or undefined. */
  member(name: string): Member | undefined {
    const m = this.table.get(name);
    return m && toMember(m);
  }

  /**
   * Asks each seed for a full-state push-pull; the driver opens the streams
   * (`drain().streams`) and feeds each reply to {@link receiveStreamReply}.
   * @throws InvalidArgumentError for a bad seed; ClosedError after leave().
   */
  join(seeds: readonly Address[]): void {
    if (this.leaving) throw new ClosedError("membership (left the cluster)");
    if (!Array.isArray(seeds) || seeds.length > JOIN_SEEDS_MAX) {
      throw new InvalidArgumentError("seeds", `must be an array of at most ${JOIN_SEEDS_MAX} addresses`);
    }
    seeds.forEach((s, i) => {
      const reason = badAddress(s?.address) ?? badPort(s?.port);
      if (reason) throw new InvalidArgumentError(`seeds[${i}]`, reason);
    });
    for (const s of seeds) this.pushStream({ address: s.address, port: s.port }, this.localState(true));
  }

  /**
   * Runs everything that is due at the clock's current time: probe steps,
   * indirect-probe timeouts, suspicion timeouts, gossip and push-pull.
   * Call it at (or after) {@link nextDeadlineMs}; calling early is harmless.
   */
  tick(): void {
    const now = this.clock.nowMs();
    this.tickProbe(now);
    this.tickForwards(now);
    this.tickSuspicions(now);
    if (now >= this.nextGossipMs) {
      if (this.queue.size > 0) this.gossip(now);
      this.nextGossipMs = nextPhase(this.nextGossipMs, this.config.gossipIntervalMs, now);
    }
    if (now >= this.nextPushPullMs) {
      this.periodicPushPull();
      const scaled = pushPullIntervalScaledMs(this.config.pushPullIntervalMs, this.table.liveCount);
      this.nextPushPullMs = now + scaled;
    }
    if (now >= this.nextReconnectMs) {
      this.reconnect();
      this.nextReconnectMs = now + this.config.reconnectIntervalMs;
    }
  }

  /**
   * The earliest time at which {@link tick} has work to do (ms on the core's clock).
   * Changes after every call into the core; re-read it after each.
   */
  nextDeadlineMs(): number {
    let next = Number.POSITIVE_INFINITY;
    if (!this.leaving) next = Math.min(next, this.nextProbeMs);
    if (this.probe) {
      next = Math.min(next, this.probe.indirectSent ? this.probe.endMs : this.probe.ackDeadlineMs);
    }
    for (const f of this.forwards.values()) next = Math.min(next, f.deadlineMs);
    for (const s of this.suspicions.values()) next = Math.min(next, s.deadlineMs);
    if (this.queue.size > 0) next = Math.min(next, this.nextGossipMs);
    if (this.config.pushPullIntervalMs > 0 && !this.leaving) next = Math.min(next, this.nextPushPullMs);
    if (this.config.reconnectIntervalMs > 0 && !this.leaving) next = Math.min(next, this.nextReconnectMs);
    return next;
  }

  /** Handles one decoded packet from `from`. Never throws for peer content (it was validated by the decoder). */
  receivePacket(from: Address, msgs: readonly SwimMessage[]): void {
    for (const msg of msgs) this.handle(from, msg);
  }

  /** Decodes and handles raw packet bytes; bad packets are counted in {@link stats} and dropped. */
  receivePacketBytes(from: Address, bytes: Uint8Array): void {
    let msgs: SwimMessage[];
    try {
      msgs = decodePacket(bytes);
    } catch (err) {
      if (err instanceof MalformedPacketError) this.stats.malformed++;
      else this.stats.protocolErrors++;
      this.log.debug({ err, from }, "dropped gossip packet");
      return;
    }
    this.receivePacket(from, msgs);
  }

  /**
   * Answers an inbound push-pull: merges the remote state and returns ours for the
   * driver to send back. Ours is taken after the merge so that a refutation it
   * caused travels back at once (this is what lets a healed partition reconnect).
   */
  receiveStream(from: Address, state: PushPullState): PushPullState {
    this.merge(state);
    const reply = this.localState(false);
    this.log.debug({ from, members: state.members.length, join: state.join }, "push-pull served");
    return reply;
  }

  /** Merges the reply to a push-pull this core asked for (join or periodic). */
  receiveStreamReply(from: Address, state: PushPullState): void {
    this.merge(state);
    this.log.debug({ from, members: state.members.length }, "push-pull merged");
  }

  /**
   * Answers a ping that arrived over the stream transport (another member's TCP
   * fallback ping): true when it is addressed to us and the driver should ack
   * it, false (counted as `wrongNode`) when it names another member.
   */
  receiveTcpPing(from: Address, ping: PingMessage): boolean {
    if (ping.target === this.name) return true;
    this.stats.wrongNode++;
    this.log.debug({ from, target: ping.target }, "TCP ping for another member");
    return false;
  }

  /**
   * The outcome of a TCP fallback ping the core asked for (`drain().tcpPings`).
   * An ack while its probe round is still open counts like an indirect ack:
   * the target is not suspected. A failure, or an ack after the round ended,
   * changes nothing (the round's own timeout decides).
   */
  receiveTcpPingResult(seq: number, acked: boolean): void {
    const p = this.probe;
    if (!acked || p?.seq !== seq || !p.tcpPinged) return;
    this.stats.tcpPingAcks++;
    // memberlist warns here too: the member is up, so its UDP path is what is broken.
    this.log.warn({ member: p.target }, "reached the member over TCP but not UDP; the network may block or drop UDP");
    this.probeSucceeded();
  }

  /**
   * Announces a graceful leave: marks self "left" and broadcasts it. Probing
   * stops; gossip continues so the news spreads. The driver keeps ticking until
   * {@link leaveSettled} (or its own timeout), then stops.
   */
  leave(): void {
    if (this.leaving) return;
    const now = this.clock.nowMs();
    const self = this.table.self;
    this.leaving = true;
    this.probe = undefined;
    this.table.setStatus(self, "left", now);
    const msg: DeadMessage = { type: "dead", node: self.name, incarnation: self.incarnation, from: self.name };
    this.enqueue(memberKey(self.name), msg);
    this.emit("member-leave", self);
  }

  /** True once our "left" broadcast has used up its retransmits, or nobody is left to tell. */
  leaveSettled(): boolean {
    if (!this.leaving) return false;
    return !this.queue.has(memberKey(this.name)) || this.table.liveCount === 0;
  }

  /**
   * Consul's `force-leave`: tells every member that `name` has left. A failed
   * member becomes "left" here at once and everywhere as the news spreads (one
   * member-leave event on each member), so nobody tries to reconnect to it;
   * with `prune` every member also forgets it at once rather than at its reap
   * time. The news carries the incarnation we know `name` by, so a member that
   * is in fact alive outbids it with a refutation and stays alive everywhere.
   * A live member's status is not changed; should it fail before refuting, it
   * is recorded as left (Serf's "leaving").
   * @returns false when no member has that name (nothing is sent).
   * @throws InvalidArgumentError for a bad name, this member's own (use
   *   leave()) or a non-boolean `prune`; ClosedError after leave().
   */
  forceLeave(name: string, options: { prune?: boolean } = {}): boolean {
    if (this.leaving) throw new ClosedError("membership (left the cluster)");
    const reason = badName(name);
    if (reason) throw new InvalidArgumentError("name", reason);
    if (name === this.name) throw new InvalidArgumentError("name", "is this member; it leaves with leave()");
    const prune = options?.prune ?? false;
    if (typeof prune !== "boolean") throw new InvalidArgumentError("prune", "must be a boolean");
    const cur = this.table.get(name);
    if (!cur) return false;
    const msg: ForceLeaveMessage = { type: "force-leave", node: name, incarnation: cur.incarnation, from: this.name, prune };
    this.applyForceLeave(msg);
    // Also hand it straight to a few live members: piggybacking alone also goes to the recently
    // dead (gossip to the dead), which in a small cluster can spend every transmission on them.
    for (const m of this.table.randomMembers(this.config.gossipNodes, (x) => x.status === "alive")) this.send(m, [msg]);
    // Spread it even when nothing changed here: others may still see the member failed.
    this.enqueue(forceLeaveKey(name), msg);
    return true;
  }

  /**
   * Fires a user event to every member (delivered locally too). Carries the
   * Lamport time; receivers de-duplicate by (origin, time).
   * @throws InvalidArgumentError for a bad name or an oversized payload; ClosedError after leave().
   */
  fireUserEvent(name: string, payload: Uint8Array = new Uint8Array(0)): void {
    if (this.leaving) throw new ClosedError("membership (left the cluster)");
    const reason = badEventName(name);
    if (reason) throw new InvalidArgumentError("name", reason);
    const payloadReason = badPayload(payload);
    if (payloadReason) throw new InvalidArgumentError("payload", payloadReason);
    const msg: UserEventMessage = { type: "user", origin: this.name, ltime: this.userLtime, name, payload: new Uint8Array(payload) };
    this.userLtime++;
    this.acceptUserEvent(msg);
  }

  /**
   * Replaces this member's meta and announces it at a new incarnation.
   * @throws InvalidArgumentError for bad meta; ClosedError after leave().
   */
  updateMeta(meta: MemberMeta): void {
    if (this.leaving) throw new ClosedError("membership (left the cluster)");
    const reason = badMeta(meta);
    if (reason) throw new InvalidArgumentError("meta", reason);
    const self = this.table.self;
    self.meta = { ...meta };
    self.incarnation++;
    this.broadcastAlive(self);
    this.emit("member-update", self);
  }

  /** Hands over everything queued since the last call: packets to send, streams to open, events to emit. */
  drain(): SwimOutput {
    const out = { packets: this.packets, streams: this.streams, tcpPings: this.tcpPings, events: this.events };
    this.packets = [];
    this.streams = [];
    this.tcpPings = [];
    this.events = [];
    return out;
  }

  // ---------------------------------------------------------------- probing

  private tickProbe(now: number): void {
    const p = this.probe;
    if (p && !p.indirectSent && now >= p.ackDeadlineMs) this.sendIndirectProbes(p);
    if (p && now >= p.endMs) this.probeFailed(p);
    if (!this.leaving && !this.probe && now >= this.nextProbeMs) this.startProbe(now);
  }

  private scaled(ms: number): number {
    return this.config.lifeguard ? this.awareness.scale(ms) : ms;
  }

  private startProbe(now: number): void {
    const interval = this.scaled(this.config.probeIntervalMs);
    this.nextProbeMs = now + interval;
    const target = this.table.nextProbeTarget((m) => this.reapable(m, now));
    if (!target) return;
    const seq = this.nextSeq();
    this.probe = {
      seq,
      target: target.name,
      ackDeadlineMs: now + this.scaled(this.config.probeTimeoutMs),
      endMs: now + interval,
      indirectSent: false,
      expectedNacks: 0,
      nacks: 0,
      tcpPinged: false,
    };
    this.stats.probes++;
    const msgs: SwimMessage[] = [{ type: "ping", seq, target: target.name, source: this.name }];
    if (this.config.lifeguard && target.status === "suspect") {
      // Buddy system: tell the suspect directly so it can refute at once.
      msgs.push({ type: "suspect", node: target.name, incarnation: target.incarnation, from: this.name });
    }
    this.send(target, msgs);
  }

  private sendIndirectProbes(p: Probe): void {
    p.indirectSent = true;
    const target = this.table.get(p.target);
    if (!target) return;
    const helpers = this.table.randomMembers(
      this.config.indirectChecks,
      (m) => m.status === "alive" && m.name !== p.target,
    );
    const nack = this.config.lifeguard;
    for (const h of helpers) {
      this.send(h, [
        { type: "ping-req", seq: p.seq, target: target.name, targetAddress: target.address, targetPort: target.port, nack, source: this.name },
      ]);
    }
    p.expectedNacks = nack ? helpers.length : 0;
    // In parallel with the indirect probes, as memberlist: catches a member whose UDP alone is blocked.
    if (this.config.tcpFallbackPing) this.askTcpPing(p, target);
  }

  private askTcpPing(p: Probe, target: MemberState): void {
    if (this.tcpPings.length >= OUTBOX_TCP_PINGS_MAX) {
      this.stats.outboxDropped++;
      return;
    }
    p.tcpPinged = true;
    this.stats.tcpPings++;
    this.tcpPings.push({ to: { address: target.address, port: target.port }, seq: p.seq, target: target.name, deadlineMs: p.endMs });
  }

  private probeSucceeded(): void {
    this.probe = undefined;
    if (this.config.lifeguard) this.awareness.apply(AWARENESS_DELTA.probeSucceeded);
  }

  private probeFailed(p: Probe): void {
    this.probe = undefined;
    this.stats.probesFailed++;
    if (this.config.lifeguard) this.awareness.apply(missedProbeDelta(p.expectedNacks, p.nacks));
    const target = this.table.get(p.target);
    if (!target || !isLive(target.status)) return;
    this.applySuspect({ type: "suspect", node: target.name, incarnation: target.incarnation, from: this.name });
  }

  private tickForwards(now: number): void {
    for (const [seq, f] of this.forwards) {
      if (now < f.deadlineMs) continue;
      this.forwards.delete(seq);
      if (f.nack) this.send(f.requester, [{ type: "nack", seq: f.seq }]);
    }
  }

  private nextSeq(): number {
    this.seq = this.seq >= SEQ_MAX ? 0 : this.seq + 1;
    return this.seq;
  }

  // ---------------------------------------------------------------- suspicion

  private tickSuspicions(now: number): void {
    for (const [name, s] of this.suspicions) {
      if (now < s.deadlineMs) continue;
      this.suspicions.delete(name);
      const m = this.table.get(name);
      if (!m || m.status !== "suspect" || m.incarnation !== s.incarnation) continue;
      this.stats.declaredFailed++;
      this.log.debug({ member: name, confirmations: s.confirmationCount }, "suspicion timed out");
      this.applyDead({ type: "dead", node: name, incarnation: s.incarnation, from: this.name });
    }
  }

  private startSuspicion(m: MemberState, incarnation: number, accuser: string, now: number): void {
    const n = this.table.liveCount;
    const minMs = suspicionTimeoutMs(this.config.suspicionMult, n, this.config.probeIntervalMs);
    const lifeguard = this.config.lifeguard;
    const maxMs = lifeguard ? this.config.suspicionMaxTimeoutMult * minMs : minMs;
    const k = lifeguard ? suspicionConfirmationsK(this.config.suspicionMult, n) : 0;
    this.suspicions.set(m.name, new Suspicion(incarnation, accuser, k, minMs, maxMs, now));
  }

  // ---------------------------------------------------------------- message handling

  private handle(from: Address, msg: SwimMessage): void {
    switch (msg.type) {
      case "ping":
        if (msg.target !== this.name) {
          this.stats.wrongNode++;
          return;
        }
        this.send(from, [{ type: "ack", seq: msg.seq }]);
        return;
      case "ping-req":
        this.handlePingReq(from, msg.seq, msg.target, { address: msg.targetAddress, port: msg.targetPort }, msg.nack);
        return;
      case "ack":
        if (this.probe?.seq === msg.seq) {
          this.probeSucceeded();
          return;
        }
        this.relayAck(msg.seq);
        return;
      case "nack":
        if (this.probe?.seq === msg.seq) this.probe.nacks++;
        return;
      case "alive":
        this.applyAlive(msg);
        return;
      case "suspect":
        this.applySuspect(msg);
        return;
      case "dead":
        this.applyDead(msg);
        return;
      case "force-leave":
        if (this.applyForceLeave(msg)) this.enqueue(forceLeaveKey(msg.node), msg);
        return;
      case "user":
        this.applyUserEvent(msg);
        return;
    }
  }

  private handlePingReq(from: Address, seq: number, target: string, to: Address, nack: boolean): void {
    if (this.forwards.size >= INDIRECT_PROBES_MAX) {
      this.stats.indirectRefused++;
      return;
    }
    const ours = this.nextSeq();
    // Unscaled timeout: our own health should not delay the requester's verdict (as memberlist).
    this.forwards.set(ours, { requester: from, seq, deadlineMs: this.clock.nowMs() + this.config.probeTimeoutMs, nack });
    this.send(to, [{ type: "ping", seq: ours, target, source: this.name }]);
  }

  private relayAck(seq: number): void {
    const f = this.forwards.get(seq);
    if (!f) return;
    this.forwards.delete(seq);
    this.send(f.requester, [{ type: "ack", seq: f.seq }]);
  }

  private applyAlive(msg: AliveMessage): void {
    const now = this.clock.nowMs();
    const self = this.table.self;
    if (msg.node === self.name) {
      if (this.leaving || msg.incarnation < self.incarnation) return;
      const ours = msg.incarnation === self.incarnation && msg.address === self.address && msg.port === self.port && sameMeta(msg.meta, self.meta);
      if (!ours) this.refute(msg.incarnation);
      return;
    }
    const cur = this.table.get(msg.node);
    if (!aliveApplies(cur, msg.incarnation)) return;
    if (!cur) {
      const m: MemberState = { name: msg.node, address: msg.address, port: msg.port, meta: msg.meta, incarnation: msg.incarnation, status: "alive", changedMs: now };
      this.table.add(m);
      this.broadcastAlive(m);
      this.emit("member-join", m);
      return;
    }
    if (isLive(cur.status) && (cur.address !== msg.address || cur.port !== msg.port)) {
      this.stats.conflicts++;
      this.log.warn({ member: msg.node, have: `${cur.address}:${cur.port}`, claimed: `${msg.address}:${msg.port}` }, "name conflict");
      return;
    }
    const wasLive = isLive(cur.status);
    const changed = cur.address !== msg.address || cur.port !== msg.port || !sameMeta(cur.meta, msg.meta);
    this.suspicions.delete(cur.name);
    cur.incarnation = msg.incarnation;
    cur.address = msg.address;
    cur.port = msg.port;
    cur.meta = msg.meta;
    this.table.setStatus(cur, "alive", now);
    this.broadcastAlive(cur);
    if (!wasLive) this.emit("member-join", cur);
    else if (changed) this.emit("member-update", cur);
  }

  private applySuspect(msg: SuspectMessage): void {
    const now = this.clock.nowMs();
    const cur = this.table.get(msg.node);
    if (cur === this.table.self) {
      if (!this.leaving && msg.incarnation >= cur.incarnation) this.refute(msg.incarnation);
      return;
    }
    switch (suspectOutcome(cur, msg.incarnation)) {
      case "ignore":
        return;
      case "confirm":
        // A new independent confirmation shortens the timer and is worth spreading (Lifeguard §IV-B).
        if (this.suspicions.get(msg.node)?.confirm(msg.from)) this.enqueue(memberKey(msg.node), msg);
        return;
      case "suspect": {
        const m = cur!;
        m.incarnation = msg.incarnation;
        this.table.setStatus(m, "suspect", now);
        this.startSuspicion(m, msg.incarnation, msg.from, now);
        this.enqueue(memberKey(m.name), msg);
        return;
      }
    }
  }

  private applyDead(msg: DeadMessage): void {
    const now = this.clock.nowMs();
    const cur = this.table.get(msg.node);
    if (cur === this.table.self) {
      if (!this.leaving && msg.incarnation >= cur.incarnation) this.refute(msg.incarnation);
      return;
    }
    const isLeave = msg.from === msg.node;
    if (!deadApplies(cur, msg.incarnation, isLeave)) return;
    const m = cur!;
    const intent = m.leaveIntent;
    // A force-leave heard while it was live turns its failure into a leave, unless it refuted since.
    const forced = !isLeave && intent !== undefined && intent.incarnation >= msg.incarnation;
    const left = isLeave || forced;
    m.leaveIntent = undefined;
    this.suspicions.delete(m.name);
    m.incarnation = msg.incarnation;
    this.table.setStatus(m, left ? "left" : "failed", now);
    this.enqueue(memberKey(m.name), msg);
    this.emit(left ? "member-leave" : "member-failed", m);
    if (forced && intent.prune) this.forget(m);
  }

  /**
   * Applies a force-leave (ours or heard). Returns whether it was news here:
   * relaying only news means each member passes one on at most once or twice,
   * so it cannot echo forever.
   */
  private applyForceLeave(msg: ForceLeaveMessage): boolean {
    const cur = this.table.get(msg.node);
    if (cur === this.table.self) {
      // As Serf: a live member refutes a leave it did not announce itself.
      if (!this.leaving && msg.incarnation >= cur.incarnation) this.refute(msg.incarnation);
      return false;
    }
    const outcome = forceLeaveOutcome(cur, msg.incarnation, msg.prune);
    if (outcome === "ignore") return false;
    const m = cur!;
    if (outcome === "intent") {
      const had = m.leaveIntent;
      const known = had !== undefined && (had.incarnation > msg.incarnation || (had.incarnation === msg.incarnation && (had.prune || !msg.prune)));
      if (known) return false;
      m.leaveIntent = { incarnation: msg.incarnation, prune: msg.prune };
    } else {
      if (m.status === "failed") {
        this.suspicions.delete(m.name);
        m.incarnation = msg.incarnation;
        this.table.setStatus(m, "left", this.clock.nowMs());
        this.emit("member-leave", m);
      }
      if (outcome === "prune") this.forget(m);
    }
    return true;
  }

  /** Removes a failed or left member from the table now (force-leave with prune). */
  private forget(m: MemberState): void {
    this.suspicions.delete(m.name);
    this.table.remove(m);
  }

  /** Someone thinks we are suspect, dead or someone else: outbid them with a higher incarnation. */
  private refute(accused: number): void {
    const self = this.table.self;
    self.incarnation = Math.max(self.incarnation, accused) + 1;
    this.stats.refutations++;
    if (this.config.lifeguard) this.awareness.apply(AWARENESS_DELTA.refutedSuspicion);
    this.broadcastAlive(self);
  }

  private applyUserEvent(msg: UserEventMessage): void {
    // Too old to tell from a replay once its id may have left the dedup window.
    if (msg.ltime + USER_EVENT_DEDUP_MAX < this.userLtime) return;
    if (msg.ltime >= this.userLtime) this.userLtime = msg.ltime + 1;
    this.acceptUserEvent(msg);
  }

  private acceptUserEvent(msg: UserEventMessage): void {
    const key = eventKey(msg.origin, msg.ltime);
    if (this.seenEvents.has(key)) return;
    this.seenEvents.add(key);
    this.seenOrder.push(key);
    if (this.seenOrder.length > USER_EVENT_DEDUP_MAX) this.seenEvents.delete(this.seenOrder.shift()!);
    this.enqueue(key, msg);
    this.pushEvent({ type: "user-event", name: msg.name, payload: msg.payload, ltime: msg.ltime, origin: msg.origin });
  }

  // ---------------------------------------------------------------- push-pull

  private localState(join: boolean): PushPullState {
    const members = [];
    for (const m of this.table.values()) {
      if (members.length >= PUSH_PULL_MEMBERS_MAX) break;
      members.push({ name: m.name, address: m.address, port: m.port, incarnation: m.incarnation, status: m.status, meta: m.meta });
    }
    return { join, userLtime: this.userLtime, members };
  }

  private merge(state: PushPullState): void {
    if (state.userLtime > this.userLtime) this.userLtime = state.userLtime;
    for (const r of state.members) {
      switch (r.status) {
        case "alive":
          this.applyAlive({ type: "alive", node: r.name, incarnation: r.incarnation, address: r.address, port: r.port, meta: r.meta });
          break;
        case "left":
          this.applyDead({ type: "dead", node: r.name, incarnation: r.incarnation, from: r.name });
          break;
        default:
          // A remote "failed" only makes us suspect: we give the member its chance to refute (as memberlist).
          this.applySuspect({ type: "suspect", node: r.name, incarnation: r.incarnation, from: this.name });
      }
    }
  }

  private periodicPushPull(): void {
    if (this.config.pushPullIntervalMs === 0 || this.leaving) return;
    const [peer] = this.table.randomMembers(1, (m) => m.status === "alive");
    if (peer) this.pushStream({ address: peer.address, port: peer.port }, this.localState(false));
  }

  private reconnect(): void {
    if (this.config.reconnectIntervalMs === 0 || this.leaving) return;
    const [peer] = this.table.randomMembers(1, (m) => m.status === "failed");
    if (peer) this.pushStream({ address: peer.address, port: peer.port }, this.localState(false));
  }

  // ---------------------------------------------------------------- dissemination

  private gossip(now: number): void {
    const deadWindow = this.config.gossipToTheDeadMs;
    const targets = this.table.randomMembers(
      this.config.gossipNodes,
      (m) => isLive(m.status) || now - m.changedMs < deadWindow,
    );
    for (const t of targets) {
      if (this.queue.size === 0) return;
      this.send(t, []);
    }
  }

  private broadcastAlive(m: MemberState): void {
    const msg: AliveMessage = { type: "alive", node: m.name, incarnation: m.incarnation, address: m.address, port: m.port, meta: m.meta };
    this.enqueue(memberKey(m.name), msg);
  }

  private enqueue(key: string, msg: SwimMessage): void {
    this.queue.enqueue(key, msg, messageBytes(msg));
  }

  /** Queues a packet: `msgs` first, then as many broadcasts as fit the packet budget. Empty packets are not sent. */
  private send(to: Address, msgs: SwimMessage[]): void {
    if (this.packets.length >= OUTBOX_PACKETS_MAX) {
      this.stats.outboxDropped++;
      return;
    }
    let bytes = PACKET_OVERHEAD_BYTES;
    for (const m of msgs) bytes += messageBytes(m);
    const limit = retransmitLimit(this.config.retransmitMult, this.table.liveCount);
    const extra = this.queue.take(this.config.packetBytesMax - bytes, limit, PACKET_MESSAGES_MAX - msgs.length);
    const all = extra.length > 0 ? msgs.concat(extra) : msgs;
    if (all.length === 0) return;
    this.packets.push({ to: { address: to.address, port: to.port }, msgs: all });
  }

  private pushStream(to: Address, state: PushPullState): void {
    if (this.streams.length >= OUTBOX_STREAMS_MAX) {
      this.stats.outboxDropped++;
      return;
    }
    this.streams.push({ to, state });
  }

  private emit(type: "member-join" | "member-update" | "member-leave" | "member-failed", m: MemberState): void {
    this.pushEvent({ type, member: toMember(m) });
  }

  private pushEvent(e: MemberEvent): void {
    if (this.events.length >= OUTBOX_EVENTS_MAX) {
      this.stats.outboxDropped++;
      return;
    }
    this.events.push(e);
  }

  private reapable(m: MemberState, now: number): boolean {
    const after = m.status === "left" ? this.config.leftReapMs : this.config.failedReapMs;
    return now - m.changedMs >= after;
  }
}

/** The first time after `now` on the grid `start + k·interval`, so a periodic task keeps its phase. */
function nextPhase(start: number, interval: number, now: number): number {
  const periods = Math.floor((now - start) / interval) + 1;
  return start + periods * interval;
}

function sameMeta(a: MemberMeta, b: MemberMeta): boolean {
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  for (const k of ka) if (a[k] !== b[k]) return false;
  return true;
}
