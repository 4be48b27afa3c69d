/**
 * The in-memory view of one node's log: a snapshot prefix, the entries
 * after it, and the commit, apply and persistence cursors. The driver loads
 * the stored entries into it at start; from then on the core tells the
 * driver, through Ready, what to persist.
 *
 * @module
 */
import { decodeConfigData } from "./entry-codec.js";
import { invariant } from "./errors.js";
import type { Entry, Snapshot, SnapshotMeta } from "./types.js";

/** A voter set and the index of the entry (or snapshot) that set it. */
export interface ConfigAt {
  /** Index of the `config` entry, or of the snapshot, that defines `voters`. */
  index: number;
  voters: string[];
}

/** The log of one node. Indexes are 1-based; index 0 / term 0 is the empty prefix. */
export class RaftLog {
  /** Metadata of the snapshot the log starts after ({index: 0, term: 0, voters: bootstrap} when none). */
  snapshotMeta: SnapshotMeta;
  /** Bytes of that snapshot, kept to send to lagging followers; empty for the bootstrap prefix. */
  snapshotData: Uint8Array;
  /** Entries snapshotMeta.index+1 … lastIndex(). */
  private entries: Entry[] = [];
  /** Highest index known committed. */
  committed: number;
  /** Highest index handed to the state machine in a Ready that has been advanced. */
  applied: number;
  /** First index not yet confirmed durable by the driver. */
  unstableFrom: number;
  /** A snapshot received from the leader that the driver has not yet persisted. */
  pendingSnapshot: Snapshot | undefined;

  constructor(snapshot: Snapshot, entries: Entry[], committed: number, applied: number) {
    this.snapshotMeta = snapshot.meta;
    this.snapshotData = snapshot.data;
    for (let i = 0; i < entries.length; i++) {
      invariant(entries[i]!.index === snapshot.meta.index + 1 + i, "initial entries are not contiguous with the snapshot");
    }
    this.entries = entries.slice();
    this.committed = committed;
    this.applied = applied;
    this.unstableFrom = this.lastIndex() + 1;
  }

  /** First index still held as an entry. */
  firstIndex(): number {
    return this.snapshotMeta.index + 1;
  }

  /** Index of the last entry (the snapshot index when there are none). */
  lastIndex(): number {
    return this.snapshotMeta.index + this.entries.length;
  }

  /** Term of entry `index`; undefined when compacted away or beyond the end. */
  term(index: number): number | undefined {
    if (index === this.snapshotMeta.index) return this.snapshotMeta.term;
    if (index < this.snapshotMeta.index || index > this.lastIndex()) return undefined;
    return this.entries[index - this.snapshotMeta.index - 1]!.term;
  }

  /** Term of the last entry. */
  lastTerm(): number {
    return this.term(this.lastIndex())!;
  }

  /** The entry at `index`, if held. */
  entry(index: number): Entry | undefined {
    if (index <= this.snapshotMeta.index || index > this.lastIndex()) return undefined;
    return this.entries[index - this.snapshotMeta.index - 1];
  }

  /** True when the log holds an entry `index` of term `term`. */
  matchTerm(index: number, term: number): boolean {
    return this.term(index) === term;
  }

  /** §5.4.1: a candidate's log is at least as up to date as ours. */
  isUpToDate(lastIndex: number, lastTerm: number): boolean {
    const myTerm = this.lastTerm();
    return lastTerm > myTerm || (lastTerm === myTerm && lastIndex >= this.lastIndex());
  }

  /**
   * Entries lo … hi (inclusive), stopping once `bytesMax` of payload is reached (at least one entry).
   * Undefined when `lo` has been compacted away.
   */
  slice(lo: number, hi: number, bytesMax = Infinity): Entry[] | undefined {
    if (lo < this.firstIndex()) return undefined;
    const out: Entry[] = [];
    let bytes = 0;
    for (let i = lo; i <= Math.min(hi, this.lastIndex()); i++) {
      const e = this.entry(i)!;
      bytes += e.data.length;
      if (out.length > 0 && bytes > bytesMax) break;
      out.push(e);
    }
    return out;
  }

