/**
 * The gossip driver: runs one {@link SwimCore} over real sockets. It owns a
 * UDP socket (probes, acks, gossip) and a TCP transport (push-pull full-state
 * exchanges) on the same port, seals everything with the cluster label and
 * optional AES-GCM keyring, ticks the core at its next deadline with an
 * unref'd timer, and turns the core's events into typed emitter events.
 *
 * ```ts
 * const node = await GossipNode.start({ name: "web-1", bind: "0.0.0.0:8301", join: ["10.0.0.5"], encrypt: key });
 * node.on("member-failed", (m) => …);
 * node.members();              // every member this node knows, with status
 * await node.leave();          // tell the cluster, then
 * await node.close();          // release sockets and timers
 * ```
 *
 * The TCP listener also answers the TCP fallback ping (when a UDP probe
 * goes unanswered the core asks for one; it travels over a fresh connection,
 * sealed like push-pull) and cluster-wide keyring requests
 * ({@link GossipNode.installKey} and friends).
 *
 * Nothing here throws into the host from a socket or timer callback; bad
 * packets are counted ({@link GossipNode.stats}) and dropped.
 *
 * @module
 */
import { EventEmitter } from "eventemitter3";
import pRetry from "p-retry";
import { ClosedError, InvalidArgumentError, MalformedPacketError, ProtocolError } from "../util/errors.js";
import { childLogger, type Logger } from "../util/logger.js";
import type { TimerHandle, Timers } from "../util/timers.js";
import type { Keyring } from "../transport/keyring.js";
import type { PacketCrypto } from "../transport/packet-crypto.js";
import type { TcpTransport } from "../transport/tcp.js";
import type { UdpEndpoint, UdpPeer } from "../transport/udp.js";
import { defaultAdvertiseHost } from "../transport/advertise.js";
import { requestOnce } from "../transport/stream-request.js";
import { writeKeyringFile } from "../transport/keyring-file.js";
import { SwimCore } from "./core.js";
import { decodePushPull, encodePacket, encodePushPull } from "./codec.js";
import {
  decodeKeyringReply,
  decodeStreamRequest,
  decodeTcpAck,
  encodeKeyringReply,
  encodeKeyringRequest,
  encodeTcpAck,
  encodeTcpPing,
  type KeyringOp,
  type KeyringReply,
} from "./stream-codec.js";
import {
  EncryptionNotEnabledError,
  KEYRING_REQUEST_TIMEOUT_MS,
  applyKeyringOp,
  fanOutKeyringOp,
  precheckKeyringOp,
  type KeyringStatus,
  type KeyringTarget,
} from "./cluster-keyring.js";
import { isLive } from "./member-table.js";
import { JOIN_SEEDS_MAX, OUTBOX_EVENTS_MAX } from "./limits.js";
import {
  DEFAULT_GOSSIP_PORT,
  formatHostPort,
  parseHostPort,
  type GossipNodeOptions,
  type HostPort,
  type ResolvedGossipNodeOptions,
} from "./node-options.js";
import { resolveWithKeyringFile } from "./node-keyring.js";
import { bindSockets } from "./node-sockets.js";
import { JoinError, type GossipNodeEvents, type GossipNodeStats, type PushPullStats, type TcpPingStats } from "./node-types.js";
import type { Address, Member, MemberEvent, MemberMeta, OutboundTcpPing, PushPullState, SwimMessage } from "./types.js";

/**
 * Longest single timer wait. The core's deadlines are normally within a probe
 * interval; the cap keeps any far-off deadline within setTimeout's range and
 * re-checks it now and then.
 */
export const TICK_DELAY_MS_MAX = 60_000;

interface PushPullResult {
  address: string;
  ok: boolean;
  error?: unknown;
}

/** A running gossip member; see the module comment. Start one with {@link GossipNode.start}. */
export class GossipNode extends EventEmitter<GossipNodeEvents> {
  /** This member's name. */
  readonly name: string;
  /** The address other members reach this one at (UDP and TCP). */
  readonly address: Address;
  /** The address the sockets are bound to. */
  readonly bindAddress: Address;

