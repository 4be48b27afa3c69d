/**
 * Errors specific to the Raft core.
 *
 * @module
 */
import { DiscoError } from "../util/errors.js";

/**
 * A membership change was proposed while another is still uncommitted, or before the new leader has
 * committed an entry of its own term (thesis §4.1 and its 2015 erratum). Retry once the pending one commits.
 * Carries code `CAS_CONFLICT`: like a lost compare-and-set, the caller retries against the newer state.
 */
export class ConfChangePendingError extends DiscoError {
  constructor(message: string) {
    super("CAS_CONFLICT", message);
  }
}

/**
 * A Raft invariant was broken (two leaders in one term, a commit index moving backwards, …). This
 * is a bug or corrupt state, never an operating condition: the core must not continue.
 */
export class RaftInvariantError extends DiscoError {
  constructor(message: string) {
    super("PROTOCOL", `raft invariant broken: ${message}`);
  }
}

/** Throws {@link RaftInvariantError} when `condition` is false. */
export function invariant(condition: unknown, message: string): asserts condition {
  if (!condition) throw new RaftInvariantError(message);
}
