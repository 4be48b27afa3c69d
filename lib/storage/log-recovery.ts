/**
 * Opening a log directory: read every segment, cut away a torn tail of the
 * last one, refuse anything else that is wrong, and finish a compaction that
 * a crash interrupted.
 *
 * @module
 */
import { join } from "node:path";
import { corrupt, removeTempFiles } from "./atomic-file.js";
import type { FsOps } from "./fs-ops.js";
import { readLogStart } from "./log-start.js";
import { LOG_START_FILE, parseSegmentName, segmentLast, segmentName, type SegmentInfo } from "./segment-files.js";
import { scanSegment } from "./segment-scan.js";
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

/**
 * Recovers the log in `dir`.
 * @throws StorageCorruptError naming the file and offset when a record before
 *   the tail is bad, a non-last segment is damaged, or a segment is missing.
 */
export async function recoverLog(dir: string, options: RecoveryOptions): Promise<RecoveredLog> {
  const { ops } = options;
  await removeTempFiles(ops, dir, (name) => name === LOG_START_FILE);
  const start = (await readLogStart(ops, dir)) ?? 1;
  const bases = (await ops.readdir(dir))
    .map(parseSegmentName)
    .filter((b): b is number => b !== undefined)
    .sort((a, b) => a - b);

  const segments: SegmentInfo[] = [];
  const records: LogRecord[] = [];
  for (let k = 0; k < bases.length; k++) {
    const segment = await loadSegment(dir, bases[k]!, k === bases.length - 1, options);
    const previous = segments[segments.length - 1];
    if (previous && segment.info.base !== segmentLast(previous) + 1) {
      throw corrupt(segment.info.path, 0, `segment starts at index ${segment.info.base} but the one before ends at ${segmentLast(previous)}: a segment is missing`);
    }
    segments.push(segment.info);
    for (const r of segment.records) if (r.index >= start) records.push(r);
  }
  return { start, segments: await dropCompacted(dir, segments, start, options), records };
}

/** Reads and checks one segment; cuts a torn tail when it is the last one. */
async function loadSegment(
  dir: string,
  base: number,
  isLast: boolean,
  options: RecoveryOptions,
): Promise<{ info: SegmentInfo; records: LogRecord[] }> {
  const path = join(dir, segmentName(base));
  const buf = await options.ops.readFile(path);
  const scan = scanSegment(buf, base);
  const info: SegmentInfo = { base, path, bytes: scan.validBytes, ends: scan.ends };
  if (scan.damage) {
    const { offset, reason, goodRecordsFollow } = scan.damage;
    if (!isLast) throw corrupt(path, offset, `${reason} (in a segment that is not the last)`);
    if (goodRecordsFollow) throw corrupt(path, offset, `${reason}, with well-formed records after it`);
    // An interrupted write: those bytes were never acknowledged.
    const file = await options.ops.open(path, "r+");
    try {
      await file.truncate(scan.validBytes);
      if (options.fsync) {
        await file.sync();
        options.onSync();
      }
    } finally {
      await file.close();
    }
    options.onWarning(`log: cut a torn tail of ${buf.byteLength - offset} bytes from ${path} at offset ${offset} (${reason})`);
  }
  return { info, records: scan.records };
}

/**
 * Deletes segments wholly before `start` (a compaction the crash cut short)
 * and checks that what remains begins no later than `start`.
 */
async function dropCompacted(dir: string, segments: SegmentInfo[], start: number, options: RecoveryOptions): Promise<SegmentInfo[]> {
  const wholly = (s: SegmentInfo): boolean => s.base < start && segmentLast(s) < start;
  const kept = segments.filter((s) => !wholly(s));
  const dropped = segments.filter(wholly);
  for (const s of dropped) await options.ops.unlink(s.path);
  if (dropped.length > 0 && options.fsync) {
    await options.ops.syncDir(dir);
    options.onSync();
  }
  const first = kept[0];
  if (first && first.base > start) {
    throw corrupt(first.path, 0, `the log starts at index ${start} but its first segment at ${first.base}: a segment is missing`);
  }
  return kept;
}