  /**
   * Index of the first entry of `entries` that is new or conflicts with ours (§5.3 step 3), or 0 when
   * all are already present.
   */
  findConflict(entries: readonly Entry[]): number {
    for (const e of entries) {
      if (!this.matchTerm(e.index, e.term)) return e.index;
    }
    return 0;
  }

  /**
   * Fast backtracking: the largest index ≤ `index` whose term is ≤ `term`, with that term. Every
   * entry above it has a larger term, so it cannot match an entry of term ≤ `term` elsewhere.
   */
  findConflictByTerm(index: number, term: number): { index: number; term: number } {
    let i = Math.min(index, this.lastIndex());
    for (; i > this.snapshotMeta.index; i--) {
      const t = this.term(i)!;
      if (t <= term) return { index: i, term: t };
    }
    return { index: i, term: this.term(i) ?? 0 };
  }

  /**
   * Appends `entries`, truncating any conflicting suffix first. Returns the index from which the log
   * changed (for config recomputation), or 0 when nothing changed.
   */
  append(entries: readonly Entry[]): number {
    if (entries.length === 0) return 0;
    const from = entries[0]!.index;
    invariant(from > this.committed, `append at ${from} would overwrite committed entry (commit ${this.committed})`);
    invariant(from <= this.lastIndex() + 1, `append at ${from} leaves a gap after ${this.lastIndex()}`);
    if (from <= this.lastIndex()) {
      this.entries.length = from - this.snapshotMeta.index - 1;
      this.unstableFrom = Math.min(this.unstableFrom, from);
    }
    for (let i = 0; i < entries.length; i++) {
      invariant(entries[i]!.index === from + i, "appended entries are not contiguous");
      this.entries.push(entries[i]!);
    }
    return from;
  }

  /**
   * The follower side of AppendEntries (§5.3): if our log matches at prevIndex/prevTerm, appends the new
   * part of `entries` and returns the last index now matching the leader; otherwise undefined.
   */
  maybeAppend(prevIndex: number, prevTerm: number, entries: readonly Entry[]): { lastNew: number; changedFrom: number } | undefined {
    if (!this.matchTerm(prevIndex, prevTerm)) return undefined;
    const lastNew = prevIndex + entries.length;
    const conflict = this.findConflict(entries);
    let changedFrom = 0;
    if (conflict !== 0) {
      changedFrom = this.append(entries.slice(conflict - entries[0]!.index));
    }
    return { lastNew, changedFrom };
  }

  /** Moves the commit index forward (never back). */
  commitTo(index: number): void {
    if (index <= this.committed) return;
    invariant(index <= this.lastIndex(), `commit ${index} is beyond the last index ${this.lastIndex()}`);
    this.committed = index;
  }

  /** Replaces the whole log with a snapshot from the leader (§7). */
  restore(snapshot: Snapshot): void {
    this.snapshotMeta = snapshot.meta;
    this.snapshotData = snapshot.data;
    this.entries = [];
    this.committed = snapshot.meta.index;
    this.unstableFrom = snapshot.meta.index + 1;
    this.pendingSnapshot = snapshot;
  }

  /** Drops entries through `index` after the application took a snapshot there. */
  compact(meta: SnapshotMeta, data: Uint8Array): void {
    const drop = meta.index - this.snapshotMeta.index;
    this.entries.splice(0, drop);
    this.snapshotMeta = meta;
    this.snapshotData = data;
  }

  /** The latest configuration in the log (appended, not necessarily committed), else the snapshot's. */
  latestConfig(): ConfigAt {
    return this.configAt(this.lastIndex());
  }

  /** The configuration in force at `index` (≥ the snapshot index). */
  configAt(index: number): ConfigAt {
    for (let i = Math.min(index, this.lastIndex()); i > this.snapshotMeta.index; i--) {
      const e = this.entry(i)!;
      if (e.type === "config") return { index: i, voters: decodeConfigData(e.data).voters };
    }
    return { index: this.snapshotMeta.index, voters: this.snapshotMeta.voters };
  }
}
