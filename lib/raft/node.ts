/**
 * The Raft driver: owns the tick timer, storage and the wire for one
 * {@link RaftCore}. It follows the core's Ready contract: persist (fsync),
 * then send, then apply, then advance. Everything here is I/O; every decision
 * is the core's.
 *
 * @module
 */
import { RaftCore, type RaftStatus } from "./core.js";
import { entryToRecord, recordToEntry } from "./entry-codec.js";
import type { ConfChange, Message, Ready, Snapshot } from "./types.js";
import type { LogStore, SnapshotStore, StableStore } from "../storage/types.js";
import {
  AbortedError, ClosedError, NoLeaderError, NotLeaderError, TimeoutError, throwIfAborted,
} from "../util/errors.js";
import { silentLogger, type Logger } from "../util/logger.js";
import type { Rng } from "../util/rng.js";
import type { TimerHandle, Timers } from "../util/timers.js";

/** The state machine a Raft node replicates. `apply` must be deterministic. */
export interface RaftStateMachine {
  /** Applies one committed normal entry and returns its result (handed back to the proposer). */
  apply(index: number, data: Uint8Array): unknown;
  /** The whole state, for a snapshot. */
  snapshot(): Uint8Array;
  /** Replaces the whole state with a snapshot's. */
  restore(data: Uint8Array): void;
}

/** Options of {@link RaftNode.start}. */
export interface RaftNodeOptions {
  /** This node's id: its RPC address, `host:port`. */
  id: string;
  /** Voter ids (including this node) when the cluster is bootstrapped; ignored once storage holds a configuration. */
  peers: string[];
  log: LogStore;
  stable: StableStore;
  snapshots: SnapshotStore;
  fsm: RaftStateMachine;
  /** Sends a message to a peer (best effort; Raft retransmits). */
  send(to: string, message: Message): void;
  timers: Timers;
  rng: Rng;
  logger?: Logger;
  /**
   * One tick. Election timeout is `electionTicks` ticks (randomised up to twice
   * that), heartbeats every `heartbeatTicks`. @defaultValue 50 (so elections in 0.5–1 s)
   */
  tickMs?: number;
  /** @defaultValue 10 */
  electionTicks?: number;
  /** @defaultValue 1 */
  heartbeatTicks?: number;
  /** Applied entries between snapshots. @defaultValue 8192 */
  snapshotThreshold?: number;
  /** How long a proposal waits to be applied before failing with TimeoutError. @defaultValue 10000 */
  proposalTimeoutMs?: number;
  /** Called when the leader changes ("" when none). */
  onLeaderChange?: (leader: string, term: number) => void;
}

interface Waiter<T> {
  term: number;
  resolve: (v: T) => void;
  reject: (e: unknown) => void;
  timer: TimerHandle;
}

/** A running Raft node. */
export class RaftNode {
  private readonly core: RaftCore;
  private readonly logger: Logger;
  private readonly proposals = new Map<number, Waiter<unknown>>();
  private readonly reads = new Map<string, { resolve: () => void; reject: (e: unknown) => void; timer: TimerHandle }>();
  private readonly readsAwaitingApply: { index: number; resolve: () => void }[] = [];
  private tickTimer: TimerHandle | undefined;
  private processing = false;
  private closed = false;
  private applied: number;
  private lastSnapshotIndex: number;
  private readSeq = 0;
  private leaderId = "";
  private failure: unknown;
  private savedTerm = -1;
  private readonly appliedListeners = new Set<() => void>();
  private savedVote = "";

  private constructor(private readonly o: RaftNodeOptions, core: RaftCore, applied: number) {
    this.core = core;
    this.logger = o.logger ?? silentLogger;
    this.applied = applied;
    this.lastSnapshotIndex = applied;
  }

