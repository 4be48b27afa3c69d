/**
 * Data shapes of the Raft core: log entries, persistent state, snapshots,
 * the {@link Ready} batch and the wire messages. All are plain objects of
 * strings, numbers, booleans, arrays and `Uint8Array`, so msgpackr encodes
 * them as they are.
 *
 * @module
 */

/** The role a node plays in its current term. `preCandidate` is a follower running a pre-vote (Raft thesis §9.6). */
export type Role = "follower" | "preCandidate" | "candidate" | "leader";

/**
 * What an entry carries.
 * - `normal`: application data, handed to the state machine.
 * - `config`: a membership change (see {@link ConfigEntryData}); takes effect when appended.
 * - `noop`: appended by every new leader so that entries of earlier terms can commit (§5.4.2, §8).
 */
export type EntryType = "normal" | "config" | "noop";

/** One log entry. Indexes start at 1; index and term 0 denote "before the log". */
export interface Entry {
  /** Position in the log, ≥ 1. */
  index: number;
  /** Term of the leader that created it. */
  term: number;
  /** What `data` holds. */
  type: EntryType;
  /** Opaque payload for `normal`; encoded {@link ConfigEntryData} for `config`; empty for `noop`. */
  data: Uint8Array;
}

/** A single-server membership change (Raft thesis §4.1). */
export interface ConfChange {
  /** Add a voter or remove one. */
  type: "add" | "remove";
  /** The node id added or removed. */
  node: string;
}

/** Decoded payload of a `config` entry: the change and the full voter set it produces, so any one entry is self-describing. */
export interface ConfigEntryData {
  /** The change that produced `voters`. */
  change: ConfChange;
  /** Voter ids after the change, sorted. */
  voters: string[];
}

/** State that must be durable before any message of the same {@link Ready} is sent. Maps onto `StableStore.save`. */
export interface HardState {
  /** Latest term this node has seen. */
  term: number;
  /** Candidate voted for in `term`, or `""`. */
  vote: string;
  /** Highest index known committed (a hint: it may safely be behind after a crash). */
  commit: number;
}

/** Volatile state the driver may surface (leader changes, role). */
export interface SoftState {
  /** Id of the leader this node knows for the current term, or `""`. */
  leader: string;
  /** This node's role. */
  role: Role;
  /** Current term. */
  term: number;
}

/** Metadata of a snapshot. Extra keys are allowed so it maps onto `SnapshotMeta` of lib/storage. */
export interface SnapshotMeta {
  /** Last log index the snapshot covers. */
  index: number;
  /** Term of the entry at `index`. */
  term: number;
  /** Voter set in force at `index` (the configuration travels with the snapshot). */
  voters: string[];
  [key: string]: unknown;
}

/** A state-machine snapshot: its metadata and the application's opaque bytes. */
export interface Snapshot {
  meta: SnapshotMeta;
  data: Uint8Array;
}

/** The result of a linearizable read request: once the state machine has applied `index`, the read may be served. */
export interface ReadState {
  /** Commit index at the moment leadership was confirmed. */
  index: number;
  /** The caller's request context, echoed. */
  context: string;
}

/**
 * One batch of work for the driver. Handle it in this order, then call
 * `core.advance(ready)`:
 * 1. `snapshot` → `SnapshotStore.save(meta, data)`, restore the state machine from it, and drop the whole
 *    stored log (`LogStore.truncateAfter(firstIndex - 1)` then `compactThrough(meta.index)`);
 * 2. `entries` → if `entries[0].index ≤ LogStore.lastIndex()`, `truncateAfter(entries[0].index - 1)` first,
 *    then `append(entries.map(entryToRecord))` (fsync'd);
 * 3. `hardState` → `StableStore.save(hardState)`;
 * 4. `messages` → send (only now: a vote or an acknowledgement must never leave before it is durable);
 * 5. `committed` → apply to the state machine in order (`config` and `noop` entries are already
 *    handled by the core; the state machine only needs `normal` ones, but their indexes advance it too);
 * 6. `readStates` → serve each read once the state machine has applied `index`.
 */
