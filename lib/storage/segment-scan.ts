/**
 * Reading one segment file's bytes back into records, and telling a torn
 * tail (an interrupted write: safe to cut away) from corruption (a bad record
 * with good ones after it: never silently dropped).
 *
 * @module
 */
import { decodeFrameAt, decodeRecordPayload, readU64 } from "./codec.js";
import { FRAME_HEADER_BYTES, RECORD_FIXED_BYTES, RECORD_PAYLOAD_BYTES_MAX } from "./limits.js";
import type { LogRecord } from "./types.js";

/** Where a segment stops making sense. */
export interface SegmentDamage {
  /** Byte offset of the first bad record. */
  offset: number;
  /** What is wrong there. */
  reason: string;
  /** True when a well-formed later record was found after it: corruption, not a torn write. */
  goodRecordsFollow: boolean;
}

/** The readable prefix of a segment. */
export interface SegmentScan {
  /** Records in order, indexes `base, base + 1, …`; their data points into the scanned buffer. */
  records: LogRecord[];
  /** End offset of each record's frame. */
  ends: number[];
  /** Bytes of well-formed records from the start. */
  validBytes: number;
  /** Present when bytes after `validBytes` do not form the next record. */
  damage?: SegmentDamage;
}

/** Smallest possible record frame: header and fixed payload, no data. */
const FRAME_BYTES_MIN = FRAME_HEADER_BYTES + RECORD_FIXED_BYTES;

/**
 * Scans a segment whose first record must have index `base`.
 * Never throws: damage is reported for the caller to judge.
 */
export function scanSegment(buf: Uint8Array, base: number): SegmentScan {
  const records: LogRecord[] = [];
  const ends: number[] = [];
  let offset = 0;
  while (offset < buf.byteLength) {
    const expected = base + records.length;
    const read = readRecordAt(buf, offset, expected);
    if ("reason" in read) {
      const goodRecordsFollow = goodRecordAfter(buf, offset, expected);
      return { records, ends, validBytes: offset, damage: { offset, reason: read.reason, goodRecordsFollow } };
    }
    records.push(read.record);
    ends.push(read.next);
    offset = read.next;
  }
  return { records, ends, validBytes: offset };
}

/** The record at `offset` if it is well formed and is number `expected`. */
function readRecordAt(buf: Uint8Array, offset: number, expected: number): { record: LogRecord; next: number } | { reason: string } {
  const frame = decodeFrameAt(buf, offset, RECORD_PAYLOAD_BYTES_MAX);
  if (!frame.ok) return { reason: frame.reason };
  const record = decodeRecordPayload(frame.payload);
  if (!record) return { reason: "malformed record payload" };
  if (record.index !== expected) return { reason: `index ${record.index} where ${expected} was due` };
  return { record, next: frame.next };
}

/**
 * Whether any byte position after `offset` starts a well-formed record that
 * could belong to this log (index in the range still possible). A torn write
 * leaves nothing valid behind it; a flipped bit in the middle does. (A record
 * whose data embeds a byte-exact frame of this log, CRC and plausible index
 * included, could make a torn tail look like corruption: then the open is
 * refused rather than anything dropped, the safe side to err on.)
 */
function goodRecordAfter(buf: Uint8Array, offset: number, expected: number): boolean {
  // A record after a bad one at `offset` is at least one minimal frame further on.
  const indexMax = expected + Math.floor((buf.byteLength - offset) / FRAME_BYTES_MIN);
  for (let at = offset + 1; at + FRAME_BYTES_MIN <= buf.byteLength; at++) {
    // Cheap filter before the CRC: the index field must be plausible.
    const index = readU64(buf, at + FRAME_HEADER_BYTES);
    if (index === undefined || index < expected || index > indexMax) continue;
    const frame = decodeFrameAt(buf, at, RECORD_PAYLOAD_BYTES_MAX);
    if (frame.ok && decodeRecordPayload(frame.payload)) return true;
  }
  return false;
}
