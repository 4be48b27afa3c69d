/**
 * The dev-mode backend: one node, commands committed to a local write-ahead
 * log (when a data directory is given) and applied in order. Proposals made
 * while a write is in flight are batched into the next write, so one fsync
 * covers many commands.
 *
 * @module
 */
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { Catalog } from "../catalog/catalog.js";
import { encodeCommand, decodeCommand, type CatalogCommand } from "../catalog/commands.js";
import type { ApplyResult } from "../catalog/state.js";
import { ClosedError, throwIfAborted } from "../util/errors.js";
import type { Timers } from "../util/timers.js";
import type { Logger } from "../util/logger.js";
import type { LogStore, SnapshotStore } from "../storage/types.js";
import { openFileLog } from "../storage/file-log.js";
import { openFileSnapshotStore } from "../storage/file-snapshot.js";
import type { CommandBackend, Consistency } from "./backend.js";

/** Dev mode writes every entry in term 1: there is no election. */
const DEV_TERM = 1;

/** Index of the first command of a new catalog (see {@link LocalBackend.open}). */
const FIRST_INDEX = 2;

/** Most commands written in one batch; bounds one write's size and latency. */
const BATCH_COMMANDS_MAX = 1024;

interface Pending {
  command: CatalogCommand;
  resolve: (r: ApplyResult) => void;
  reject: (e: unknown) => void;
}

/** Options of {@link LocalBackend.open}. */
export interface LocalBackendOptions {
  datacenter: string;
  timers: Timers;
  logger: Logger;
  /** Persist here; omit for memory only. */
  dataDir?: string | undefined;
  /** Entries between snapshots. */
  snapshotThreshold: number;
}

/** A single-node {@link CommandBackend}. */
export class LocalBackend implements CommandBackend {
  readonly catalog: Catalog;
  private queue: Pending[] = [];
  private writing = false;
  private closed = false;
  private lastSnapshotIndex = 0;
  private drained: Promise<void> = Promise.resolve();

  private constructor(
    catalog: Catalog,
    private readonly log: LogStore | undefined,
    private readonly snapshots: SnapshotStore | undefined,
    private readonly options: LocalBackendOptions,
    private nextIndex: number,
  ) {
    this.catalog = catalog;
  }

  /**
   * Opens the backend, restoring the catalog from the latest snapshot and
   * replaying the log after it when `dataDir` is set.
   * @throws StorageCorruptError when the stored data fails its checks.
   */
  static async open(options: LocalBackendOptions): Promise<LocalBackend> {
    const catalog = new Catalog({ datacenter: options.datacenter, timers: options.timers });
    // Index 1 stands for "the empty catalog" (every scope reports at least 1),
    // so the first real change is written at 2 and can be told apart from it.
    if (options.dataDir === undefined) return new LocalBackend(catalog, undefined, undefined, options, FIRST_INDEX);
    await mkdir(options.dataDir, { recursive: true });
    const snapshots = await openFileSnapshotStore(join(options.dataDir, "snapshots"), {
      onWarning: (message: string) => options.logger.warn({ component: "storage" }, message),
    });
    const log = await openFileLog(join(options.dataDir, "log"));
    if (log.lastIndex() === 0 && log.firstIndex() <= 1) await log.compactThrough(FIRST_INDEX - 1);
    let applied = 0;
    const latest = await snapshots.loadLatest();
    if (latest) {
      catalog.restore(latest.data);
      applied = latest.meta.index;
    }
    const last = log.lastIndex();
    const first = Math.max(applied + 1, log.firstIndex());
    for (let i = first; i <= last; i++) {
      const record = log.get(i);
      if (!record) throw new Error(`log is missing entry ${i} between ${first} and ${last}`);
      catalog.apply(i, decodeCommand(record.data));
      applied = i;
    }
    const backend = new LocalBackend(catalog, log, snapshots, options, Math.max(applied + 1, last + 1, FIRST_INDEX));
    backend.lastSnapshotIndex = latest?.meta.index ?? 0;
    return backend;
  }

  propose(command: CatalogCommand, signal?: AbortSignal): Promise<ApplyResult> {
    if (this.closed) return Promise.reject(new ClosedError("agent"));
    try {
      throwIfAborted(signal);
    } catch (err) {
      return Promise.reject(err);
    }
    // Encode now so a command that cannot be encoded fails alone, before it is queued.
    encodeCommand(command);
    return new Promise<ApplyResult>((resolve, reject) => {
      this.queue.push({ command, resolve, reject });
      if (!this.writing) this.drained = this.drain();
    });
  }

  readBarrier(_consistency: Consistency, signal?: AbortSignal): Promise<void> {
    // One node: every committed write is already applied locally.
    throwIfAborted(signal);
    return Promise.resolve();
  }

  leaderContact(): { knownLeader: boolean; lastContactMs: number } {
    return { knownLeader: true, lastContactMs: 0 };
  }

  private async drain(): Promise<void> {
    this.writing = true;
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, BATCH_COMMANDS_MAX);
        const first = this.nextIndex;
        try {
          if (this.log) {
            await this.log.append(batch.map((p, i) => ({
              index: first + i, term: DEV_TERM, data: encodeCommand(p.command),
            })));
          }
        } catch (err) {
          // Nothing of this batch was acknowledged; fail it whole.
          this.options.logger.error({ component: "storage", err }, "log append failed");
          for (const p of batch) p.reject(err);
          continue;
        }
        this.nextIndex += batch.length;
        batch.forEach((p, i) => p.resolve(this.catalog.apply(first + i, p.command)));
        await this.maybeSnapshot();
      }
    } finally {
      this.writing = false;
    }
  }

  private async maybeSnapshot(force = false): Promise<void> {
    if (!this.log || !this.snapshots) return;
    const index = this.nextIndex - 1;
    if (index <= this.lastSnapshotIndex) return;
    if (!force && index - this.lastSnapshotIndex < this.options.snapshotThreshold) return;
    try {
      await this.snapshots.save({ index, term: DEV_TERM }, this.catalog.state.snapshot());
      await this.log.compactThrough(index);
      this.lastSnapshotIndex = index;
    } catch (err) {
      // The log still holds everything; a failed snapshot only delays compaction.
      this.options.logger.warn({ component: "storage", err }, "snapshot failed");
    }
  }

  /** Writes a snapshot now (used by tests and by graceful shutdown). */
  async snapshotNow(): Promise<void> {
    await this.drained;
    await this.maybeSnapshot(true);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.drained;
    for (const p of this.queue.splice(0)) p.reject(new ClosedError("agent"));
    this.catalog.close();
    await this.log?.close();
  }
}
