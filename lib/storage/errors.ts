/**
 * Storage's own error: a write to disk failed part-way.
 *
 * @module
 */
import { DiscoError } from "../util/errors.js";

/**
 * A disk operation (write, fsync, truncate, rename, unlink) failed, so the
 * store no longer knows what is durable and refuses every further call.
 * Close and reopen the store to recover: reopening keeps exactly what reached
 * the disk. Uses the `STORAGE_CORRUPT` code because callers must treat the
 * in-memory state as untrustworthy, as for corruption; `cause` is the I/O error.
 */
export class StorageFailedError extends DiscoError {
  constructor(what: string, options?: { cause?: unknown }) {
    super("STORAGE_CORRUPT", `${what} failed; the store must be reopened`, options);
  }
}
