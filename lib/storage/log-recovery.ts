/**
 * Opening a log directory: read every segment, refuse anything amiss except
 * a torn tail of the last one, then (only once everything checks out) cut
 * that tail away and finish a compaction that a crash interrupted.
 *
 * @module
 */
import { join } from "node:path";
import { corrupt, removeTempFiles } from "./atomic-file.js";
import type { FsOps } from "./fs-ops.js";
import { readLogStart } from "./log-start.js";
import { LOG_START_FILE, parseSegmentName, segmentLast, segmentName, type SegmentInfo } from "./segment-files.js";
import { scanSegment, type SegmentDamage } from "./segment-scan.js";
import type { LogRecord, StorageWarningHandler } from "./types.js";

/** What recovery hands the log. */
export interface RecoveredLog {
  /** First index of the log (the next append's index when it is empty). */
  start: number;
  /** Segments kept, oldest first. */
  segments: SegmentInfo[];
  /** Records `start..`, contiguous. */
  records: LogRecord[];
}

/** How recovery may touch the disk. */
export interface RecoveryOptions {
  ops: FsOps;
  fsync: boolean;
  onWarning: StorageWarningHandler;
  onSync: () => void;
}

interface Loaded {
  info: SegmentInfo;
  records: LogRecord[];
  fileBytes: number;
  damage: SegmentDamage | undefined;
}

/**
 * Recovers the log in `dir`. Nothing on disk changes unless the whole log
 * passes its checks.
 * @throws StorageCorruptError naming the file and offset when a record before
 *   the tail is bad, a non-last segment is damaged, or a segment is missing.
 */
export async function recoverLog(dir: string, options: RecoveryOptions): Promise<RecoveredLog> {
  const { ops } = options;
  const start = (await readLogStart(ops, dir)) ?? 1;
  const bases = (await ops.readdir(dir))
    .map(parseSegmentName)
    .filter((b): b is number => b !== undefined)
    .sort((a, b) => a - b);

  const loaded: Loaded[] = [];
  for (let k = 0; k < bases.length; k++) {
    const segment = await loadSegment(dir, bases[k]!, k === bases.length - 1, options.ops);
    const previous = loaded[loaded.length - 1]?.info;
    if (previous && segment.info.base !== segmentLast(previous) + 1) {
      throw corrupt(segment.info.path, 0, `segment starts at index ${segment.info.base} but the one before ends at ${segmentLast(previous)}: a segment is missing`);
    }
    loaded.push(segment);
  }
  // Segments wholly before the start are left over from an interrupted compaction.
  const stale = (s: SegmentInfo): boolean => s.base < start && segmentLast(s) < start;
  const kept = loaded.filter((l) => !stale(l.info));
  const first = kept[0]?.info;
  if (first && first.base > start) {
    throw corrupt(first.path, 0, `the log starts at index ${start} but its first segment at ${first.base}: a segment is missing`);
  }

  await removeTempFiles(ops, dir, (name) => name === LOG_START_FILE);
  const tail = loaded[loaded.length - 1];
  if (tail?.damage) await cutTornTail(tail, options);
  await removeStale(dir, loaded.filter((l) => stale(l.info)).map((l) => l.info), options);
  const records = kept.flatMap((l) => l.records.filter((r) => r.index >= start));
  return { start, segments: kept.map((l) => l.info), records };
}

/** Reads and checks one segment; only a torn tail of the last segment is let through (as `damage`). */
async function loadSegment(dir: string, base: number, isLast: boolean, ops: FsOps): Promise<Loaded> {
  const path = join(dir, segmentName(base));
  const buf = await ops.readFile(path);
  const scan = scanSegment(buf, base);
  if (scan.damage) {
    const { offset, reason, goodRecordsFollow } = scan.damage;
    if (!isLast) throw corrupt(path, offset, `${reason} (in a segment that is not the last)`);
    if (goodRecordsFollow) throw corrupt(path, offset, `${reason}, with well-formed records after it`);
  }
  return {
    info: { base, path, bytes: scan.validBytes, ends: scan.ends },
    records: scan.records,
    fileBytes: buf.byteLength,
    damage: scan.damage,
  };
}

/** Cuts an interrupted write off the last segment: those bytes were never acknowledged. */
async function cutTornTail(tail: Loaded, options: RecoveryOptions): Promise<void> {
  const { path, bytes } = tail.info;
  const file = await options.ops.open(path, "r+");
  try {
    await file.truncate(bytes);
    if (options.fsync) {
      await file.sync();
      options.onSync();
    }
  } finally {
    await file.close();
  }
  options.onWarning(`log: cut a torn tail of ${tail.fileBytes - bytes} bytes from ${path} at offset ${bytes} (${tail.damage?.reason})`);
}

/** Deletes segments an interrupted compaction left behind. */
async function removeStale(dir: string, stale: SegmentInfo[], options: RecoveryOptions): Promise<void> {
  for (const s of stale) await options.ops.unlink(s.path);
  if (stale.length > 0 && options.fsync) {
    await options.ops.syncDir(dir);
    options.onSync();
  }
}
