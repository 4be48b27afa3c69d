/**
 * Argument checks shared by the file stores and their memory twins, so both
 * refuse exactly the same input with the same typed errors, before anything
 * is applied.
 *
 * @module
 */
import { InvalidArgumentError, InvalidConfigError, ValueTooLargeError } from "../util/errors.js";
import {
  RECORD_DATA_BYTES_MAX,
  SNAPSHOT_DATA_BYTES_MAX,
  SNAPSHOT_RETAIN_DEFAULT,
  SNAPSHOT_RETAIN_MAX,
  VOTE_LENGTH_MAX,
} from "./limits.js";
import type { HardState, LogRecord, SnapshotMeta } from "./types.js";

/** Throws unless `value` is a safe integer ≥ `min`. */
export function checkInteger(value: unknown, field: string, min: number): asserts value is number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < min) {
    throw new InvalidArgumentError(field, `must be an integer ≥ ${min}, got ${String(value)}`);
  }
}

/**
 * Checks a batch for {@link LogStore.append}: well-formed records, indexes
 * contiguous from `expectedFirst`, each within the size limit.
 */
export function checkAppend(records: readonly LogRecord[], expectedFirst: number): void {
  if (!Array.isArray(records)) throw new InvalidArgumentError("records", "must be an array");
  records.forEach((r, i) => {
    const field = `records[${i}]`;
    if (typeof r !== "object" || r === null) throw new InvalidArgumentError(field, "must be a record");
    checkInteger(r.index, `${field}.index`, 1);
    checkInteger(r.term, `${field}.term`, 0);
    if (!(r.data instanceof Uint8Array)) throw new InvalidArgumentError(`${field}.data`, "must be a Uint8Array");
    if (r.data.byteLength > RECORD_DATA_BYTES_MAX) {
      throw new ValueTooLargeError(`${field}.data`, r.data.byteLength, RECORD_DATA_BYTES_MAX);
    }
    if (r.index !== expectedFirst + i) {
      const why = i === 0 ? "lastIndex + 1" : "contiguous with the previous record";
      throw new InvalidArgumentError(`${field}.index`, `must be ${expectedFirst + i} (${why}), got ${r.index}`);
    }
  });
}

/** Checks a {@link HardState} before it is saved. */
export function checkHardState(state: HardState): void {
  if (typeof state !== "object" || state === null) throw new InvalidArgumentError("state", "must be an object");
  checkInteger(state.term, "state.term", 0);
  checkInteger(state.commit, "state.commit", 0);
  if (typeof state.vote !== "string" || state.vote.length > VOTE_LENGTH_MAX) {
    throw new InvalidArgumentError("state.vote", `must be a string of at most ${VOTE_LENGTH_MAX} characters`);
  }
}

/** Checks a snapshot's metadata and data before it is saved. */
export function checkSnapshot(meta: SnapshotMeta, data: Uint8Array): void {
  if (typeof meta !== "object" || meta === null) throw new InvalidArgumentError("meta", "must be an object");
  checkInteger(meta.index, "meta.index", 0);
  checkInteger(meta.term, "meta.term", 0);
  if (meta.createdAtMs !== undefined && !Number.isFinite(meta.createdAtMs)) {
    throw new InvalidArgumentError("meta.createdAtMs", "must be a finite number when given");
  }
  if (!(data instanceof Uint8Array)) throw new InvalidArgumentError("data", "must be a Uint8Array");
  if (data.byteLength > SNAPSHOT_DATA_BYTES_MAX) {
    throw new ValueTooLargeError("snapshot data", data.byteLength, SNAPSHOT_DATA_BYTES_MAX);
  }
}

/** Resolves the snapshot stores' `retain` option (default {@link SNAPSHOT_RETAIN_DEFAULT}). */
export function resolveRetain(retain: number | undefined): number {
  const value = retain ?? SNAPSHOT_RETAIN_DEFAULT;
  if (!Number.isSafeInteger(value) || value < 1 || value > SNAPSHOT_RETAIN_MAX) {
    throw new InvalidConfigError("retain", `must be an integer from 1 to ${SNAPSHOT_RETAIN_MAX}`);
  }
  return value;
}
