/**
 * The Raft consensus core: a pure state machine. The driver feeds it ticks
 * and messages and drains {@link Ready} batches; the core never does I/O,
 * reads a clock or sets a timer (STYLE §1). References: the Raft paper
 * (Ongaro & Ousterhout 2014, "§n") and Ongaro's thesis (2014, "thesis §n").
 *
 * @module
 */
import { InvalidArgumentError, NotLeaderError, StorageCorruptError } from "../util/errors.js";
import type { Logger } from "../util/logger.js";
import { resolveRaftConfig, validateNodeId, VOTERS_MAX } from "./config.js";
import type { RaftConfig, RaftOptions } from "./config.js";
import { encodeConfigData } from "./entry-codec.js";
import { ConfChangePendingError, invariant } from "./errors.js";
import { Progress } from "./progress.js";
import type { ProgressState } from "./progress.js";
import { RaftLog } from "./raft-log.js";
import { READS_PENDING_MAX, ReadOnlyQueue } from "./read-only.js";
import type {
  AppendRequest,
  AppendResponse,
  ConfChange,
  Entry,
  EntryType,
  HardState,
  Heartbeat,
  HeartbeatResponse,
  InstallSnapshot,
  Message,
  ReadState,
  Ready,
  Role,
  Snapshot,
  SnapshotMeta,
  SoftState,
  VoteRequest,
} from "./types.js";

/**
 * Most payload bytes of committed entries handed out in one Ready; the rest follow in the next.
 * Bounds the work (and memory) of one apply step.
 */
export const READY_COMMITTED_BYTES_MAX = 8 * 1024 * 1024;

/** What the driver loaded from storage at start. Omit for a brand-new node. */
export interface RaftInitialState {
  /** From `StableStore.load()`. */
  hardState?: HardState;
  /** From `SnapshotStore.loadLatest()`; the state machine must already be restored from it. */
  snapshot?: Snapshot;
  /** Every stored entry after the snapshot (`LogStore.range(first, last).map(recordToEntry)`). */
  entries?: Entry[];
}

/** Where a proposal landed. It is committed once a Ready hands out an entry with this index and term. */
export interface ProposeResult {
  index: number;
  term: number;
}

/** A point-in-time view of the core, for drivers, metrics and tests. */
export interface RaftStatus {
  id: string;
  term: number;
  vote: string;
  role: Role;
  leader: string;
  commit: number;
  applied: number;
  firstIndex: number;
  lastIndex: number;
  lastTerm: number;
  voters: string[];
  /** Index of the entry (or snapshot) that set `voters`. */
  configIndex: number;
  /** Target of a leadership transfer in progress, or `""`. */
  leadTransferee: string;
  /** Leader only: per follower replication state. */
  progress: Record<string, { match: number; next: number; state: ProgressState }>;
}

type CampaignKind = "preVote" | "election" | "transfer";

/** Tracks which Ready is with the driver, to settle persistence on advance(). */
interface ReadyInFlight {
  ready: Ready;
}

/**
 * One Raft node's consensus logic.
 *
 * Deviations from etcd worth knowing: membership changes are single-server only (thesis §4.1), take
 * effect when appended, and at most one may be uncommitted; the leader counts its own log toward a
 * quorum only once the driver has persisted it (advance), so a Ready's `committed` never includes an
 * entry that is durable on fewer than a quorum of nodes.
 */
export class RaftCore {
  /** This node's id. */
  readonly id: string;
  private readonly cfg: RaftConfig;
  private readonly logger: Logger;
  private readonly log: RaftLog;

  private term = 0;
  private vote = "";
  private leader = "";
  private role: Role = "follower";
  private voters: string[] = [];
  private configIndex = 0;

  private readonly progress = new Map<string, Progress>();
  private readonly votes = new Map<string, boolean>();
  private electionElapsed = 0;
  private heartbeatElapsed = 0;
  private randomizedElectionTimeout = 0;
  private leadTransferee = "";

  private msgs: Message[] = [];
  private readStates: ReadState[] = [];
  private readonly readQueue = new ReadOnlyQueue();
  /** Reads received before this leader committed an entry of its term (thesis §6.4 step 1). */
  private deferredReads: Array<{ context: string; from: string }> = [];

  private prevHard: HardState;
  private prevSoft: SoftState;
  private inflight: ReadyInFlight | undefined;

