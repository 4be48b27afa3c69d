/**
 * The in-memory twin of the snapshot store: same checks (metadata must
 * encode with msgpackr, sizes bounded), same ordering and retention.
 *
 * @module
 */
import { unpack } from "msgpackr";
import { ClosedError } from "../util/errors.js";
import { checkSnapshot, resolveRetain } from "./checks.js";
import { compareSnapshots, encodeSnapshotMeta } from "./snapshot-codec.js";
import type { SnapshotMeta, SnapshotStore, StoredSnapshot } from "./types.js";

/** What a {@link MemorySnapshotStore} keeps; share it with a new store to simulate a restart. */
export class MemorySnapshotDisk {
  /** Stored snapshots, oldest first. Entries are private copies. */
  readonly snapshots: StoredSnapshot[] = [];
}

/** Options of {@link MemorySnapshotStore}. */
export interface MemorySnapshotOptions {
  /** Snapshots kept. @defaultValue 2 */
  retain?: number;
  /** @defaultValue a new, empty disk */
  disk?: MemorySnapshotDisk;
}

/** A {@link SnapshotStore} held in memory. */
export class MemorySnapshotStore implements SnapshotStore {
  /** What survives a simulated restart. */
  readonly disk: MemorySnapshotDisk;
  private readonly retain: number;
  private closed = false;

  /** @throws InvalidConfigError for a bad `retain`. */
  constructor(options: MemorySnapshotOptions = {}) {
    this.retain = resolveRetain(options.retain);
    this.disk = options.disk ?? new MemorySnapshotDisk();
  }

  async save(meta: SnapshotMeta, data: Uint8Array): Promise<void> {
    this.assertOpen();
    checkSnapshot(meta, data);
    // A msgpack round trip both copies the metadata and applies the file store's encodability rule.
    const copy = { meta: unpack(encodeSnapshotMeta(meta)) as SnapshotMeta, data: data.slice() };
    const list = this.disk.snapshots;
    const same = list.findIndex((s) => compareSnapshots(s.meta, meta) === 0);
    if (same >= 0) list.splice(same, 1);
    list.push(copy);
    list.sort((a, b) => compareSnapshots(a.meta, b.meta));
    list.splice(0, Math.max(0, list.length - this.retain));
  }

  async loadLatest(): Promise<StoredSnapshot | undefined> {
    this.assertOpen();
    const latest = this.disk.snapshots[this.disk.snapshots.length - 1];
    return latest && { meta: structuredClone(latest.meta), data: latest.data.slice() };
  }

  async list(): Promise<SnapshotMeta[]> {
    this.assertOpen();
    return this.disk.snapshots.map((s) => structuredClone(s.meta)).reverse();
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  private assertOpen(): void {
    if (this.closed) throw new ClosedError("snapshot store");
  }
}
