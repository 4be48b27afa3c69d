/**
 * The storage seams: a write-ahead log of indexed, termed records; a store
 * for the small state that must survive a restart (term, vote, commit); and
 * a store of snapshots. Each has a file implementation (the only code in
 * @disco/core that fsyncs) and an in-memory twin with the same semantics for
 * tests and the simulator.
 *
 * @module
 */

/**
 * One log record: a Raft entry or a committed catalog command.
 * Treat a record returned by a store as read-only: stores hand out the copy
 * they hold.
 */
export interface LogRecord {
  /** Position in the log, an integer ≥ 1. */
  index: number;
  /** Term of the leader that created it, an integer ≥ 0 (dev mode writes a constant term). */
  term: number;
  /** Opaque payload, at most `RECORD_DATA_BYTES_MAX` bytes. */
  data: Uint8Array;
}

/**
 * An ordered, durable log of records with contiguous indexes.
 *
 * Contract for implementers and callers:
 * - The stored records are exactly `firstIndex()..lastIndex()`. A log never
 *   written reports `0`/`0`. After `compactThrough(n)` the log starts at
 *   `n + 1`, and may be empty with `firstIndex() === lastIndex() + 1`.
 * - Reads (`get`, `range`, `termAt`, `firstIndex`, `lastIndex`) are served from
 *   memory and reflect every call already made, including writes whose promise
 *   has not resolved yet. The promise of a write resolves once that write and
 *   every earlier one are durable; act on durability only after it resolves.
 * - Writes are applied in call order. Bad arguments reject with a typed error
 *   and change nothing.
 * - If the disk fails, the store refuses every further call (the memory view
 *   may be ahead of the disk); close and reopen it to recover what is durable.
 * - After `close()` every call rejects (or, for the synchronous reads, throws)
 *   `ClosedError`.
 */
export interface LogStore {
  /** Index of the first stored record; 0 for a log never written (or truncated back to nothing). */
  firstIndex(): number;
  /** Index of the last stored record, or of the last compacted one if the log is empty; 0 when never written. */
  lastIndex(): number;
  /**
   * Appends records. `records[0].index` must be `lastIndex() + 1` and the
   * indexes contiguous; an empty array is a no-op. Resolves after fsync.
   * @throws InvalidArgumentError on a gap or a malformed record; ValueTooLargeError past `RECORD_DATA_BYTES_MAX`.
   */
  append(records: LogRecord[]): Promise<void>;
  /** The record at `index`, or undefined if it is not stored. */
  get(index: number): LogRecord | undefined;
  /** The stored records with `from ≤ index ≤ toInclusive`, in order (clipped to what is stored; empty when none). */
  range(from: number, toInclusive: number): LogRecord[];
  /** Term of the record at `index`, or undefined if it is not stored. */
  termAt(index: number): number | undefined;
  /**
   * Drops every record after `index` (Raft's conflict rule, §5.3). A no-op when
   * `index ≥ lastIndex()`. Durable before it resolves.
   * @throws InvalidArgumentError when `index < firstIndex() - 1` (those records are compacted, hence committed).
   */
  truncateAfter(index: number): Promise<void>;
  /**
   * Drops every record up to and including `index`, once a snapshot covers
   * them. Whole segment files are deleted; the new start is durable. An
   * `index` beyond `lastIndex()` empties the log and makes the next append
   * `index + 1` (a follower installing a snapshot). A no-op below `firstIndex()`.
   */
  compactThrough(index: number): Promise<void>;
  /** Waits for queued writes, then releases every file handle. Idempotent. */
  close(): Promise<void>;
}

/** The state Raft must persist before answering any message (Raft §5, Figure 2). */
export interface HardState {
  /** Latest term this node has seen, an integer ≥ 0. */
  term: number;
  /** Node voted for in `term`, or `""` when none. */
  vote: string;
  /** Highest index known committed, an integer ≥ 0 (a hint; it may lag after a crash). */
  commit: number;
}

/** Durable home of the {@link HardState}. `save` replaces it atomically. */
export interface StableStore {
  /** The last state saved, or undefined if none ever was. @throws StorageCorruptError if it fails its checksum. */
  load(): Promise<HardState | undefined>;
  /** Replaces the state; durable (and atomic: old or new, never a mix) before it resolves. */
  save(state: HardState): Promise<void>;
  /** Waits for a save in flight, then refuses further calls with `ClosedError`. Idempotent. */
  close(): Promise<void>;
}

/**
 * Metadata of a snapshot. `index` and `term` identify the last log record it
 * covers; any other key (the Raft configuration, …) is stored as given and
 * must be encodable by msgpackr.
 */
export interface SnapshotMeta {
  /** Last log index the snapshot covers, an integer ≥ 0. */
  index: number;
  /** Term of the record at `index`, an integer ≥ 0. */
  term: number;
  /** When the caller took it, in epoch milliseconds; informational only. */
  createdAtMs?: number;
  [key: string]: unknown;
}

/** A snapshot as loaded: its metadata and the application's bytes. */
export interface StoredSnapshot {
  meta: SnapshotMeta;
  data: Uint8Array;
}

/**
 * Durable snapshots, newest last written wins; the store keeps the `retain`
 * newest (by index, then term) and deletes older ones after each save.
 */
export interface SnapshotStore {
  /** Writes a snapshot atomically (a crash leaves the old set intact), then prunes to `retain`. */
  save(meta: SnapshotMeta, data: Uint8Array): Promise<void>;
  /**
   * The newest good snapshot, or undefined when there is none. If the newest
   * is corrupt and an older good one exists, that one is returned and the
   * store's `onWarning` is told.
   * @throws StorageCorruptError when snapshots exist but none is good.
   */
  loadLatest(): Promise<StoredSnapshot | undefined>;
  /** Metadata of the stored snapshots, newest first (unreadable ones are skipped and reported to `onWarning`). */
  list(): Promise<SnapshotMeta[]>;
  /** Waits for a save in flight, then refuses further calls with `ClosedError`. Idempotent. */
  close(): Promise<void>;
}

/**
 * Receives what a store recovered from without failing: a torn log tail cut
 * away, a corrupt snapshot passed over. Hosts usually route it to `logger.warn`.
 */
export type StorageWarningHandler = (message: string, cause?: unknown) => void;
