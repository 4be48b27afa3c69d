/**
 * Test helpers for storage: temp directories, records with recognisable
 * data, and an fs-ops wrapper that counts calls and injects faults.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { nodeFsOps, type FsOps, type StorageFile } from "../../lib/storage/fs-ops.js";
import type { LogRecord } from "../../lib/storage/types.js";

/** The subset of a tap test these helpers need. */
interface Teardown {
  teardown(fn: () => unknown): void;
}

/** A fresh temp directory, removed when the test ends. */
export async function tempDir(t: Teardown): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "disco-storage-"));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** Data derived from the index, so a record read back can be checked without keeping a copy. */
export function dataFor(index: number, bytes = 16): Uint8Array {
  const out = new Uint8Array(bytes);
  for (let i = 0; i < bytes; i++) out[i] = (index * 31 + i * 7) & 0xff;
  return out;
}

/** Records `from..to` in `term`, with {@link dataFor} data. */
export function records(from: number, to: number, term = 1, bytes = 16): LogRecord[] {
  const out: LogRecord[] = [];
  for (let i = from; i <= to; i++) out.push({ index: i, term, data: dataFor(i, bytes) });
  return out;
}

/** Counts of calls made through {@link CountingFs}. */
export interface FsCounts {
  fileSyncs: number;
  dirSyncs: number;
  writes: number;
}

/**
 * Wraps the real fs ops, counting syncs and writes; `failNext` makes the
 * next call of that kind throw an EIO.
 */
export class CountingFs {
  readonly counts: FsCounts = { fileSyncs: 0, dirSyncs: 0, writes: 0 };
  failNext: "write" | "sync" | "rename" | "truncate" | undefined;
  readonly ops: FsOps;

  constructor() {
    const fail = (kind: NonNullable<CountingFs["failNext"]>): void => {
      if (this.failNext !== kind) return;
      this.failNext = undefined;
      throw Object.assign(new Error(`injected ${kind} failure`), { code: "EIO" });
    };
    this.ops = {
      ...nodeFsOps,
      open: async (path, flags) => {
        const file = await nodeFsOps.open(path, flags);
        const wrapped: StorageFile = {
          write: async (bytes, position) => {
            fail("write");
            this.counts.writes++;
            await file.write(bytes, position);
          },
          read: (length, position) => file.read(length, position),
          sync: async () => {
            fail("sync");
            this.counts.fileSyncs++;
            await file.sync();
          },
          truncate: async (length) => {
            fail("truncate");
            await file.truncate(length);
          },
          close: () => file.close(),
        };
        return wrapped;
      },
      rename: async (from, to) => {
        fail("rename");
        await nodeFsOps.rename(from, to);
      },
      syncDir: async (dir) => {
        this.counts.dirSyncs++;
        await nodeFsOps.syncDir(dir);
      },
    };
  }
}
