/**
 * Snapshots as files, each written atomically, the newest `retain` kept.
 *
 * @module
 */
import { join } from "node:path";
import { ClosedError, InvalidConfigError, StorageCorruptError } from "../util/errors.js";
import { corrupt, removeTempFiles, writeFileAtomic } from "./atomic-file.js";
import { checkSnapshot, resolveRetain } from "./checks.js";
import { decodeFrameAt } from "./codec.js";
import { nodeFsOps, type FsOps } from "./fs-ops.js";
import { FRAME_HEADER_BYTES, SNAPSHOT_META_BYTES_MAX } from "./limits.js";
import {
  compareSnapshots,
  decodeSnapshot,
  decodeSnapshotMeta,
  encodeSnapshotMeta,
  parseSnapshotName,
  snapshotChunks,
  snapshotName,
} from "./snapshot-codec.js";
import type { SnapshotMeta, SnapshotStore, StorageWarningHandler, StoredSnapshot } from "./types.js";

/** Options of {@link openFileSnapshotStore}. */
export interface FileSnapshotOptions {
  /**
   * Snapshots kept; older ones are deleted after each save. Keeping two lets
   * a corrupt newest one fall back to the previous.
   * @defaultValue 2 (`SNAPSHOT_RETAIN_DEFAULT`); from 1 to 100 (`SNAPSHOT_RETAIN_MAX`)
   */
  retain?: number;
  /** Told when a corrupt snapshot is passed over. @defaultValue ignore */
  onWarning?: StorageWarningHandler;
  /** fsync files and the directory. @defaultValue true */
  fsync?: boolean;
  /** File-system calls, replaceable for tests. @defaultValue {@link nodeFsOps} */
  fsOps?: FsOps;
}

/** Opens (creating if needed) the snapshot directory `dir`; temp files left by a crash are removed. */
export async function openFileSnapshotStore(dir: string, options: FileSnapshotOptions = {}): Promise<FileSnapshotStore> {
  const retain = resolveRetain(options.retain);
  if (options.fsync !== undefined && typeof options.fsync !== "boolean") throw new InvalidConfigError("fsync", "must be a boolean");
  const ops = options.fsOps ?? nodeFsOps;
  await ops.mkdirp(dir);
  await removeTempFiles(ops, dir, (name) => parseSnapshotName(name) !== undefined);
  return new FileSnapshotStore(dir, ops, { retain, fsync: options.fsync ?? true, onWarning: options.onWarning ?? (() => {}) });
}

interface Settings {
  retain: number;
  fsync: boolean;
  onWarning: StorageWarningHandler;
}

/** A {@link SnapshotStore} on files. Saves run one at a time, in call order. */
export class FileSnapshotStore implements SnapshotStore {
  private tail: Promise<void> = Promise.resolve();
  private closed = false;

  /** Use {@link openFileSnapshotStore}. */
  constructor(
    private readonly dir: string,
    private readonly ops: FsOps,
    private readonly settings: Settings,
  ) {}

  save(meta: SnapshotMeta, data: Uint8Array): Promise<void> {
    let chunks: Uint8Array[];
    try {
      this.assertOpen();
      checkSnapshot(meta, data);
      chunks = snapshotChunks(encodeSnapshotMeta(meta), data);
    } catch (err) {
      return Promise.reject(err);
    }
    const write = this.tail.then(async () => {
      const options = { ops: this.ops, fsync: this.settings.fsync };
      await writeFileAtomic(this.dir, snapshotName(meta.index, meta.term), chunks, options);
      await this.prune();
    });
    this.tail = write.catch(() => {});
    return write;
  }

  async loadLatest(): Promise<StoredSnapshot | undefined> {
    this.assertOpen();
    await this.tail;
    let firstFault: StorageCorruptError | undefined;
    for (const { name, id } of await this.names()) {
      const path = join(this.dir, name);
      try {
        const snapshot = decodeSnapshot(await this.ops.readFile(path), path, id);
        if (firstFault) this.settings.onWarning(`snapshot: ${firstFault.message}; fell back to ${path}`, firstFault);
        return snapshot;
      } catch (err) {
        if (!(err instanceof StorageCorruptError)) throw err;
        firstFault ??= err;
      }
    }
    if (firstFault) throw firstFault;
    return undefined;
  }

  async list(): Promise<SnapshotMeta[]> {
    this.assertOpen();
    await this.tail;
    const metas: SnapshotMeta[] = [];
    for (const { name, id } of await this.names()) {
      const path = join(this.dir, name);
      try {
        metas.push(await this.readMeta(path, id));
      } catch (err) {
        if (!(err instanceof StorageCorruptError)) throw err;
        this.settings.onWarning(`snapshot: ${err.message}; left out of the list`, err);
      }
    }
    return metas;
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.tail;
  }

  /** Snapshot files, newest first. */
  private async names(): Promise<{ name: string; id: { index: number; term: number } }[]> {
    const found: { name: string; id: { index: number; term: number } }[] = [];
    for (const name of await this.ops.readdir(this.dir)) {
      const id = parseSnapshotName(name);
      if (id) found.push({ name, id });
    }
    return found.sort((a, b) => compareSnapshots(b.id, a.id));
  }

  /** Reads only the metadata frame, so listing does not load every snapshot's data. */
  private async readMeta(path: string, id: { index: number; term: number }): Promise<SnapshotMeta> {
    const file = await this.ops.open(path, "r");
    try {
      const header = await file.read(FRAME_HEADER_BYTES, 0);
      const declared = header.byteLength === FRAME_HEADER_BYTES ? new DataView(header.buffer, header.byteOffset).getUint32(0) : 0;
      // Never read more than a valid metadata frame can hold; an over-long declared length is reported below.
      const frame = await file.read(FRAME_HEADER_BYTES + Math.min(declared, SNAPSHOT_META_BYTES_MAX), 0);
      const decoded = decodeFrameAt(frame, 0, SNAPSHOT_META_BYTES_MAX);
      if (!decoded.ok) throw corrupt(path, 0, decoded.reason);
      return decodeSnapshotMeta(decoded.payload, path, id);
    } finally {
      await file.close();
    }
  }

  /** Deletes all but the newest `retain` snapshots. */
  private async prune(): Promise<void> {
    const old = (await this.names()).slice(this.settings.retain);
    for (const { name } of old) await this.ops.unlink(join(this.dir, name));
    if (old.length > 0 && this.settings.fsync) await this.ops.syncDir(this.dir);
  }

  private assertOpen(): void {
    if (this.closed) throw new ClosedError("snapshot store");
  }
}