  private readonly core: SwimCore;
  private readonly crypto: PacketCrypto;
  private readonly timers: Timers;
  private readonly log: Logger;
  private readonly pp: PushPullStats = { sent: 0, succeeded: 0, failed: 0, served: 0, refused: 0 };
  private readonly tp: TcpPingStats = { sent: 0, acked: 0, failed: 0, served: 0 };
  /** Test hook: inbound UDP packets it refuses are dropped unseen. */
  private packetFilter: ((from: Address) => boolean) | undefined;
  /** Local keyring changes run one at a time, so saves to the keyring file land in order. */
  private keyringQueue: Promise<unknown> = Promise.resolve();
  /** Aborted by close(): TCP pings and keyring requests in flight drop their connections. */
  private readonly closeAbort = new AbortController();
  private timer: TimerHandle | undefined;
  private timerAtMs = Number.POSITIVE_INFINITY;
  private closed = false;
  private closing: Promise<void> | undefined;
  private leaving: Promise<void> | undefined;
  private leaveWaiter: (() => void) | undefined;
  private leaveTimer: TimerHandle | undefined;
  private leaveHold: ReturnType<typeof setTimeout> | undefined;
  private retryAbort: AbortController | undefined;
  /** Events held until the caller of start() has had a chance to add listeners. */
  private held: MemberEvent[] | undefined = [];

  private constructor(
    private readonly o: ResolvedGossipNodeOptions,
    private readonly udp: UdpEndpoint,
    private readonly tcp: TcpTransport,
    advertise: Address,
  ) {
    super();
    this.name = o.name;
    this.address = advertise;
    this.bindAddress = { address: o.bind.address, port: udp.port };
    this.crypto = o.crypto;
    this.timers = o.timers;
    this.log = childLogger(o.logger, "gossip");
    this.core = new SwimCore({
      ...o.coreConfig,
      name: o.name,
      address: advertise.address,
      port: advertise.port,
      meta: o.meta,
      clock: o.timers,
      rng: o.rng,
      logger: o.logger,
    });
  }

  /**
   * Binds the sockets, starts the protocol and, when `join` is given, joins:
   * it resolves once a seed answered (or at once with `retryJoin`, which keeps
   * trying in the background). Events of the start (this node's own join, the
   * members learned from the seeds) are delivered just after it resolves, so
   * listeners added right after `await` see them.
   * @throws InvalidConfigError naming the field; JoinError when no seed answered. Nothing stays open.
   */
  static async start(options: GossipNodeOptions): Promise<GossipNode> {
    const o = await resolveWithKeyringFile(options);
    let node: GossipNode | undefined;
    const advertiseHost = o.advertise.address ?? defaultAdvertiseHost(o.bind.address);
    const { udp, tcp } = await bindSockets({
      host: o.bind.address,
      port: o.bind.port,
      advertiseHost,
      advertisePort: o.advertise.port,
      logger: o.logger,
      onPacket: (from, bytes) => (node ? node.onPacket(from, bytes) : true),
      onRequest: (from, body) => (node ? node.onStream(from, body) : Promise.reject(new ClosedError("gossip node (starting)"))),
    });
    try {
      node = new GossipNode(o, udp, tcp, { address: advertiseHost, port: o.advertise.port ?? udp.port });
    } catch (err) {
      await Promise.all([udp.close(), tcp.close()]);
      throw err;
    }
    node.pump();
    if (o.join.length > 0 && o.retryJoin) node.retryJoin(o.join);
    else if (o.join.length > 0) {
      try {
        await node.joinSeeds(o.join);
      } catch (err) {
        await node.close();
        throw err;
      }
    }
    node.releaseHeldEvents();
    return node;
  }

  /** Every member this node knows, itself included, as copies. */
  members(): Member[] {
    return this.core.members();
  }

  /** One member by name, or undefined. */
  member(name: string): Member | undefined {
    return this.core.member(name);
  }

  /**
   * The keyring when encryption is on: install, use and remove keys at run
   * time on this node only (not saved to `keyringFile`). For the whole
   * cluster use {@link installKey}, {@link useKey} and {@link removeKey}.
   */
  get keyring(): Keyring | undefined {
    return this.crypto.keyring;
  }

  /** The cluster label ("" for none). */
  get label(): string {
    return this.crypto.label;
  }

