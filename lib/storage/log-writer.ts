/**
 * The disk side of the file log: segment files, the open descriptor of the
 * last one, rolling, truncation and compaction. It is not safe for concurrent
 * calls; the file log runs them one at a time, in call order.
 *
 * @module
 */
import { join } from "node:path";
import type { FsOps, StorageFile } from "./fs-ops.js";
import { writeLogStart } from "./log-start.js";
import { segmentLast, segmentName, type SegmentInfo } from "./segment-files.js";

/** Records already encoded by one append call. */
export interface EncodedBatch {
  /** Index of the first record. */
  firstIndex: number;
  /** The frames, back to back. */
  bytes: Buffer;
  /** End offset in `bytes` of each record's frame. */
  ends: number[];
}

/** Counters a writer keeps, for instrumentation and tests. */
export interface WriterCounters {
  /** fsyncs of files and of the directory. */
  fsyncs: number;
  /** write calls (one per segment touched by a group commit). */
  writes: number;
}

/** Settings of a {@link LogWriter}. */
export interface LogWriterOptions {
  ops: FsOps;
  fsync: boolean;
  segmentBytesMax: number;
}

/** Writes, cuts and compacts the segment files of one log directory. */
export class LogWriter {
  readonly counters: WriterCounters = { fsyncs: 0, writes: 0 };
  private active: StorageFile | undefined;

  constructor(
    private readonly dir: string,
    private readonly segments: SegmentInfo[],
    private readonly options: LogWriterOptions,
  ) {}

  /**
   * Appends batches (contiguous with the last segment) with one write and one
   * fsync per segment touched, rolling to a new segment when the current one
   * would pass `segmentBytesMax` (a segment always takes at least one record).
   */
  async write(batches: readonly EncodedBatch[]): Promise<void> {
    const first = batches.find((b) => b.ends.length > 0);
    if (!first) return;
    let segment = await this.activeSegment(first.firstIndex);
    let chunks: Uint8Array[] = [];
    let chunkBytes = 0;
    let ends: number[] = [];
    for (const batch of batches) {
      let from = 0;
      for (let k = 0; k < batch.ends.length; k++) {
        const recordStart = k === 0 ? 0 : batch.ends[k - 1]!;
        const size = batch.ends[k]! - recordStart;
        const holdsRecords = segment.ends.length + ends.length > 0;
        if (holdsRecords && segment.bytes + chunkBytes + size > this.options.segmentBytesMax) {
          if (recordStart > from) chunks.push(batch.bytes.subarray(from, recordStart));
          await this.commit(segment, chunks, ends);
          segment = await this.roll(batch.firstIndex + k);
          chunks = [];
          chunkBytes = 0;
          ends = [];
          from = recordStart;
        }
        chunkBytes += size;
        ends.push(segment.bytes + chunkBytes);
      }
      if (batch.bytes.byteLength > from) chunks.push(batch.bytes.subarray(from));
    }
    await this.commit(segment, chunks, ends);
  }

  /** Drops records after `index` from disk: later segments deleted (durably) first, then the last one cut. */
  async truncateAfter(index: number): Promise<void> {
    let deleted = false;
    for (let s = this.lastSegment(); s && s.base > index; s = this.lastSegment()) {
      await this.closeActive();
      await this.options.ops.unlink(s.path);
      this.segments.pop();
      deleted = true;
    }
    // Deletions must be durable before the cut: a cut segment followed by a stale one would leave a gap.
    if (deleted) await this.syncDir();
    const last = this.lastSegment();
    if (!last || segmentLast(last) <= index) return;
    const keep = index - last.base + 1;
    const bytes = keep > 0 ? last.ends[keep - 1]! : 0;
    const file = await this.openActive(last);
    await file.truncate(bytes);
    await this.sync(file);
    last.ends.length = keep;
    last.bytes = bytes;
  }

  /**
   * Makes `index + 1` the durable start of the log, then deletes every
   * segment holding only records up to `index`.
   */
  async compactThrough(index: number): Promise<void> {
    await writeLogStart(this.dir, index + 1, {
      ops: this.options.ops,
      fsync: this.options.fsync,
      onSync: () => void this.counters.fsyncs++,
    });
    let deleted = false;
    while (this.segments.length > 0 && segmentLast(this.segments[0]!) <= index) {
      const s = this.segments.shift()!;
      if (this.segments.length === 0) await this.closeActive();
      await this.options.ops.unlink(s.path);
      deleted = true;
    }
    if (deleted) await this.syncDir();
  }

  /** Releases the descriptor. */
  async close(): Promise<void> {
    await this.closeActive();
  }

  private lastSegment(): SegmentInfo | undefined {
    return this.segments[this.segments.length - 1];
  }

  /** The segment the next record goes to, created when there is none. */
  private async activeSegment(nextIndex: number): Promise<SegmentInfo> {
    const last = this.lastSegment();
    if (!last) return this.roll(nextIndex);
    await this.openActive(last);
    return last;
  }

  private async openActive(segment: SegmentInfo): Promise<StorageFile> {
    this.active ??= await this.options.ops.open(segment.path, "r+");
    return this.active;
  }

  /** Starts a new segment whose first record is `base`; the directory is fsynced so the file survives a crash. */
  private async roll(base: number): Promise<SegmentInfo> {
    await this.closeActive();
    const segment: SegmentInfo = { base, path: join(this.dir, segmentName(base)), bytes: 0, ends: [] };
    this.active = await this.options.ops.open(segment.path, "w");
    this.segments.push(segment);
    await this.syncDir();
    return segment;
  }

  /** Writes `chunks` at the end of `segment`, fsyncs, and only then records them as present. */
  private async commit(segment: SegmentInfo, chunks: Uint8Array[], ends: number[]): Promise<void> {
    if (ends.length === 0) return;
    const file = await this.openActive(segment);
    const bytes = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
    await file.write(bytes, segment.bytes);
    this.counters.writes++;
    await this.sync(file);
    segment.bytes += bytes.byteLength;
    for (const e of ends) segment.ends.push(e);
  }

  private async sync(file: StorageFile): Promise<void> {
    if (!this.options.fsync) return;
    await file.sync();
    this.counters.fsyncs++;
  }

  private async syncDir(): Promise<void> {
    if (!this.options.fsync) return;
    await this.options.ops.syncDir(this.dir);
    this.counters.fsyncs++;
  }

  private async closeActive(): Promise<void> {
    const file = this.active;
    this.active = undefined;
    await file?.close();
  }
}