  /**
   * @param options - see {@link RaftOptions}; validated, throwing InvalidConfigError naming the field.
   * @param initial - state loaded from storage; throws StorageCorruptError when inconsistent.
   */
  constructor(options: RaftOptions, initial: RaftInitialState = {}) {
    this.cfg = resolveRaftConfig(options);
    this.id = this.cfg.id;
    this.logger = this.cfg.logger;
    const snapshot: Snapshot = initial.snapshot ?? { meta: { index: 0, term: 0, voters: this.cfg.peers }, data: new Uint8Array(0) };
    const snapIndex = snapshot.meta.index;
    let entries = initial.entries ?? [];
    if (entries.length > 0 && entries[0]!.index <= snapIndex) {
      const at = entries.find((e) => e.index === snapIndex);
      if (at && at.term !== snapshot.meta.term) {
        throw new StorageCorruptError(`log entry ${snapIndex} has term ${at.term}, the snapshot says ${snapshot.meta.term}`);
      }
      entries = entries.filter((e) => e.index > snapIndex);
    }
    for (let i = 0; i < entries.length; i++) {
      if (entries[i]!.index !== snapIndex + 1 + i) {
        throw new StorageCorruptError(`log is not contiguous after the snapshot at ${snapIndex}: found ${entries[i]!.index}`);
      }
    }
    const hs = initial.hardState ?? { term: 0, vote: "", commit: 0 };
    const lastIndex = snapIndex + entries.length;
    if (hs.commit > lastIndex) throw new StorageCorruptError(`stored commit ${hs.commit} is beyond the last index ${lastIndex}`);
    const lastTerm = entries.length > 0 ? entries[entries.length - 1]!.term : snapshot.meta.term;
    if (hs.term < lastTerm) throw new StorageCorruptError(`stored term ${hs.term} is below the last entry's term ${lastTerm}`);
    const commit = Math.max(hs.commit, snapIndex);
    this.log = new RaftLog(snapshot, entries, commit, snapIndex);
    this.term = hs.term;
    this.vote = hs.vote;
    this.prevHard = { term: hs.term, vote: hs.vote, commit };
    this.setConfig(this.log.latestConfig().voters, this.log.latestConfig().index);
    this.becomeFollower(this.term, "");
    this.prevSoft = this.softState();
  }

  // ---------------------------------------------------------------- inputs

  /** Advances logical time by one tick. The driver calls it every tick interval. */
  tick(): void {
    if (this.role === "leader") this.tickHeartbeat();
    else this.tickElection();
  }

  /** Starts an election now (pre-vote first when enabled), e.g. to bootstrap faster in tests. No-op for a leader or non-voter. */
  campaign(): void {
    if (this.role === "leader" || !this.promotable()) return;
    this.startCampaign(this.cfg.preVote ? "preVote" : "election");
  }

  /**
   * Handles one message from a peer. Messages not addressed to this node, or from itself, are
   * ignored. Throws RaftInvariantError on a message that proves the cluster is unsafe (two leaders
   * in one term).
   */
  step(m: Message): void {
    if (m.to !== this.id || m.from === this.id) return;
    if (m.term > this.term) {
      if (m.type === "vote" || m.type === "preVote") {
        // Leader stickiness (thesis §4.2.3): while we hear from a leader, a vote request is a
        // removed or partitioned server trying to disrupt; ignore it unless a transfer asked for it.
        const inLease = this.cfg.checkQuorum && this.leader !== "" && this.electionElapsed < this.cfg.electionTicks;
        if (inLease && !m.transfer) return;
      }
      const keepTerm = m.type === "preVote" || (m.type === "preVoteResp" && !m.reject);
      if (!keepTerm) {
        const fromLeader = m.type === "app" || m.type === "heartbeat" || m.type === "snap";
        this.becomeFollower(m.term, fromLeader ? m.from : "");
      }
    } else if (m.term < this.term) {
      this.stepStale(m);
      return;
    }

    if (m.type === "vote" || m.type === "preVote") {
      this.handleVoteRequest(m);
      return;
    }
    switch (this.role) {
      case "leader":
        this.stepLeader(m);
        break;
      case "candidate":
      case "preCandidate":
        this.stepCandidate(m);
        break;
      case "follower":
        this.stepFollower(m);
        break;
    }
  }

  /**
   * Appends `data` as a normal entry. Throws NotLeaderError (naming the leader when known) on a
   * non-leader or while a leadership transfer is in progress.
   */
  propose(data: Uint8Array): ProposeResult {
    if (!(data instanceof Uint8Array)) throw new InvalidArgumentError("data", "must be a Uint8Array");
    this.assertLeaderAcceptingProposals();
    return this.appendEntry("normal", data);
  }

