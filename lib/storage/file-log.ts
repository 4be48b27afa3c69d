/**
 * The file write-ahead log: segment files of CRC-framed records, group
 * commit, and recovery on open. Reads are served from memory.
 *
 * @module
 */
import { ClosedError, InvalidConfigError } from "../util/errors.js";
import { checkAppend, checkInteger } from "./checks.js";
import { encodeRecords } from "./codec.js";
import { StorageFailedError } from "./errors.js";
import { nodeFsOps, type FsOps } from "./fs-ops.js";
import { recoverLog } from "./log-recovery.js";
import { LogWriter, type EncodedBatch } from "./log-writer.js";
import {
  GROUP_COMMIT_BYTES_MAX,
  SEGMENT_BYTES_MAX_DEFAULT,
  SEGMENT_BYTES_MAX_LIMIT,
  SEGMENT_BYTES_MAX_MIN,
} from "./limits.js";
import { RecordArray } from "./record-array.js";
import type { LogRecord, LogStore, StorageWarningHandler } from "./types.js";

/** Options of {@link openFileLog}. */
export interface FileLogOptions {
  /**
   * Size past which the log starts a new segment file, in bytes. Compaction
   * frees disk a whole segment at a time.
   * @defaultValue 64 MiB ({@link SEGMENT_BYTES_MAX_DEFAULT}); at least 1 KiB, at most 1 GiB
   */
  segmentBytesMax?: number;
  /**
   * fsync writes and directory changes. Turn off only where losing
   * acknowledged records on a power cut is acceptable (tests, throwaway dev data).
   * @defaultValue true
   */
  fsync?: boolean;
  /** Told when recovery cuts a torn tail away. @defaultValue ignore */
  onWarning?: StorageWarningHandler;
  /** File-system calls, replaceable to count fsyncs or inject faults. @defaultValue {@link nodeFsOps} */
  fsOps?: FsOps;
}

/** Counters of a {@link FileLogStore}, for instrumentation. */
export interface FileLogStats {
  /** fsyncs issued (segment files, the directory, the start file). */
  fsyncs: number;
  /** write calls issued. */
  writes: number;
  /** Group commits: batches of queued appends written together. */
  groupCommits: number;
  /** Records appended since open. */
  appendedRecords: number;
}

type Op =
  | { kind: "append"; batch: EncodedBatch; done: Settle }
  | { kind: "truncate" | "compact"; index: number; done: Settle };

interface Settle {
  resolve(): void;
  reject(err: unknown): void;
}

/**
 * Opens (creating if needed) the log in `dir`, recovering it: a torn tail of
 * the last segment is cut away (and reported to `onWarning`); anything else
 * amiss is refused.
 * @throws InvalidConfigError for a bad option; StorageCorruptError naming the file and offset of damage.
 */
export async function openFileLog(dir: string, options: FileLogOptions = {}): Promise<FileLogStore> {
  const segmentBytesMax = options.segmentBytesMax ?? SEGMENT_BYTES_MAX_DEFAULT;
  if (!Number.isSafeInteger(segmentBytesMax) || segmentBytesMax < SEGMENT_BYTES_MAX_MIN || segmentBytesMax > SEGMENT_BYTES_MAX_LIMIT) {
    throw new InvalidConfigError("segmentBytesMax", `must be an integer from ${SEGMENT_BYTES_MAX_MIN} to ${SEGMENT_BYTES_MAX_LIMIT}`);
  }
  if (options.fsync !== undefined && typeof options.fsync !== "boolean") throw new InvalidConfigError("fsync", "must be a boolean");
  const ops = options.fsOps ?? nodeFsOps;
  const fsync = options.fsync ?? true;
  await ops.mkdirp(dir);
  let recoveryFsyncs = 0;
  const recovered = await recoverLog(dir, {
    ops,
    fsync,
    onWarning: options.onWarning ?? (() => {}),
    onSync: () => void recoveryFsyncs++,
  });
  const view = new RecordArray();
  view.reset(recovered.start);
  view.push(recovered.records);
  const writer = new LogWriter(dir, recovered.segments, { ops, fsync, segmentBytesMax });
  writer.counters.fsyncs += recoveryFsyncs;
  return new FileLogStore(view, writer);
}

/**
 * A {@link LogStore} on segment files. Appends made while a write is in
 * flight are queued and written together with one fsync (group commit).
 *
 * Every record from `firstIndex()` on is held in memory (reads never touch
 * the disk), so memory grows with the log until compaction: compact after
 * each snapshot. Opening reads every segment whole. One process, one store
 * per directory: nothing locks it against a second writer.
 */
