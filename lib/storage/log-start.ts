/**
 * The durable start of a compacted log. Compaction first records the new
 * start here (atomically), then deletes whole segments; a crash in between
 * leaves segments that recovery knows to ignore and remove.
 *
 * @module
 */
import { join } from "node:path";
import { pack, unpack } from "msgpackr";
import { encodeFrame } from "./codec.js";
import { corrupt, readFrames, writeFileAtomic, type AtomicWriteOptions } from "./atomic-file.js";
import type { FsOps } from "./fs-ops.js";
import { LOG_START_FILE } from "./segment-files.js";

/** Largest encoded start record; it holds one number. */
const LOG_START_BYTES_MAX = 256;

/** Reads the recorded start, or undefined when the log was never compacted. */
export async function readLogStart(ops: FsOps, dir: string): Promise<number | undefined> {
  const path = join(dir, LOG_START_FILE);
  let buf: Uint8Array;
  try {
    buf = await ops.readFile(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
  const [payload] = readFrames(buf, [LOG_START_BYTES_MAX], path);
  let decoded: unknown;
  try {
    decoded = unpack(payload!);
  } catch (err) {
    throw corrupt(path, 8, "undecodable log start", err);
  }
  const start = (decoded as { start?: unknown } | null)?.start;
  if (typeof start !== "number" || !Number.isSafeInteger(start) || start < 1) throw corrupt(path, 8, "invalid log start");
  return start;
}

/** Records `start` as the log's first index, atomically. */
export async function writeLogStart(dir: string, start: number, options: AtomicWriteOptions): Promise<void> {
  await writeFileAtomic(dir, LOG_START_FILE, [encodeFrame(pack({ start }))], options);
}
