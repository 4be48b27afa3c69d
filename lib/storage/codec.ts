/**
 * Byte layouts. Every stored unit is a frame: `[u32 length][u32 crc32][payload]`
 * (big-endian; the CRC is zlib's CRC-32 of the payload). A log record's
 * payload is `[u64 index][u64 term][data]`.
 *
 * Decoders never throw on bad bytes: they say what is wrong and where, and the
 * caller decides whether that is a torn tail or corruption.
 *
 * @module
 */
import { crc32 } from "node:zlib";
import { FRAME_HEADER_BYTES, RECORD_FIXED_BYTES, RECORD_PAYLOAD_BYTES_MAX } from "./limits.js";
import type { LogRecord } from "./types.js";

const U32 = 2 ** 32;

/** Bytes a record occupies on disk. */
export function recordFrameBytes(dataBytes: number): number {
  return FRAME_HEADER_BYTES + RECORD_FIXED_BYTES + dataBytes;
}

/** Wraps a payload in a frame. */
export function encodeFrame(payload: Uint8Array): Buffer {
  return Buffer.concat([frameHeader(payload), payload]);
}

/** The header of a frame around `payload`, for writing a large payload without copying it. */
export function frameHeader(payload: Uint8Array): Buffer {
  const header = Buffer.allocUnsafe(FRAME_HEADER_BYTES);
  header.writeUInt32BE(payload.byteLength, 0);
  header.writeUInt32BE(crc32(payload), 4);
  return header;
}

/**
 * Encodes records back to back into one buffer. Returns the buffer, the
 * end offset of each record's frame, and the records re-pointed at their data
 * inside the buffer (so the caller keeps one copy, immune to later changes of
 * the caller's arrays).
 */
export function encodeRecords(records: readonly LogRecord[]): { bytes: Buffer; ends: number[]; stored: LogRecord[] } {
  let total = 0;
  for (const r of records) total += recordFrameBytes(r.data.byteLength);
  const bytes = Buffer.allocUnsafe(total);
  const ends: number[] = [];
  const stored: LogRecord[] = [];
  let at = 0;
  for (const r of records) {
    const payloadAt = at + FRAME_HEADER_BYTES;
    const dataAt = payloadAt + RECORD_FIXED_BYTES;
    const end = dataAt + r.data.byteLength;
    writeU64(bytes, payloadAt, r.index);
    writeU64(bytes, payloadAt + 8, r.term);
    bytes.set(r.data, dataAt);
    bytes.writeUInt32BE(end - payloadAt, at);
    bytes.writeUInt32BE(crc32(bytes.subarray(payloadAt, end)), at + 4);
    stored.push({ index: r.index, term: r.term, data: plainView(bytes, dataAt, end) });
    ends.push(end);
    at = end;
  }
  return { bytes, ends, stored };
}

/** What {@link decodeFrameAt} found at an offset. */
export type FrameResult =
  | { ok: true; payload: Uint8Array; next: number }
  | { ok: false; torn: boolean; reason: string };

/**
 * Reads the frame at `offset`. `torn` is true when the bytes simply stop
 * (a partial header or payload): the signature of an interrupted write.
 * @param payloadBytesMax - a longer declared length is corruption.
 */
export function decodeFrameAt(buf: Uint8Array, offset: number, payloadBytesMax: number): FrameResult {
  const view = asBuffer(buf);
  if (buf.byteLength - offset < FRAME_HEADER_BYTES) return { ok: false, torn: true, reason: "partial frame header" };
  const length = view.readUInt32BE(offset);
  if (length > payloadBytesMax) return { ok: false, torn: false, reason: `frame length ${length} over the limit ${payloadBytesMax}` };
  const start = offset + FRAME_HEADER_BYTES;
  if (start + length > buf.byteLength) return { ok: false, torn: true, reason: "partial payload" };
  const payload = buf.subarray(start, start + length);
  if (crc32(payload) !== view.readUInt32BE(offset + 4)) return { ok: false, torn: false, reason: "CRC mismatch" };
  return { ok: true, payload, next: start + length };
}

/** Decodes a record payload; undefined when it is too short or its numbers are out of range. */
export function decodeRecordPayload(payload: Uint8Array): LogRecord | undefined {
  if (payload.byteLength < RECORD_FIXED_BYTES || payload.byteLength > RECORD_PAYLOAD_BYTES_MAX) return undefined;
  const index = readU64(payload, 0);
  const term = readU64(payload, 8);
  if (index === undefined || term === undefined || index < 1) return undefined;
  return { index, term, data: plainView(payload, RECORD_FIXED_BYTES, payload.byteLength) };
}

/** Writes a safe integer as u64 big-endian. */
export function writeU64(buf: Buffer, offset: number, value: number): void {
  buf.writeUInt32BE(Math.floor(value / U32), offset);
  buf.writeUInt32BE(value % U32, offset + 4);
}

/** Reads a u64 big-endian; undefined when it is beyond `Number.MAX_SAFE_INTEGER`. */
export function readU64(buf: Uint8Array, offset: number): number | undefined {
  const view = asBuffer(buf);
  const value = view.readUInt32BE(offset) * U32 + view.readUInt32BE(offset + 4);
  return Number.isSafeInteger(value) ? value : undefined;
}

/** A Buffer over the same bytes (no copy), for its big-endian readers. */
function asBuffer(buf: Uint8Array): Buffer {
  return Buffer.isBuffer(buf) ? buf : Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
}

/**
 * A plain Uint8Array over `buf[start, end)` (no copy). Stores hand out plain
 * arrays, not Buffers, so the file stores and their memory twins return the
 * same type.
 */
export function plainView(buf: Uint8Array, start: number, end: number): Uint8Array {
  return new Uint8Array(buf.buffer, buf.byteOffset + start, end - start);
}