  /**
   * Asks every live member (this one included) for the keys it holds, as
   * `consul keyring -list`. Members that fail or do not answer within
   * KEYRING_REQUEST_TIMEOUT_MS are counted in `numErr` with a message.
   * @throws EncryptionNotEnabledError without encryption; ClosedError after close().
   */
  listKeys(): Promise<KeyringStatus> {
    return this.clusterKeyring("list", undefined);
  }

  /**
   * Installs `key` (for decryption only) on every live member and saves it to
   * each one's keyring file: rotation step 1 of 3.
   * @throws InvalidArgumentError (`key`) for a malformed key, before anyone is asked;
   *   EncryptionNotEnabledError; ClosedError.
   */
  installKey(key: string): Promise<KeyringStatus> {
    return this.clusterKeyring("install", key);
  }

  /**
   * Makes an installed `key` the primary (encrypting) key on every live
   * member: step 2 of 3, once every member holds it.
   * @throws InvalidArgumentError (`key`) for a malformed key or one this member lacks;
   *   EncryptionNotEnabledError; ClosedError.
   */
  useKey(key: string): Promise<KeyringStatus> {
    return this.clusterKeyring("use", key);
  }

  /**
   * Removes `key` from every live member: step 3 of 3. A member whose primary
   * it is refuses (and reports so); this member refuses before asking anyone.
   * @throws InvalidArgumentError (`key`) for a malformed key or this member's primary;
   *   EncryptionNotEnabledError; ClosedError.
   */
  removeKey(key: string): Promise<KeyringStatus> {
    return this.clusterKeyring("remove", key);
  }

  /**
   * Test hook: drops every inbound UDP packet for which `filter` returns
   * false, as a firewall would (undefined lets everything in again).
   * @internal
   */
  setPacketFilter(filter: ((from: Address) => boolean) | undefined): void {
    this.packetFilter = filter;
  }

  /**
   * Joins the cluster through any of `addrs` (`host:port`, default port 8301)
   * by a push-pull with each. Resolves with how many answered, once all have
   * answered or failed (a silent seed costs up to `pushPullTimeoutMs`).
   * @throws InvalidArgumentError for a bad address; JoinError when none answered; ClosedError after close() or leave().
   */
  async join(addrs: readonly HostPort[]): Promise<number> {
    this.assertOpen();
    if (!Array.isArray(addrs) || addrs.length === 0 || addrs.length > JOIN_SEEDS_MAX) {
      throw new InvalidArgumentError("addrs", `must list 1 to ${JOIN_SEEDS_MAX} addresses`);
    }
    const seeds = addrs.map((a, i) => parseHostPort(a, DEFAULT_GOSSIP_PORT, `addrs[${i}]`));
    return this.joinSeeds(seeds);
  }

  /**
   * Leaves gracefully: announces "left" and resolves once that news has been
   * retransmitted enough to reach everyone, or after `leaveTimeoutMs`. The
   * node keeps answering probes until {@link close}. Calling it again returns
   * the same promise. Like a request in flight, a leave in progress keeps the
   * process alive (for at most `leaveTimeoutMs`), so `await leave()` at
   * shutdown completes.
   * Rejects with ClosedError after close().
   */
  leave(): Promise<void> {
    if (this.closed) return Promise.reject(new ClosedError("gossip node"));
    if (this.leaving) return this.leaving;
    this.leaving = new Promise<void>((resolve) => {
      this.leaveWaiter = resolve;
    });
    this.retryAbort?.abort();
    this.leaveTimer = this.timers.after(this.o.leaveTimeoutMs, () => this.finishLeave("timed out"));
    // Ref'd on purpose: the driver's own timers are unref'd and would let the process exit mid-leave.
    this.leaveHold = setTimeout(() => {}, this.o.leaveTimeoutMs);
    this.core.leave();
    this.pump();
    return this.leaving;
  }

  /**
   * Consul's `force-leave`: marks member `name` "left" and spreads that, so
   * every member records it as left (a `member-leave` event on each, once)
   * and nobody keeps trying to reconnect to it; with `prune` every member also
   * forgets it at once instead of at its reap time (`leftReapMs`). Meant for a
   * failed member: the news carries the incarnation this node knows, so a
   * member that is in fact alive refutes it and stays alive everywhere (its
   * status is not changed meanwhile; if it fails before refuting, it is
   * recorded as left). Returns at once; the news spreads with the gossip.
   * @returns false when this node knows no member by that name (nothing is sent).
   * @throws InvalidArgumentError for a bad name, this node's own (use
   *   {@link leave}) or a non-boolean `prune`; ClosedError after close() or leave().
   */
  forceLeave(name: string, options: { prune?: boolean } = {}): boolean {
    this.assertOpen();
    const known = this.core.forceLeave(name, options);
    this.pump();
    return known;
  }

