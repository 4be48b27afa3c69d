/**
 * Small files replaced atomically (hard state, log start, snapshots): write a
 * temp file, fsync it, rename it over the old one, fsync the directory. A
 * crash leaves the old file or the new one, never a mix; a leftover temp
 * file is ignored by readers and removed on the next open.
 *
 * @module
 */
import { join } from "node:path";
import { StorageCorruptError } from "../util/errors.js";
import { decodeFrameAt } from "./codec.js";
import type { FsOps } from "./fs-ops.js";

/** Suffix of a file being written; readers skip such names. */
export const TEMP_SUFFIX = ".tmp";

/** Options of {@link writeFileAtomic}. */
export interface AtomicWriteOptions {
  ops: FsOps;
  /** fsync the file and the directory; off only where durability does not matter (tests, benchmarks). */
  fsync: boolean;
  /** Counts fsyncs, for instrumentation. */
  onSync?: () => void;
}

/** Writes `chunks` as the new content of `dir/name`, atomically. */
export async function writeFileAtomic(dir: string, name: string, chunks: Uint8Array[], options: AtomicWriteOptions): Promise<void> {
  const { ops, fsync } = options;
  const temp = join(dir, name + TEMP_SUFFIX);
  const file = await ops.open(temp, "w");
  try {
    let at = 0;
    for (const chunk of chunks) {
      await file.write(chunk, at);
      at += chunk.byteLength;
    }
    if (fsync) {
      await file.sync();
      options.onSync?.();
    }
  } catch (err) {
    await file.close().catch(() => {});
    await ops.unlink(temp).catch(() => {});
    throw err;
  }
  await file.close();
  await ops.rename(temp, join(dir, name));
  if (fsync) {
    await ops.syncDir(dir);
    options.onSync?.();
  }
}

/**
 * Splits a file into exactly `limits.length` frames, the i-th at most
 * `limits[i]` bytes of payload, filling the file.
 * @throws StorageCorruptError naming the file and the offset of the first fault.
 */
export function readFrames(buf: Uint8Array, limits: readonly number[], path: string): Uint8Array[] {
  const payloads: Uint8Array[] = [];
  let offset = 0;
  for (const limit of limits) {
    const frame = decodeFrameAt(buf, offset, limit);
    if (!frame.ok) throw corrupt(path, offset, frame.reason);
    payloads.push(frame.payload);
    offset = frame.next;
  }
  if (offset !== buf.byteLength) throw corrupt(path, offset, `${buf.byteLength - offset} unexpected trailing bytes`);
  return payloads;
}

/** A {@link StorageCorruptError} that names the file and the byte offset. */
export function corrupt(path: string, offset: number, reason: string, cause?: unknown): StorageCorruptError {
  return new StorageCorruptError(`${path} at offset ${offset}: ${reason}`, cause === undefined ? undefined : { cause });
}

/** Removes leftover temp files in `dir` whose names pass `mine` (a crash mid-write leaves them). */
export async function removeTempFiles(ops: FsOps, dir: string, mine: (name: string) => boolean): Promise<void> {
  for (const name of await ops.readdir(dir)) {
    if (name.endsWith(TEMP_SUFFIX) && mine(name.slice(0, -TEMP_SUFFIX.length))) await ops.unlink(join(dir, name));
  }
}