  /**
   * Proposes adding or removing one voter (thesis §4.1). The new configuration takes effect on each
   * node as soon as the entry reaches its log. Throws ConfChangePendingError while another change is
   * uncommitted or this leader has not yet committed an entry of its term; InvalidArgumentError when
   * the change is a no-op or would leave no voter.
   */
  proposeConfChange(change: ConfChange): ProposeResult {
    if (!change || (change.type !== "add" && change.type !== "remove")) {
      throw new InvalidArgumentError("change.type", 'must be "add" or "remove"');
    }
    const node = (() => {
      try {
        return validateNodeId(change.node, "change.node");
      } catch (err) {
        throw new InvalidArgumentError("change.node", (err as Error).message, { cause: err });
      }
    })();
    this.assertLeaderAcceptingProposals();
    if (this.configIndex > this.log.committed) {
      throw new ConfChangePendingError(`configuration change at ${this.configIndex} is not committed yet`);
    }
    if (this.log.term(this.log.committed) !== this.term) {
      throw new ConfChangePendingError("the leader has not committed an entry of its term yet");
    }
    let voters: string[];
    if (change.type === "add") {
      if (this.voters.includes(node)) throw new InvalidArgumentError("change.node", `${node} is already a voter`);
      if (this.voters.length >= VOTERS_MAX) throw new InvalidArgumentError("change.node", `at most ${VOTERS_MAX} voters`);
      voters = [...this.voters, node].sort();
    } else {
      if (!this.voters.includes(node)) throw new InvalidArgumentError("change.node", `${node} is not a voter`);
      if (this.voters.length === 1) throw new InvalidArgumentError("change.node", "cannot remove the last voter");
      voters = this.voters.filter((v) => v !== node);
    }
    return this.appendEntry("config", encodeConfigData({ change: { type: change.type, node }, voters }));
  }

  /**
   * Requests a linearizable read (ReadIndex, thesis §6.4). `context` identifies the request and
   * comes back in a {@link ReadState} once leadership is confirmed; serve the read when the state
   * machine has applied `ReadState.index`. A follower forwards the request to its leader. Throws
   * NotLeaderError when no leader is known. Requests beyond {@link READS_PENDING_MAX} are dropped
   * (the caller times out).
   */
  readIndex(context: string): void {
    if (typeof context !== "string" || context.length === 0) {
      throw new InvalidArgumentError("context", "must be a non-empty string");
    }
    if (this.role === "leader") {
      this.handleReadRequest(context, this.id);
    } else if (this.leader !== "") {
      this.send({ type: "readIndex", from: this.id, to: this.leader, term: this.term, context });
    } else {
      throw new NotLeaderError(undefined);
    }
  }

  /**
   * Hands leadership to `to` (thesis §3.10): once `to`'s log is current, it is told to campaign at
   * once. Proposals are refused meanwhile; the transfer is abandoned after `electionTicks`. Returns
   * false (no-op) when `to` is this node or not a voter. Throws NotLeaderError on a non-leader.
   */
  transferLeadership(to: string): boolean {
    if (this.role !== "leader") throw new NotLeaderError(this.leader || undefined);
    if (typeof to !== "string") throw new InvalidArgumentError("to", "must be a node id");
    if (to === this.id || !this.voters.includes(to)) return false;
    if (this.leadTransferee === to) return true;
    this.leadTransferee = to;
    this.electionElapsed = 0;
    const pr = this.progress.get(to)!;
    if (pr.match === this.log.lastIndex()) this.sendTimeoutNow(to);
    else this.sendAppend(to);
    return true;
  }

  /**
   * Records that the application took a snapshot of its state at `index` (≤ applied) and drops the
   * log through it. Returns the snapshot's metadata, for `SnapshotStore.save(meta, data)` followed by
   * `LogStore.compactThrough(index)`; undefined when `index` is not past the current snapshot.
   */
  compact(index: number, data: Uint8Array): SnapshotMeta | undefined {
    if (!Number.isInteger(index) || index < 0) throw new InvalidArgumentError("index", "must be a non-negative integer");
    if (!(data instanceof Uint8Array)) throw new InvalidArgumentError("data", "must be a Uint8Array");
    if (index > this.log.applied) throw new InvalidArgumentError("index", `must be ≤ the applied index ${this.log.applied}`);
    if (index <= this.log.snapshotMeta.index) return undefined;
    const meta: SnapshotMeta = { index, term: this.log.term(index)!, voters: this.log.configAt(index).voters };
    this.log.compact(meta, data);
    return meta;
  }

  /** The driver reports whether a snapshot sent to `to` arrived; the follower is probed again either way. */
  reportSnapshot(to: string, ok: boolean): void {
    const pr = this.role === "leader" ? this.progress.get(to) : undefined;
    if (!pr || pr.state !== "snapshot") return;
    this.logger.debug({ to, ok }, "raft: snapshot report");
    pr.becomeProbe();
    pr.probeSent = true; // wait for the next heartbeat answer before probing
  }

  /** The driver reports that `to` could not be reached: stop streaming to it and probe instead. */
  reportUnreachable(to: string): void {
    const pr = this.role === "leader" ? this.progress.get(to) : undefined;
    if (pr && pr.state === "replicate") pr.becomeProbe();
  }

  // ---------------------------------------------------------------- Ready