  /**
   * Sends a user event to every member, this one included (delivered as a
   * `user-event`). Strings are sent as UTF-8.
   * @throws InvalidArgumentError for a bad name or a payload over 512 bytes; ClosedError after close() or leave().
   */
  fireUserEvent(name: string, payload: Uint8Array | string = new Uint8Array(0)): void {
    this.assertOpen();
    this.core.fireUserEvent(name, typeof payload === "string" ? new TextEncoder().encode(payload) : payload);
    this.pump();
  }

  /**
   * Replaces this node's meta and announces it (a `member-update` everywhere).
   * @throws InvalidArgumentError for bad meta; ClosedError after close() or leave().
   */
  updateMeta(meta: MemberMeta): void {
    this.assertOpen();
    this.core.updateMeta(meta);
    this.pump();
  }

  /** Counters of every layer, as copies. */
  stats(): GossipNodeStats {
    const members = { alive: 0, suspect: 0, failed: 0, left: 0 };
    for (const m of this.core.members()) members[m.status]++;
    return {
      members,
      swim: { ...this.core.stats },
      healthScore: this.core.healthScore,
      incarnation: this.core.incarnation,
      udp: { ...this.udp.stats },
      tcp: { ...this.tcp.stats },
      crypto: { ...this.crypto.stats },
      pushPull: { ...this.pp },
      tcpPing: { ...this.tp },
    };
  }

  /**
   * Stops without telling anyone (others will detect the failure; call
   * {@link leave} first for a graceful exit). Releases the sockets and timers;
   * idempotent. A pending leave() resolves.
   */
  close(): Promise<void> {
    if (this.closing) return this.closing;
    this.closed = true;
    this.closeAbort.abort();
    this.timer?.cancel();
    this.timer = undefined;
    this.retryAbort?.abort();
    this.finishLeave(undefined);
    this.closing = Promise.all([this.udp.close(), this.tcp.close()]).then(() => undefined);
    return this.closing;
  }

  // ---------------------------------------------------------------- driving the core

  /** Acts on everything the core queued; returns the push-pulls it started. Call after every call into the core. */
  private pump(): Promise<PushPullResult>[] {
    if (this.closed) return [];
    const out = this.core.drain();
    for (const p of out.packets) this.sendPacket(p.to, p.msgs);
    for (const p of out.tcpPings) void this.tcpPing(p);
    const streams = out.streams.map((s) => this.pushPull(s.to, s.state));
    for (const e of out.events) this.dispatch(e);
    if (this.leaveWaiter && this.core.leaveSettled()) this.finishLeave(undefined);
    this.schedule();
    return streams;
  }

  /** Arms the timer for the core's next deadline, unless one already fires no later. */
  private schedule(): void {
    const deadline = this.core.nextDeadlineMs();
    if (this.timer && this.timerAtMs <= deadline) return;
    this.timer?.cancel();
    this.timer = undefined;
    if (!Number.isFinite(deadline)) return;
    const now = this.timers.nowMs();
    // At least 1 ms, so a deadline that is already due cannot spin the loop.
    const delay = Math.min(TICK_DELAY_MS_MAX, Math.max(1, Math.ceil(deadline - now)));
    this.timerAtMs = now + delay;
    this.timer = this.timers.after(delay, () => {
      this.timer = undefined;
      this.timerAtMs = Number.POSITIVE_INFINITY;
      this.guard("tick", () => {
        this.core.tick();
        this.pump();
      });
    });
  }

  private sendPacket(to: Address, msgs: SwimMessage[]): void {
    this.udp.send(to, this.crypto.seal(encodePacket(msgs)));
  }

  private onPacket(from: UdpPeer, bytes: Buffer): boolean {
    if (this.closed || (this.packetFilter && !this.packetFilter(from))) return true;
    let plain: Uint8Array;
    try {
      plain = this.crypto.open(bytes);
    } catch {
      return false;
    }
    this.guard("packet", () => {
      this.core.receivePacketBytes(from, plain);
      this.pump();
    });
    return true;
  }

