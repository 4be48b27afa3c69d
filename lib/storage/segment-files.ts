/**
 * Names of the log's files. A segment is named by the index of its first
 * record, zero-padded to 20 digits so that names sort as numbers do
 * (`00000000000000000001.wal`). `log.start` records where the log begins after
 * compaction.
 *
 * @module
 */

/** Suffix of a segment file. */
export const SEGMENT_SUFFIX = ".wal";

/** Name of the file holding the log's first index after compaction. */
export const LOG_START_FILE = "log.start";

/** Digits of an index in a file name: enough for any safe integer, so names sort as numbers. */
export const INDEX_NAME_DIGITS = 20;

const SEGMENT_NAME = /^(\d{20})\.wal$/;

/** The file name of the segment whose first record is `base`. */
export function segmentName(base: number): string {
  return String(base).padStart(INDEX_NAME_DIGITS, "0") + SEGMENT_SUFFIX;
}

/** The first index encoded in a segment file name, or undefined for any other name. */
export function parseSegmentName(name: string): number | undefined {
  const m = SEGMENT_NAME.exec(name);
  if (!m) return undefined;
  const base = Number(m[1]);
  return Number.isSafeInteger(base) && base >= 1 ? base : undefined;
}

/** One segment as the writer tracks it. */
export interface SegmentInfo {
  /** Index of its first record (also its name). */
  base: number;
  /** Full path. */
  path: string;
  /** Bytes of well-formed records in the file. */
  bytes: number;
  /** End offset of each record's frame; record `base + k` ends at `ends[k]`. */
  ends: number[];
}

/** Index of a segment's last record; `base - 1` when it holds none. */
export function segmentLast(segment: SegmentInfo): number {
  return segment.base + segment.ends.length - 1;
}