export interface Ready {
  /** Present when leader, role or term changed since the last Ready. */
  softState?: SoftState;
  /** Present when term, vote or commit changed since the last Ready. */
  hardState?: HardState;
  /** A snapshot received from the leader, to persist and restore. */
  snapshot?: Snapshot;
  /** Entries to persist, contiguous. They may overwrite a suffix of the stored log. */
  entries: Entry[];
  /** Messages to send once everything above is durable. */
  messages: Message[];
  /** Entries now committed, to apply in order. */
  committed: Entry[];
  /** Confirmed linearizable reads. */
  readStates: ReadState[];
}

/** Fields every message carries. */
export interface MessageBase {
  /** Sender id. */
  from: string;
  /** Recipient id. */
  to: string;
  /** Sender's term (for a pre-vote request: the term it would campaign in). */
  term: number;
}

/** RequestVote (§5.2) or PreVote (thesis §9.6). */
export interface VoteRequest extends MessageBase {
  type: "vote" | "preVote";
  /** Index of the candidate's last entry. */
  lastIndex: number;
  /** Term of the candidate's last entry. */
  lastTerm: number;
  /** Set when the campaign follows a leadership transfer: voters skip the leader-stickiness check (§3.10). */
  transfer?: boolean;
}

/** Answer to a {@link VoteRequest}. */
export interface VoteResponse extends MessageBase {
  type: "voteResp" | "preVoteResp";
  /** True when the vote is refused. */
  reject: boolean;
}

/** AppendEntries (§5.3). */
export interface AppendRequest extends MessageBase {
  type: "app";
  /** Index of the entry preceding `entries`. */
  prevIndex: number;
  /** Term of that entry. */
  prevTerm: number;
  /** Entries to append; may be empty (a probe). */
  entries: Entry[];
  /** Leader's commit index. */
  commit: number;
}

/** Answer to an {@link AppendRequest} or an {@link InstallSnapshot}. */
export interface AppendResponse extends MessageBase {
  type: "appResp";
  /** On success: the last index now known to match. On rejection: the `prevIndex` that was refused. */
  index: number;
  /** True when `prevIndex`/`prevTerm` did not match. */
  reject: boolean;
  /** On rejection: an index ≤ `prevIndex` from which the leader should search back (fast backtracking). */
  hintIndex: number;
  /** On rejection: the follower's term at `hintIndex`. */
  hintTerm: number;
}

/** Leader heartbeat; carries a commit index the follower is sure to hold, and a read context. */
export interface Heartbeat extends MessageBase {
  type: "heartbeat";
  /** min(leader commit, follower match). */
  commit: number;
  /** ReadIndex context being confirmed, or `""`. */
  context: string;
}

/** Answer to a {@link Heartbeat}. */
export interface HeartbeatResponse extends MessageBase {
  type: "heartbeatResp";
  /** Echo of the heartbeat's context. */
  context: string;
}

/** InstallSnapshot (§7), whole, in one message. */
export interface InstallSnapshot extends MessageBase {
  type: "snap";
  snapshot: Snapshot;
}

/** Tells the transfer target to campaign at once (thesis §3.10). */
export interface TimeoutNow extends MessageBase {
  type: "timeoutNow";
}

/** A follower forwards a linearizable read to the leader. */
export interface ReadIndexRequest extends MessageBase {
  type: "readIndex";
  context: string;
}

/** The leader's answer to a forwarded read. */
export interface ReadIndexResponse extends MessageBase {
  type: "readIndexResp";
  context: string;
  /** The confirmed read index. */
  index: number;
}

/** Every message the core sends or accepts. The transport encodes them as they are. */
export type Message =
  | VoteRequest
  | VoteResponse
  | AppendRequest
  | AppendResponse
  | Heartbeat
  | HeartbeatResponse
  | InstallSnapshot
  | TimeoutNow
  | ReadIndexRequest
  | ReadIndexResponse;

/** The `type` tags of {@link Message}. */
export type MessageType = Message["type"];