  /** Starts a push-pull with `to`; never rejects. */
  private async pushPull(to: Address, state: PushPullState): Promise<PushPullResult> {
    const address = formatHostPort(to);
    this.pp.sent++;
    try {
      const request = this.crypto.seal(encodePushPull(state));
      const reply = await this.tcp.request(address, request, { timeoutMs: this.o.pushPullTimeoutMs });
      if (!(reply instanceof Uint8Array)) throw new MalformedPacketError("push-pull reply is not bytes");
      const remote = decodePushPull(this.crypto.open(reply));
      if (this.closed) throw new ClosedError("gossip node");
      this.core.receiveStreamReply(to, remote);
      this.pump();
      this.pp.succeeded++;
      return { address, ok: true };
    } catch (error) {
      this.pp.failed++;
      this.log.debug({ err: error, peer: address }, "push-pull failed");
      return { address, ok: false, error };
    }
  }

  /**
   * Answers a request on the stream listener: a push-pull, a TCP ping or a
   * keyring request. A rejection goes back to the sender as a RemoteError;
   * one that could not be opened or decoded counts as a refused push-pull.
   */
  private async onStream(from: string, body: unknown): Promise<Uint8Array> {
    if (this.closed) throw new ClosedError("gossip node");
    let request;
    try {
      if (!(body instanceof Uint8Array)) throw new MalformedPacketError("stream request is not bytes");
      request = decodeStreamRequest(this.crypto.open(body));
    } catch (err) {
      this.pp.refused++;
      this.log.debug({ err, peer: from }, "refused a stream request");
      throw err;
    }
    switch (request.type) {
      case "push-pull": {
        const reply = this.core.receiveStream(peerAddress(from), request.state);
        this.pump();
        this.pp.served++;
        return this.crypto.seal(encodePushPull(reply));
      }
      case "ping":
        if (!this.core.receiveTcpPing(peerAddress(from), request.ping)) throw new ProtocolError(`this is not ${request.ping.target}`);
        this.tp.served++;
        return this.crypto.seal(encodeTcpAck(request.ping.seq));
      case "keyring":
        if (request.target !== this.name) throw new ProtocolError(`this is not ${request.target}`);
        return this.crypto.seal(encodeKeyringReply(await this.applyKeyring(request.op, request.key)));
    }
  }

  /** Sends the TCP fallback ping the core asked for and tells it the outcome; never rejects. */
  private async tcpPing(p: OutboundTcpPing): Promise<void> {
    this.tp.sent++;
    const timeoutMs = Math.max(1, Math.ceil(p.deadlineMs - this.timers.nowMs()));
    let acked = false;
    try {
      const request = this.crypto.seal(encodeTcpPing({ type: "ping", seq: p.seq, target: p.target, source: this.name }));
      const reply = await requestOnce(p.to.address, p.to.port, request, {
        from: formatHostPort(this.address), timeoutMs, signal: this.closeAbort.signal,
      });
      if (!(reply instanceof Uint8Array)) throw new MalformedPacketError("TCP ping answer is not bytes");
      acked = decodeTcpAck(this.crypto.open(reply)) === p.seq;
    } catch (err) {
      this.log.debug({ err, member: p.target }, "TCP ping failed");
    }
    if (acked) this.tp.acked++;
    else this.tp.failed++;
    if (this.closed) return;
    this.guard("tcp ping", () => {
      this.core.receiveTcpPingResult(p.seq, acked);
      this.pump();
    });
  }

  private async clusterKeyring(op: KeyringOp, key: string | undefined): Promise<KeyringStatus> {
    this.assertOpen();
    const ring = this.crypto.keyring;
    if (!ring) throw new EncryptionNotEnabledError();
    precheckKeyringOp(ring, op, key);
    const targets = this.core.members().filter((m) => m.name !== this.name && isLive(m.status));
    const status = await fanOutKeyringOp(this.name, targets, (t) => this.askKeyring(t, op, key), () => this.applyKeyring(op, key));
    this.log.info({ op, members: status.numNodes, errors: status.numErr }, "cluster keyring operation");
    return status;
  }

