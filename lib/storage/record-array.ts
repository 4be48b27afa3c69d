/**
 * The in-memory picture of a log: contiguous records from a start index.
 * The file log serves reads from one; the memory twin is one. It does no
 * argument checking: callers check first (see checks.ts).
 *
 * @module
 */
import type { LogRecord } from "./types.js";

/**
 * Records `start..start + length - 1`, held in an array. When empty, `start`
 * is still meaningful: the next record must be `start` (so after compacting
 * everything through n, `start` is n + 1).
 */
export class RecordArray {
  private start = 1;
  private records: LogRecord[] = [];

  /** Index of the first stored record; 0 for a log that holds nothing and never compacted. */
  firstIndex(): number {
    return this.lastIndex() === 0 ? 0 : this.start;
  }

  /** Index of the last stored record (or the last compacted one when empty); 0 when nothing ever was. */
  lastIndex(): number {
    return this.start + this.records.length - 1;
  }

  /** Where the log starts even when empty: the next append after compacting everything goes here. */
  startIndex(): number {
    return this.start;
  }

  /** The record at `index`, or undefined. */
  get(index: number): LogRecord | undefined {
    return this.records[index - this.start];
  }

  /** Records with `from ≤ index ≤ toInclusive`, clipped to what is held. */
  range(from: number, toInclusive: number): LogRecord[] {
    const lo = Math.max(from, this.start) - this.start;
    const hi = Math.min(toInclusive, this.lastIndex()) - this.start;
    return hi < lo ? [] : this.records.slice(lo, hi + 1);
  }

  /** Adds records that the caller has checked follow `lastIndex()`. */
  push(records: readonly LogRecord[]): void {
    for (const r of records) this.records.push(r);
  }

  /** Drops records after `index` (a no-op past the end). */
  truncateAfter(index: number): void {
    if (index >= this.lastIndex()) return;
    this.records.length = Math.max(0, index + 1 - this.start);
  }

  /** Drops records through `index`; past the end it empties the log and moves the start to `index + 1`. */
  compactThrough(index: number): void {
    if (index < this.start) return;
    if (index >= this.lastIndex()) {
      this.records = [];
    } else {
      this.records.splice(0, index + 1 - this.start);
    }
    this.start = index + 1;
  }

  /** Resets to an empty log whose next record is `start` (used when loading from disk). */
  reset(start: number): void {
    this.start = start;
    this.records = [];
  }
}