  /** True when a {@link ready} call would return work, and no Ready is with the driver. */
  hasReady(): boolean {
    if (this.inflight) return false;
    const soft = this.softState();
    const hard = this.hardState();
    return (
      this.msgs.length > 0 ||
      this.readStates.length > 0 ||
      this.log.pendingSnapshot !== undefined ||
      this.log.unstableFrom <= this.log.lastIndex() ||
      this.log.committed > Math.max(this.log.applied, this.log.snapshotMeta.index) ||
      !sameSoft(soft, this.prevSoft) ||
      !sameHard(hard, this.prevHard)
    );
  }

  /** Takes the next batch of work. Call {@link advance} with it once handled; only one may be out at a time. */
  ready(): Ready {
    invariant(!this.inflight, "ready() called again before advance()");
    const ready: Ready = { entries: [], messages: this.msgs, committed: [], readStates: this.readStates };
    this.msgs = [];
    this.readStates = [];
    const soft = this.softState();
    if (!sameSoft(soft, this.prevSoft)) ready.softState = this.prevSoft = soft;
    const hard = this.hardState();
    if (!sameHard(hard, this.prevHard)) ready.hardState = this.prevHard = hard;
    if (this.log.pendingSnapshot) ready.snapshot = this.log.pendingSnapshot;
    if (this.log.unstableFrom <= this.log.lastIndex()) {
      const entries = this.log.slice(this.log.unstableFrom, this.log.lastIndex());
      invariant(entries !== undefined, "unstable entries were compacted before being persisted");
      ready.entries = entries;
    }
    const applyFrom = Math.max(this.log.applied, this.log.snapshotMeta.index) + 1;
    if (this.log.committed >= applyFrom) {
      ready.committed = this.log.slice(applyFrom, this.log.committed, READY_COMMITTED_BYTES_MAX) ?? [];
    }
    this.inflight = { ready };
    return ready;
  }

  /** Tells the core the driver has persisted, sent and applied `ready`. */
  advance(ready: Ready): void {
    invariant(this.inflight?.ready === ready, "advance() called with a Ready that is not the one out");
    this.inflight = undefined;
    if (ready.snapshot) {
      this.log.applied = Math.max(this.log.applied, ready.snapshot.meta.index);
      if (this.log.pendingSnapshot === ready.snapshot) this.log.pendingSnapshot = undefined;
    }
    // Entries replaced while the Ready was out (a new leader truncated them) are not durable.
    let durableTo = 0;
    for (const e of ready.entries) {
      if (this.log.term(e.index) !== e.term) break;
      durableTo = e.index;
    }
    if (durableTo > 0) this.log.unstableFrom = Math.max(this.log.unstableFrom, durableTo + 1);
    if (ready.committed.length > 0) {
      this.log.applied = Math.max(this.log.applied, ready.committed[ready.committed.length - 1]!.index);
    }
    if (this.role === "leader" && this.maybeCommit()) this.broadcastAppend();
  }

  // ---------------------------------------------------------------- inspection

  /** A copy of the core's state. */
  status(): RaftStatus {
    const progress: RaftStatus["progress"] = {};
    for (const [id, pr] of this.progress) progress[id] = { match: pr.match, next: pr.next, state: pr.state };
    return {
      id: this.id,
      term: this.term,
      vote: this.vote,
      role: this.role,
      leader: this.leader,
      commit: this.log.committed,
      applied: this.log.applied,
      firstIndex: this.log.firstIndex(),
      lastIndex: this.log.lastIndex(),
      lastTerm: this.log.lastTerm(),
      voters: [...this.voters],
      configIndex: this.configIndex,
      leadTransferee: this.leadTransferee,
      progress,
    };
  }

  /** Entries lo … hi held in memory (for inspection and tests); compacted ones are omitted. */
  entries(lo = this.log.firstIndex(), hi = this.log.lastIndex()): Entry[] {
    return this.log.slice(Math.max(lo, this.log.firstIndex()), hi) ?? [];
  }

  /** The snapshot the log starts after (index 0 when none). */
  snapshot(): Snapshot {
    return { meta: this.log.snapshotMeta, data: this.log.snapshotData };
  }

  // ---------------------------------------------------------------- roles

  private softState(): SoftState {
    return { leader: this.leader, role: this.role, term: this.term };
  }

  private hardState(): HardState {
    return { term: this.term, vote: this.vote, commit: this.log.committed };
  }

  private promotable(): boolean {
    return this.voters.includes(this.id);
  }

  private quorum(): number {
    return Math.floor(this.voters.length / 2) + 1;
  }

  private resetRandomizedElectionTimeout(): void {
    // §5.2: randomized in [T, 2T) so that split votes are rare.
    this.randomizedElectionTimeout = this.cfg.electionTicks + this.cfg.rng.int(this.cfg.electionTicks);
  }