  private async askKeyring(target: KeyringTarget, op: KeyringOp, key: string | undefined): Promise<KeyringReply> {
    const request = this.crypto.seal(encodeKeyringRequest(target.name, op, key));
    const reply = await requestOnce(target.address, target.port, request, {
      from: formatHostPort(this.address), timeoutMs: KEYRING_REQUEST_TIMEOUT_MS, holdProcess: true, signal: this.closeAbort.signal,
    });
    if (!(reply instanceof Uint8Array)) throw new MalformedPacketError("keyring answer is not bytes");
    return decodeKeyringReply(this.crypto.open(reply));
  }

  /** Applies a keyring request to this node's keyring (one at a time), saving it when `keyringFile` is set. */
  private applyKeyring(op: KeyringOp, key: string | undefined): Promise<KeyringReply> {
    const file = this.o.keyringFile;
    const save = file === undefined ? undefined : (keys: readonly string[]) => writeKeyringFile(file, keys);
    const run = this.keyringQueue.then(() => applyKeyringOp(this.crypto.keyring, op, key, save));
    this.keyringQueue = run.catch(() => undefined);
    return run;
  }

  private async joinSeeds(seeds: Address[]): Promise<number> {
    this.assertOpen();
    this.core.join(seeds);
    // The outbox was empty before join() (every entry point pumps), so these are exactly the seeds' push-pulls.
    const results = await Promise.all(this.pump());
    const ok = results.filter((r) => r.ok).length;
    if (ok === 0) throw new JoinError(results.map((r) => ({ address: r.address, error: r.error })));
    this.log.info({ joined: ok, of: seeds.length }, "joined the cluster");
    return ok;
  }

  private retryJoin(seeds: Address[]): void {
    const abort = new AbortController();
    this.retryAbort = abort;
    pRetry(() => this.joinSeeds(seeds), {
      retries: this.o.retryJoinMax === 0 ? Number.POSITIVE_INFINITY : this.o.retryJoinMax,
      minTimeout: this.o.retryJoinIntervalMs,
      maxTimeout: this.o.retryJoinIntervalMsMax,
      factor: 2,
      randomize: true,
      signal: abort.signal,
      unref: true,
      shouldRetry: () => !this.closed && !this.leaving,
      onFailedAttempt: ({ error, attemptNumber }) => this.log.warn({ err: error, attempt: attemptNumber }, "retry-join attempt failed"),
    }).catch((err: unknown) => {
      if (!this.closed && !this.leaving) this.log.error({ err }, "retry-join gave up");
    });
  }

  // ---------------------------------------------------------------- events and housekeeping

  private dispatch(e: MemberEvent): void {
    if (!this.held) this.emitEvent(e);
    // Held events are released on the next timer turn; the bound only matters if that turn never comes (manual timers).
    else if (this.held.length < OUTBOX_EVENTS_MAX) this.held.push(e);
  }

  private releaseHeldEvents(): void {
    this.timers.after(0, () => {
      const held = this.held ?? [];
      this.held = undefined;
      for (const e of held) this.emitEvent(e);
    });
  }

  private emitEvent(e: MemberEvent): void {
    try {
      if (e.type === "user-event") this.emit("user-event", { name: e.name, payload: e.payload, ltime: e.ltime, origin: e.origin });
      else this.emit(e.type, e.member);
    } catch (err) {
      this.log.error({ err, event: e.type }, "an event listener threw");
    }
  }

  private finishLeave(problem: string | undefined): void {
    const resolve = this.leaveWaiter;
    if (!resolve) return;
    this.leaveWaiter = undefined;
    this.leaveTimer?.cancel();
    clearTimeout(this.leaveHold);
    if (problem) this.log.warn({ timeoutMs: this.o.leaveTimeoutMs }, `leave ${problem} before the news had spread`);
    resolve();
  }

  /** Runs a callback from a socket or timer: a throw is a bug, logged, never passed to the host. */
  private guard(what: string, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.log.error({ err, in: what }, "gossip driver error");
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new ClosedError("gossip node");
  }
}

/** The peer's advertised `host:port` from the TCP transport, for logs; port 0 when unparsable. */
function peerAddress(from: string): Address {
  try {
    return parseHostPort(from, 0, "from");
  } catch {
    return { address: from.slice(0, 64) || "unknown", port: 0 };
  }
}
