/**
 * The in-memory twin of the file log: the same contract and the same
 * refusals, with no disk. Its {@link RecordArray} plays the disk, so a test or
 * the simulator can "restart" a node by building a new store on the old one.
 *
 * @module
 */
import { ClosedError } from "../util/errors.js";
import { checkAppend, checkInteger } from "./checks.js";
import { RecordArray } from "./record-array.js";
import type { LogRecord, LogStore } from "./types.js";

/** Options of {@link MemoryLogStore}. */
export interface MemoryLogOptions {
  /** The records to serve, shared with an earlier store to simulate a restart. @defaultValue a new, empty log */
  disk?: RecordArray;
}

/** A {@link LogStore} held in memory; every write is "durable" at once. */
export class MemoryLogStore implements LogStore {
  /** What survives a simulated restart: pass it to a new store. */
  readonly disk: RecordArray;
  private closed = false;

  constructor(options: MemoryLogOptions = {}) {
    this.disk = options.disk ?? new RecordArray();
  }

  firstIndex(): number {
    this.assertOpen();
    return this.disk.firstIndex();
  }

  lastIndex(): number {
    this.assertOpen();
    return this.disk.lastIndex();
  }

  async append(records: LogRecord[]): Promise<void> {
    this.assertOpen();
    checkAppend(records, this.disk.lastIndex() + 1);
    // Copy, as the file log does by encoding: a caller reusing its buffer must not rewrite history.
    this.disk.push(records.map((r) => ({ index: r.index, term: r.term, data: r.data.slice() })));
  }

  get(index: number): LogRecord | undefined {
    this.assertOpen();
    return this.disk.get(index);
  }

  range(from: number, toInclusive: number): LogRecord[] {
    this.assertOpen();
    return this.disk.range(from, toInclusive);
  }

  termAt(index: number): number | undefined {
    this.assertOpen();
    return this.disk.get(index)?.term;
  }

  async truncateAfter(index: number): Promise<void> {
    this.assertOpen();
    checkInteger(index, "index", this.disk.firstIndex() - 1);
    this.disk.truncateAfter(index);
  }

  async compactThrough(index: number): Promise<void> {
    this.assertOpen();
    checkInteger(index, "index", 0);
    this.disk.compactThrough(index);
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  private assertOpen(): void {
    if (this.closed) throw new ClosedError("log store");
  }
}