export class FileLogStore implements LogStore {
  private readonly queue: Op[] = [];
  private running = false;
  private idleWaiters: (() => void)[] = [];
  private failure: StorageFailedError | undefined;
  private closing: Promise<void> | undefined;
  private groupCommits = 0;
  private appendedRecords = 0;

  /** Use {@link openFileLog}. */
  constructor(
    private readonly view: RecordArray,
    private readonly writer: LogWriter,
  ) {}

  firstIndex(): number {
    this.assertUsable();
    return this.view.firstIndex();
  }

  lastIndex(): number {
    this.assertUsable();
    return this.view.lastIndex();
  }

  get(index: number): LogRecord | undefined {
    this.assertUsable();
    return this.view.get(index);
  }

  range(from: number, toInclusive: number): LogRecord[] {
    this.assertUsable();
    return this.view.range(from, toInclusive);
  }

  termAt(index: number): number | undefined {
    this.assertUsable();
    return this.view.get(index)?.term;
  }

  async append(records: LogRecord[]): Promise<void> {
    this.assertUsable();
    checkAppend(records, this.view.lastIndex() + 1);
    // Encode now: the frames are what gets written, and the view keeps the copy inside them.
    const { bytes, ends, stored } = encodeRecords(records);
    this.view.push(stored);
    this.appendedRecords += stored.length;
    const firstIndex = stored[0]?.index ?? this.view.lastIndex() + 1;
    return this.enqueue((done) => ({ kind: "append", batch: { firstIndex, bytes, ends }, done }));
  }

  async truncateAfter(index: number): Promise<void> {
    this.assertUsable();
    checkInteger(index, "index", this.view.firstIndex() - 1);
    if (index >= this.view.lastIndex()) return this.enqueueBarrier();
    this.view.truncateAfter(index);
    return this.enqueue((done) => ({ kind: "truncate", index, done }));
  }

  async compactThrough(index: number): Promise<void> {
    this.assertUsable();
    checkInteger(index, "index", 0);
    if (index < this.view.startIndex()) return this.enqueueBarrier();
    this.view.compactThrough(index);
    return this.enqueue((done) => ({ kind: "compact", index, done }));
  }

  /** Counters since open (readable after close). */
  stats(): FileLogStats {
    return { ...this.writer.counters, groupCommits: this.groupCommits, appendedRecords: this.appendedRecords };
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      await new Promise<void>((resolve) => (this.running ? this.idleWaiters.push(resolve) : resolve()));
      await this.writer.close();
    })();
    return this.closing;
  }

  /** Resolves once everything queued before it is durable, so no-op writes keep the ordering promise. */
  private enqueueBarrier(): Promise<void> {
    return this.enqueue((done) => ({ kind: "append", batch: { firstIndex: 0, bytes: Buffer.alloc(0), ends: [] }, done }));
  }

  private enqueue(make: (done: Settle) => Op): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue.push(make({ resolve, reject }));
      if (!this.running) {
        this.running = true;
        // Start on a microtask so appends issued in the same tick share the first write.
        queueMicrotask(() => void this.drain());
      }
    });
  }

  /** Runs queued operations in order; consecutive appends are coalesced into one write+fsync. */
  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const ops = this.takeNext();
      try {
        await this.perform(ops);
        for (const op of ops) op.done.resolve();
      } catch (err) {
        this.failure ??= new StorageFailedError(`log ${ops[0]!.kind}`, { cause: err });
        for (const op of [...ops, ...this.queue.splice(0)]) op.done.reject(this.failure);
      }
    }
    this.running = false;
    for (const wake of this.idleWaiters.splice(0)) wake();
  }

  private takeNext(): Op[] {
    const head = this.queue.shift()!;
    if (head.kind !== "append") return [head];
    const ops: Op[] = [head];
    let bytes = head.batch.bytes.byteLength;
    for (let next = this.queue[0]; next?.kind === "append"; next = this.queue[0]) {
      if (bytes + next.batch.bytes.byteLength > GROUP_COMMIT_BYTES_MAX) break;
      bytes += next.batch.bytes.byteLength;
      ops.push(this.queue.shift()!);
    }
    return ops;
  }

  private async perform(ops: Op[]): Promise<void> {
    const head = ops[0]!;
    if (head.kind === "truncate") return this.writer.truncateAfter(head.index);
    if (head.kind === "compact") return this.writer.compactThrough(head.index);
    const batches = ops.flatMap((op) => (op.kind === "append" ? [op.batch] : []));
    if (batches.some((b) => b.ends.length > 0)) this.groupCommits++;
    await this.writer.write(batches);
  }

  private assertUsable(): void {
    if (this.closing) throw new ClosedError("log store");
    if (this.failure) throw this.failure;
  }
}
