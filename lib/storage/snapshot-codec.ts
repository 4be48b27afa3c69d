/**
 * Snapshot files: `<index>-<term>.snap` (each zero-padded to 20 digits, so
 * names sort newest last), holding two frames: the msgpack of the metadata,
 * then the data.
 *
 * @module
 */
import { pack, unpack } from "msgpackr";
import { InvalidArgumentError, ValueTooLargeError } from "../util/errors.js";
import { corrupt, readFrames } from "./atomic-file.js";
import { frameHeader, plainView } from "./codec.js";
import { FRAME_HEADER_BYTES, SNAPSHOT_DATA_BYTES_MAX, SNAPSHOT_META_BYTES_MAX } from "./limits.js";
import { INDEX_NAME_DIGITS } from "./segment-files.js";
import type { SnapshotMeta, StoredSnapshot } from "./types.js";

/** Suffix of a snapshot file. */
export const SNAPSHOT_SUFFIX = ".snap";

const SNAPSHOT_NAME = /^(\d{20})-(\d{20})\.snap$/;

/** File name of the snapshot at `index` taken in `term`. */
export function snapshotName(index: number, term: number): string {
  const pad = (n: number): string => String(n).padStart(INDEX_NAME_DIGITS, "0");
  return `${pad(index)}-${pad(term)}${SNAPSHOT_SUFFIX}`;
}

/** Index and term named by a snapshot file, or undefined for other names. */
export function parseSnapshotName(name: string): { index: number; term: number } | undefined {
  const m = SNAPSHOT_NAME.exec(name);
  if (!m) return undefined;
  const index = Number(m[1]), term = Number(m[2]);
  return Number.isSafeInteger(index) && Number.isSafeInteger(term) ? { index, term } : undefined;
}

/**
 * The encoded metadata, checked for encodability and size.
 * @throws InvalidArgumentError when msgpackr cannot encode it; ValueTooLargeError past `SNAPSHOT_META_BYTES_MAX`.
 */
export function encodeSnapshotMeta(meta: SnapshotMeta): Buffer {
  let bytes: Buffer;
  try {
    bytes = pack(meta);
  } catch (err) {
    throw new InvalidArgumentError("meta", "must be encodable by msgpackr", { cause: err });
  }
  if (bytes.byteLength > SNAPSHOT_META_BYTES_MAX) throw new ValueTooLargeError("snapshot meta", bytes.byteLength, SNAPSHOT_META_BYTES_MAX);
  return bytes;
}

/** The chunks of a snapshot file: meta frame, then data header and data (not copied). */
export function snapshotChunks(metaBytes: Buffer, data: Uint8Array): Uint8Array[] {
  return [frameHeader(metaBytes), metaBytes, frameHeader(data), data];
}

/**
 * Decodes a metadata frame's payload and checks it names `expected`.
 * @throws StorageCorruptError
 */
export function decodeSnapshotMeta(payload: Uint8Array, path: string, expected?: { index: number; term: number }): SnapshotMeta {
  let value: unknown;
  try {
    value = unpack(payload);
  } catch (err) {
    throw corrupt(path, FRAME_HEADER_BYTES, "undecodable snapshot metadata", err);
  }
  const meta = value as SnapshotMeta | null;
  if (typeof meta !== "object" || meta === null || !Number.isSafeInteger(meta.index) || !Number.isSafeInteger(meta.term)) {
    throw corrupt(path, FRAME_HEADER_BYTES, "snapshot metadata lacks index or term");
  }
  if (expected && (meta.index !== expected.index || meta.term !== expected.term)) {
    throw corrupt(path, FRAME_HEADER_BYTES, `metadata says ${meta.index}/${meta.term}, the name ${expected.index}/${expected.term}`);
  }
  return meta;
}

/**
 * Decodes a whole snapshot file.
 * @throws StorageCorruptError naming the file and the offset of the fault.
 */
export function decodeSnapshot(buf: Uint8Array, path: string, expected?: { index: number; term: number }): StoredSnapshot {
  const [metaPayload, data] = readFrames(buf, [SNAPSHOT_META_BYTES_MAX, SNAPSHOT_DATA_BYTES_MAX], path);
  return { meta: decodeSnapshotMeta(metaPayload!, path, expected), data: plainView(data!, 0, data!.byteLength) };
}

/** Orders snapshots oldest first: by index, then term. */
export function compareSnapshots(a: { index: number; term: number }, b: { index: number; term: number }): number {
  return a.index - b.index || a.term - b.term;
}