  /** Loads state from storage (restoring the state machine from the latest snapshot) and starts ticking. */
  static async start(o: RaftNodeOptions): Promise<RaftNode> {
    const hardState = await o.stable.load();
    const stored = await o.snapshots.loadLatest();
    let snapshot: Snapshot | undefined;
    if (stored) {
      o.fsm.restore(stored.data);
      snapshot = { meta: { ...stored.meta, voters: (stored.meta["voters"] as string[] | undefined) ?? o.peers }, data: stored.data };
    }
    const first = Math.max(o.log.firstIndex(), (snapshot?.meta.index ?? 0) + 1);
    const last = o.log.lastIndex();
    const entries = last >= first ? o.log.range(first, last).map(recordToEntry) : [];
    const core = new RaftCore(
      {
        id: o.id, peers: o.peers, rng: o.rng, logger: o.logger,
        electionTicks: o.electionTicks ?? 10, heartbeatTicks: o.heartbeatTicks ?? 1,
        preVote: true, checkQuorum: true,
      },
      { hardState, snapshot, entries },
    );
    const node = new RaftNode(o, core, snapshot?.meta.index ?? 0);
    node.savedTerm = hardState?.term ?? -1;
    node.savedVote = hardState?.vote ?? "";
    node.scheduleTick();
    node.kick();
    return node;
  }

  private scheduleTick(): void {
    this.tickTimer = this.o.timers.after(this.o.tickMs ?? 50, () => {
      if (this.closed) return;
      this.core.tick();
      this.kick();
      this.scheduleTick();
    });
  }

  /** Feeds a message from a peer. */
  step(message: Message): void {
    if (this.closed || this.failure) return;
    try {
      this.core.step(message);
    } catch (err) {
      // A malformed or stale message is the sender's problem, not ours.
      this.logger.debug({ component: "raft", err }, "message refused");
      return;
    }
    this.kick();
  }

  /** Runs the Ready loop if it is not already running. */
  private kick(): void {
    if (this.processing || this.closed || this.failure) return;
    if (!this.core.hasReady()) return;
    this.processing = true;
    void this.processReadies().finally(() => {
      this.processing = false;
      if (!this.closed && !this.failure && this.core.hasReady()) this.kick();
    });
  }

  private async processReadies(): Promise<void> {
    try {
      while (!this.closed && this.core.hasReady()) {
        const ready = this.core.ready();
        await this.handle(ready);
        this.core.advance(ready);
        await this.maybeSnapshot();
      }
    } catch (err) {
      // Storage failed: this node can no longer promise durability. Stop
      // taking part rather than continue with state we cannot trust.
      this.failure = err;
      this.logger.error({ component: "raft", err }, "raft storage failed; node stopped");
      this.failAll(err);
    }
  }

  private async handle(ready: Ready): Promise<void> {
    const { log, stable, snapshots, fsm } = this.o;
    if (ready.snapshot) {
      await snapshots.save(ready.snapshot.meta, ready.snapshot.data);
      fsm.restore(ready.snapshot.data);
      await log.truncateAfter(log.firstIndex() - 1);
      await log.compactThrough(ready.snapshot.meta.index);
      this.applied = ready.snapshot.meta.index;
      this.lastSnapshotIndex = ready.snapshot.meta.index;
    }
    if (ready.entries.length > 0) {
      const from = ready.entries[0]!.index;
      if (from <= log.lastIndex()) await log.truncateAfter(from - 1);
      await log.append(ready.entries.map(entryToRecord));
    }
    // Term and vote must be durable before any message leaves; the commit
    // index is only a hint (a restarted node relearns it from the leader), so
    // a change of commit alone is not worth an fsync'd write per batch.
    if (ready.hardState && (ready.hardState.term !== this.savedTerm || ready.hardState.vote !== this.savedVote)) {
      await stable.save(ready.hardState);
      this.savedTerm = ready.hardState.term;
      this.savedVote = ready.hardState.vote;
    }
    for (const m of ready.messages) {
      try {
        this.o.send(m.to, m);
      } catch (err) {
        this.logger.debug({ component: "raft", err, to: m.to }, "send failed");
      }
    }
    if (ready.softState && ready.softState.leader !== this.leaderId) {
      this.leaderId = ready.softState.leader;
      this.o.onLeaderChange?.(this.leaderId, ready.softState.term);
    }
    for (const e of ready.committed) {
      let result: unknown;
      if (e.type === "normal" && e.data.length > 0) result = fsm.apply(e.index, e.data);
      this.applied = e.index;
      const waiter = this.proposals.get(e.index);
      if (waiter) {
        this.proposals.delete(e.index);
        waiter.timer.cancel();
        if (waiter.term === e.term) waiter.resolve(result);
        else waiter.reject(new NotLeaderError(this.leaderId || undefined));
      }
    }
    for (const rs of ready.readStates) {
      const r = this.reads.get(rs.context);
      if (!r) continue;
      this.reads.delete(rs.context);
      r.timer.cancel();
      this.readsAwaitingApply.push({ index: rs.index, resolve: r.resolve });
    }
    this.releaseReads();
    if (ready.committed.length > 0 || ready.snapshot) for (const l of [...this.appliedListeners]) l();
  }