  private reset(term: number): void {
    if (term !== this.term) {
      invariant(term > this.term, `term moving backwards from ${this.term} to ${term}`);
      this.term = term;
      this.vote = "";
    }
    this.leader = "";
    this.electionElapsed = 0;
    this.heartbeatElapsed = 0;
    this.resetRandomizedElectionTimeout();
    this.leadTransferee = "";
    this.votes.clear();
    this.progress.clear();
    this.readQueue.clear();
    this.deferredReads = [];
  }

  private becomeFollower(term: number, leader: string): void {
    const was = this.role;
    this.reset(term);
    this.leader = leader;
    this.role = "follower";
    if (was !== "follower") this.logger.info({ term, leader }, "raft: became follower");
  }

  private becomePreCandidate(): void {
    // A pre-candidate keeps its term and vote: nothing changes until the pre-vote succeeds.
    this.role = "preCandidate";
    this.leader = "";
    this.votes.clear();
    this.leadTransferee = "";
  }

  private becomeCandidate(): void {
    this.reset(this.term + 1);
    this.vote = this.id;
    this.role = "candidate";
  }

  private becomeLeader(): void {
    invariant(this.role === "candidate", `only a candidate can become leader (was ${this.role})`);
    this.reset(this.term);
    this.leader = this.id;
    this.role = "leader";
    for (const v of this.voters) {
      if (v !== this.id) this.progress.set(v, this.newProgress());
    }
    this.logger.info({ term: this.term }, "raft: became leader");
    // §8 / §5.4.2: a leader commits entries of earlier terms only through one of its own.
    this.appendEntry("noop", new Uint8Array(0));
  }

  private newProgress(): Progress {
    const pr = new Progress(this.log.lastIndex() + 1, this.cfg.inflightMessagesMax);
    pr.recentActive = true; // a fresh leader or a new member gets one check-quorum period of grace
    return pr;
  }

  private startCampaign(kind: CampaignKind): void {
    let voteTerm: number;
    if (kind === "preVote") {
      this.becomePreCandidate();
      voteTerm = this.term + 1;
    } else {
      this.becomeCandidate();
      voteTerm = this.term;
    }
    this.logger.debug({ kind, term: voteTerm }, "raft: campaign");
    if (this.poll(this.id, true) === "won") {
      if (kind === "preVote") this.startCampaign("election");
      else this.becomeLeader();
      return;
    }
    const type = kind === "preVote" ? "preVote" : "vote";
    for (const v of this.voters) {
      if (v === this.id) continue;
      const req: VoteRequest = {
        type,
        from: this.id,
        to: v,
        term: voteTerm,
        lastIndex: this.log.lastIndex(),
        lastTerm: this.log.lastTerm(),
      };
      if (kind === "transfer") req.transfer = true;
      this.send(req);
    }
  }

  private poll(from: string, granted: boolean): "won" | "lost" | "pending" {
    if (this.voters.includes(from) && !this.votes.has(from)) this.votes.set(from, granted);
    let yes = 0;
    let no = 0;
    for (const g of this.votes.values()) g ? yes++ : no++;
    const q = this.quorum();
    if (yes >= q) return "won";
    if (no > this.voters.length - q) return "lost";
    return "pending";
  }

  // ---------------------------------------------------------------- ticks

  private tickElection(): void {
    this.electionElapsed++;
    if (this.promotable() && this.electionElapsed >= this.randomizedElectionTimeout) {
      this.electionElapsed = 0;
      this.startCampaign(this.cfg.preVote ? "preVote" : "election");
    }
  }

  private tickHeartbeat(): void {
    this.heartbeatElapsed++;
    this.electionElapsed++;
    if (this.electionElapsed >= this.cfg.electionTicks) {
      this.electionElapsed = 0;
      if (this.cfg.checkQuorum) {
        if (!this.quorumActive()) {
          this.logger.warn({ term: this.term }, "raft: lost contact with a quorum; stepping down");
          this.becomeFollower(this.term, "");
          return;
        }
        for (const pr of this.progress.values()) pr.recentActive = false;
      }
      if (this.leadTransferee !== "") this.leadTransferee = ""; // transfer timed out
    }
    for (const [id, pr] of this.progress) {
      if (pr.state === "snapshot" && ++pr.snapshotTicks > this.cfg.snapshotTimeoutTicks) {
        this.logger.debug({ to: id }, "raft: snapshot unanswered; probing again");
        pr.becomeProbe();
      }
    }
    if (this.heartbeatElapsed >= this.cfg.heartbeatTicks) {
      this.heartbeatElapsed = 0;
      this.broadcastHeartbeat(this.readQueue.lastContext());
    }
  }

