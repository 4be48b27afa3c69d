/**
 * Errors specific to health checks.
 *
 * @module
 */
import { DiscoError } from "../util/errors.js";

/**
 * `update()` (pass/warn/fail) was called on a check that is not a TTL check:
 * HTTP, TCP and function checks set their own status. Code `NOT_SUPPORTED`,
 * as Consul refuses to update a non-TTL check.
 */
export class NotTtlCheckError extends DiscoError {
  /** The check that was updated. */
  readonly checkId: string;
  constructor(checkId: string, kind: string) {
    super("NOT_SUPPORTED", `check "${checkId}" is a ${kind} check; only TTL checks take status updates`);
    this.checkId = checkId;
  }
}