  private releaseReads(): void {
    for (let i = this.readsAwaitingApply.length - 1; i >= 0; i--) {
      const r = this.readsAwaitingApply[i]!;
      if (r.index <= this.applied) {
        this.readsAwaitingApply.splice(i, 1);
        r.resolve();
      }
    }
  }

  private async maybeSnapshot(): Promise<void> {
    const threshold = this.o.snapshotThreshold ?? 8192;
    if (this.applied - this.lastSnapshotIndex < threshold) return;
    const index = this.applied;
    const meta = this.core.compact(index, this.o.fsm.snapshot());
    if (!meta) return;
    await this.o.snapshots.save(meta, this.core.snapshot().data);
    await this.o.log.compactThrough(index);
    this.lastSnapshotIndex = index;
  }

  /**
   * Proposes data on the leader and resolves with the state machine's result
   * once it is applied here.
   * @throws NotLeaderError (with the known leader) on a follower; TimeoutError
   *   when it is not applied in time (its outcome is then unknown).
   */
  propose(data: Uint8Array, signal?: AbortSignal): Promise<unknown> {
    return this.proposeAt(data, signal).then((r) => r.value);
  }

  /** As {@link RaftNode.propose}, also resolving the index the entry was applied at. */
  proposeAt(data: Uint8Array, signal?: AbortSignal): Promise<{ index: number; value: unknown }> {
    if (this.closed) return Promise.reject(new ClosedError("raft node"));
    if (this.failure) return Promise.reject(this.failure);
    try {
      throwIfAborted(signal);
      const { index, term } = this.core.propose(data);
      return new Promise((resolve, reject) => {
        const timer = this.o.timers.after(this.o.proposalTimeoutMs ?? 10_000, () => {
          this.proposals.delete(index);
          reject(new TimeoutError(`proposal at index ${index} was not applied in time; its outcome is unknown`));
        });
        this.proposals.set(index, { term, resolve: (value) => resolve({ index, value }), reject, timer });
        this.kick();
      });
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /**
   * Resolves once a linearizable read may be served from the local state
   * machine (ReadIndex: the leader confirms it still leads, and this node has
   * applied up to the commit index at that moment).
   */
  readIndex(options: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<void> {
    if (this.closed) return Promise.reject(new ClosedError("raft node"));
    if (this.failure) return Promise.reject(this.failure);
    if (!this.leaderId) return Promise.reject(new NoLeaderError());
    const context = `${this.o.id}#${++this.readSeq}`;
    return new Promise<void>((resolve, reject) => {
      // Every way out removes the abort listener: a caller's long-lived signal must not collect them.
      const settle = (err?: unknown): void => {
        options.signal?.removeEventListener("abort", onAbort);
        if (err === undefined) resolve();
        else reject(err);
      };
      const timer = this.o.timers.after(options.timeoutMs ?? 5000, () => {
        this.reads.delete(context);
        settle(new TimeoutError("read index was not confirmed in time"));
      });
      const onAbort = (): void => {
        this.reads.delete(context);
        timer.cancel();
        settle(new AbortedError({ cause: options.signal?.reason }));
      };
      options.signal?.addEventListener("abort", onAbort, { once: true });
      this.reads.set(context, { resolve: () => settle(), reject: (err) => settle(err), timer });
      try {
        this.core.readIndex(context);
      } catch (err) {
        this.reads.delete(context);
        timer.cancel();
        settle(err);
        return;
      }
      this.kick();
    });
  }

  /** The highest log index applied to the state machine here. */
  get appliedIndex(): number {
    return this.applied;
  }

  /** The first index still in the log (entries before it are only in the snapshot). */
  get firstLogIndex(): number {
    return this.o.log.firstIndex();
  }

  /**
   * Applied normal entries from `from` through `through` (at most `countMax`
   * log positions), as stored in the log: what a read replica replays to
   * mirror the state machine. Undefined when `from` is already compacted away
   * (send a snapshot instead).
   */
  appliedEntries(from: number, countMax: number): { entries: { index: number; data: Uint8Array }[]; through: number } | undefined {
    if (from < this.o.log.firstIndex()) return undefined;
    const to = Math.min(this.applied, from + countMax - 1);
    if (to < from) return { entries: [], through: from - 1 };
    const entries = this.o.log.range(from, to).map(recordToEntry)
      .filter((e) => e.type === "normal" && e.data.length > 0)
      .map((e) => ({ index: e.index, data: e.data }));
    return { entries, through: to };
  }

  /** Resolves when the applied index passes `index`, or after `timeoutMs` (resolves either way). */
  waitApplied(index: number, timeoutMs: number, signal?: AbortSignal): Promise<void> {
    if (this.applied > index || this.closed) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const done = (): void => {
        this.appliedListeners.delete(check);
        timer.cancel();
        signal?.removeEventListener("abort", done);
        resolve();
      };
      const check = (): void => {
        if (this.applied > index || this.closed) done();
      };
      const timer = this.o.timers.after(timeoutMs, done);
      signal?.addEventListener("abort", done, { once: true });
      this.appliedListeners.add(check);
    });
  }

  /** Adds or removes one voter (single-server change). Resolves once the change is committed. */
  async changeMembership(change: ConfChange): Promise<void> {
    const { index, term } = this.core.proposeConfChange(change);
    await new Promise((resolve, reject) => {
      const timer = this.o.timers.after(this.o.proposalTimeoutMs ?? 10_000, () => {
        this.proposals.delete(index);
        reject(new TimeoutError("membership change was not committed in time"));
      });
      this.proposals.set(index, { term, resolve, reject, timer });
      this.kick();
    });
  }

  /** Asks the leader to hand leadership to `to`. */
  transferLeadership(to: string): boolean {
    const ok = this.core.transferLeadership(to);
    this.kick();
    return ok;
  }

  /** The leader's id, or "" when none is known. */
  get leader(): string {
    return this.leaderId;
  }

  /** True when this node is the leader. */
  get isLeader(): boolean {
    return this.leaderId === this.o.id;
  }

  /** The core's state. */
  status(): RaftStatus {
    return this.core.status();
  }

  private failAll(err: unknown): void {
    for (const w of this.proposals.values()) {
      w.timer.cancel();
      w.reject(err);
    }
    this.proposals.clear();
    for (const r of this.reads.values()) {
      r.timer.cancel();
      r.reject(err);
    }
    this.reads.clear();
  }

  /** Stops ticking and fails pending work. Storage is closed by its owner. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.tickTimer?.cancel();
    this.failAll(new ClosedError("raft node"));
    for (const l of [...this.appliedListeners]) l();
    // Let a Ready in flight finish its storage writes before the owner closes the stores.
    for (let i = 0; i < 200 && this.processing; i++) await new Promise((r) => setTimeout(r, 5));
  }
}