  private quorumActive(): boolean {
    let active = 0;
    for (const v of this.voters) {
      if (v === this.id || this.progress.get(v)?.recentActive) active++;
    }
    return active >= this.quorum();
  }

  // ---------------------------------------------------------------- stepping

  private stepStale(m: Message): void {
    if ((this.cfg.checkQuorum || this.cfg.preVote) && (m.type === "app" || m.type === "heartbeat")) {
      // A leader of an older term (or one cut off while we campaigned) learns our term and steps
      // down; without this a stuck higher-term node could never rejoin (etcd's "free stuck candidate").
      this.send({ type: "appResp", from: this.id, to: m.from, term: this.term, index: 0, reject: false, hintIndex: 0, hintTerm: 0 });
    } else if (m.type === "preVote") {
      this.send({ type: "preVoteResp", from: this.id, to: m.from, term: this.term, reject: true });
    }
  }

  private handleVoteRequest(m: VoteRequest): void {
    const canVote =
      this.vote === m.from ||
      (this.vote === "" && this.leader === "") ||
      (m.type === "preVote" && m.term > this.term);
    const respType = m.type === "vote" ? "voteResp" : "preVoteResp";
    if (canVote && this.log.isUpToDate(m.lastIndex, m.lastTerm)) {
      // A pre-vote answer carries the candidate's term so it is not discarded as stale.
      this.send({ type: respType, from: this.id, to: m.from, term: m.term, reject: false });
      if (m.type === "vote") {
        this.electionElapsed = 0;
        this.vote = m.from;
      }
    } else {
      this.send({ type: respType, from: this.id, to: m.from, term: this.term, reject: true });
    }
  }

  private stepLeader(m: Message): void {
    switch (m.type) {
      case "app":
      case "heartbeat":
      case "snap":
        invariant(false, `two leaders in term ${m.term}: ${this.id} and ${m.from}`);
        break;
      case "appResp":
        this.handleAppendResponse(m);
        break;
      case "heartbeatResp":
        this.handleHeartbeatResponse(m);
        break;
      case "readIndex":
        this.handleReadRequest(m.context, m.from);
        break;
      default:
        break; // vote answers, timeoutNow and read answers mean nothing to a leader
    }
  }

  private stepCandidate(m: Message): void {
    switch (m.type) {
      case "app":
      case "heartbeat":
      case "snap":
        // §5.2: a leader of our term exists; concede.
        this.becomeFollower(m.term, m.from);
        this.stepFollower(m);
        break;
      case "voteResp":
      case "preVoteResp": {
        if ((m.type === "voteResp") !== (this.role === "candidate")) return;
        const result = this.poll(m.from, !m.reject);
        if (result === "won") {
          if (this.role === "preCandidate") this.startCampaign("election");
          else this.becomeLeader();
        } else if (result === "lost") {
          this.becomeFollower(this.term, "");
        }
        break;
      }
      default:
        break;
    }
  }

  private stepFollower(m: Message): void {
    switch (m.type) {
      case "app":
        this.electionElapsed = 0;
        this.leader = m.from;
        this.handleAppend(m);
        break;
      case "heartbeat":
        this.electionElapsed = 0;
        this.leader = m.from;
        this.handleHeartbeat(m);
        break;
      case "snap":
        this.electionElapsed = 0;
        this.leader = m.from;
        this.handleSnapshot(m);
        break;
      case "timeoutNow":
        if (this.promotable()) {
          this.logger.info({ from: m.from }, "raft: leadership transferred to this node; campaigning");
          this.startCampaign("transfer");
        }
        break;
      case "readIndexResp":
        this.readStates.push({ index: m.index, context: m.context });
        break;
      default:
        break;
    }
  }

  // ---------------------------------------------------------------- follower side

  private respond(to: string, index: number, reject = false, hintIndex = 0, hintTerm = 0): void {
    this.send({ type: "appResp", from: this.id, to, term: this.term, index, reject, hintIndex, hintTerm });
  }

  private handleAppend(m: AppendRequest): void {
    if (m.prevIndex < this.log.committed) {
      // Everything through our commit matches the leader; tell it where to resume.
      this.respond(m.from, this.log.committed);
      return;
    }
    const result = this.log.maybeAppend(m.prevIndex, m.prevTerm, m.entries);
    if (result) {
      if (result.changedFrom > 0) this.onLogChanged(result.changedFrom, m.entries);
      this.log.commitTo(Math.min(m.commit, result.lastNew));
      this.respond(m.from, result.lastNew);
      return;
    }
    // §5.3 with fast backtracking: point the leader at the last index whose term could match.
    const hint = this.log.findConflictByTerm(Math.min(m.prevIndex, this.log.lastIndex()), m.prevTerm);
    this.respond(m.from, m.prevIndex, true, hint.index, hint.term);
  }

  private handleHeartbeat(m: Heartbeat): void {
    this.log.commitTo(m.commit);
    const resp: HeartbeatResponse = { type: "heartbeatResp", from: this.id, to: m.from, term: this.term, context: m.context };
    this.send(resp);
  }

  private handleSnapshot(m: InstallSnapshot): void {
    const meta = m.snapshot.meta;
    if (meta.index <= this.log.committed) {
      this.respond(m.from, this.log.committed); // stale snapshot: we already have all of it
      return;
    }
    if (this.log.matchTerm(meta.index, meta.term)) {
      // §7: our log already holds the snapshot's last entry; keep what follows it.
      this.log.commitTo(meta.index);
      this.respond(m.from, this.log.committed);
      return;
    }
    this.logger.info({ index: meta.index, term: meta.term }, "raft: restoring snapshot from the leader");
    this.log.restore(m.snapshot);
    this.setConfig(meta.voters, meta.index);
    this.respond(m.from, this.log.lastIndex());
  }

  // ---------------------------------------------------------------- leader side

  private assertLeaderAcceptingProposals(): void {
    if (this.role !== "leader") throw new NotLeaderError(this.leader || undefined);
    if (this.leadTransferee !== "") throw new NotLeaderError(this.leadTransferee);
  }

  private appendEntry(type: EntryType, data: Uint8Array): ProposeResult {
    const entry: Entry = { index: this.log.lastIndex() + 1, term: this.term, type, data };
    this.log.append([entry]);
    if (type === "config") this.onLogChanged(entry.index, [entry]);
    this.broadcastAppend();
    return { index: entry.index, term: entry.term };
  }

  private handleAppendResponse(m: AppendResponse): void {
    const pr = this.progress.get(m.from);
    if (!pr) return;
    pr.recentActive = true;
    if (m.reject) {
      const hint = m.hintTerm > 0 ? this.log.findConflictByTerm(m.hintIndex, m.hintTerm).index : m.hintIndex;
      if (pr.maybeDecrTo(m.index, hint)) {
        if (pr.state === "replicate") pr.becomeProbe();
        this.sendAppend(m.from);
      }
      return;
    }
    const oldPaused = pr.paused();
    // An answer that confirms the current match still ends probing (etcd does the same).
    if (!pr.maybeUpdate(m.index) && !(pr.state === "probe" && pr.match === m.index)) return;
    if (pr.state === "probe") {
      pr.becomeReplicate();
    } else if (pr.state === "snapshot") {
      if (pr.match + 1 >= this.log.firstIndex()) pr.becomeReplicate();
    } else {
      pr.inflights.freeLE(m.index);
    }
    if (this.maybeCommit()) {
      this.broadcastAppend();
    } else if (oldPaused) {
      this.sendAppend(m.from);
    }
    // Fill the window: the follower is in sync and more entries may be waiting.
    for (let sent = 0; sent < this.cfg.inflightMessagesMax && this.sendAppend(m.from, false); sent++);
    if (m.from === this.leadTransferee && pr.match === this.log.lastIndex()) this.sendTimeoutNow(m.from);
  }

  private handleHeartbeatResponse(m: HeartbeatResponse): void {
    const pr = this.progress.get(m.from);
    if (!pr) return;
    pr.recentActive = true;
    pr.probeSent = false;
    // An answer proves the follower alive: free one slot so a lost message cannot stall the window.
    if (pr.state === "replicate" && pr.inflights.full()) pr.inflights.freeFirstOne();
    if (pr.match < this.log.lastIndex()) this.sendAppend(m.from);
    if (m.context !== "" && this.voters.includes(m.from)) {
      for (const read of this.readQueue.ack(m.context, m.from, this.quorum())) {
        this.releaseRead(read.context, read.from, read.index);
      }
    }
  }

  private handleReadRequest(context: string, from: string): void {
    if (this.log.term(this.log.committed) !== this.term) {
      // §6.4 step 1: until an entry of this term commits, our commit index may be behind the last leader's.
      if (this.deferredReads.length + this.readQueue.size >= READS_PENDING_MAX) {
        this.logger.warn({ context }, "raft: read queue full; dropping a read");
        return;
      }
      this.deferredReads.push({ context, from });
      return;
    }
    if (this.voters.length === 1 && this.voters[0] === this.id) {
      this.releaseRead(context, from, this.log.committed);
      return;
    }
    if (this.readQueue.has(context)) return;
    if (this.readQueue.size >= READS_PENDING_MAX) {
      this.logger.warn({ context }, "raft: read queue full; dropping a read");
      return;
    }
    const acks = new Set<string>();
    if (this.voters.includes(this.id)) acks.add(this.id);
    this.readQueue.add({ context, from, index: this.log.committed, acks });
    this.broadcastHeartbeat(context);
  }

  private releaseRead(context: string, from: string, index: number): void {
    if (from === this.id) this.readStates.push({ index, context });
    else this.send({ type: "readIndexResp", from: this.id, to: from, term: this.term, context, index });
  }

  /** §5.3/§5.4.2: commit the highest index held by a quorum, but only if it is of the current term. */
  private maybeCommit(): boolean {
    const matches: number[] = [];
    for (const v of this.voters) {
      matches.push(v === this.id ? this.log.unstableFrom - 1 : (this.progress.get(v)?.match ?? 0));
    }
    if (matches.length === 0) return false;
    matches.sort((a, b) => b - a);
    const index = matches[this.quorum() - 1]!;
    if (index <= this.log.committed || this.log.term(index) !== this.term) return false;
    this.log.commitTo(index);
    this.onCommitted();
    return true;
  }

  private onCommitted(): void {
    if (this.deferredReads.length > 0 && this.log.term(this.log.committed) === this.term) {
      const reads = this.deferredReads;
      this.deferredReads = [];
      for (const r of reads) this.handleReadRequest(r.context, r.from);
    }
    if (!this.promotable() && this.log.committed >= this.configIndex) {
      // Thesis §4.2.2: a leader removed from the configuration steps down once the removal commits.
      this.logger.info({ term: this.term }, "raft: removed from the configuration; stepping down");
      this.broadcastAppend(); // let the others learn the commit before they elect a successor
      this.becomeFollower(this.term, "");
    }
  }

  private broadcastAppend(): void {
    for (const v of this.progress.keys()) this.sendAppend(v);
  }

  private broadcastHeartbeat(context: string): void {
    for (const [v, pr] of this.progress) {
      const hb: Heartbeat = {
        type: "heartbeat",
        from: this.id,
        to: v,
        term: this.term,
        // Never tell a follower to commit past what it is known to hold.
        commit: Math.min(pr.match, this.log.committed),
        context,
      };
      this.send(hb);
    }
  }

  /** Sends the follower what it needs next. Returns false when nothing was sent. */
  private sendAppend(to: string, sendIfEmpty = true): boolean {
    const pr = this.progress.get(to);
    if (!pr || pr.paused()) return false;
    const prevIndex = pr.next - 1;
    const prevTerm = this.log.term(prevIndex);
    const entries = this.log.slice(pr.next, this.log.lastIndex(), this.cfg.messageBytesMax);
    if (prevTerm === undefined || entries === undefined) {
      // §7: what the follower needs has been compacted away.
      const snapshot = this.snapshot();
      this.logger.debug({ to, index: snapshot.meta.index }, "raft: sending snapshot");
      this.send({ type: "snap", from: this.id, to, term: this.term, snapshot });
      pr.becomeSnapshot(snapshot.meta.index);
      return true;
    }
    if (!sendIfEmpty && entries.length === 0) return false;
    this.send({ type: "app", from: this.id, to, term: this.term, prevIndex, prevTerm, entries, commit: this.log.committed });
    pr.sentEntries(entries.length > 0 ? entries[entries.length - 1]!.index : undefined);
    return true;
  }

  private sendTimeoutNow(to: string): void {
    this.send({ type: "timeoutNow", from: this.id, to, term: this.term });
  }

  // ---------------------------------------------------------------- configuration

  /** Recomputes the configuration after the log changed from `from` on (appended `appended`). */
  private onLogChanged(from: number, appended: readonly Entry[]): void {
    if (from <= this.configIndex || appended.some((e) => e.type === "config")) {
      const c = this.log.latestConfig();
      this.setConfig(c.voters, c.index);
    }
  }

  private setConfig(voters: string[], index: number): void {
    const changed = voters.join("\u0000") !== this.voters.join("\u0000");
    this.voters = [...voters].sort();
    this.configIndex = index;
    if (!changed) return;
    this.logger.info({ voters: this.voters, index }, "raft: configuration changed");
    if (this.role !== "leader") return;
    for (const v of this.voters) {
      if (v !== this.id && !this.progress.has(v)) this.progress.set(v, this.newProgress());
    }
    for (const id of [...this.progress.keys()]) {
      if (!this.voters.includes(id)) this.progress.delete(id);
    }
    if (this.leadTransferee !== "" && !this.voters.includes(this.leadTransferee)) this.leadTransferee = "";
    // A removal can lower the quorum so that pending entries are now committed (etcd TestCommitAfterRemoveNode).
    if (this.maybeCommit()) this.broadcastAppend();
  }

  private send(m: Message): void {
    this.msgs.push(m);
  }
}

function sameSoft(a: SoftState, b: SoftState): boolean {
  return a.leader === b.leader && a.role === b.role && a.term === b.term;
}

function sameHard(a: HardState, b: HardState): boolean {
  return a.term === b.term && a.vote === b.vote && a.commit === b.commit;
}
