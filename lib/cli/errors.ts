/**
 * The CLI's errors. Each is a {@link DiscoError}, so the exit code follows
 * from the class: usage errors exit 2, everything else 1.
 *
 * @module
 */
import { DiscoError, type DiscoErrorCode } from "../util/errors.js";

/** The command line is wrong (unknown flag, missing argument, bad value). Exit code 2. */
export class UsageError extends DiscoError {
  constructor(message: string) {
    super("INVALID_ARGUMENT", message);
  }
}

/**
 * Nothing answered at the agent's HTTP address (refused, reset, unknown host,
 * timed out). Coded CLOSED: from the CLI's side the agent is not there.
 */
export class AgentUnreachableError extends DiscoError {
  /** The base URL that was tried. */
  readonly address: string;
  constructor(address: string, detail: string, options?: { cause?: unknown }) {
    super("CLOSED", `cannot reach the agent at ${address} (${detail}); is \`disco agent\` running? `
      + "Set -http-addr or DISCO_HTTP_ADDR", options);
    this.address = address;
  }
}

/** Maps an HTTP status to the closest library error code. */
function codeFor(status: number): DiscoErrorCode {
  if (status === 400) return "INVALID_ARGUMENT";
  if (status === 404) return "NOT_FOUND";
  if (status === 409) return "CAS_CONFLICT";
  if (status === 413) return "VALUE_TOO_LARGE";
  if (status === 501) return "NOT_SUPPORTED";
  if (status === 503) return "CLOSED";
  return "PROTOCOL";
}

/** The agent answered with an error status; `message` carries its reason. */
export class AgentResponseError extends DiscoError {
  /** The HTTP status. */
  readonly status: number;
  constructor(status: number, reason: string) {
    const text = reason.trim().split("\n")[0] ?? "";
    // A 501 body already reads "X is not supported yet": print it as is.
    super(codeFor(status), status === 501 && text ? text : `unexpected response code ${status}${text ? ` (${text})` : ""}`);
    this.status = status;
  }
}

/** A command or feature the CLI knows but cannot do yet; printed as "disco X: not supported yet (why)". */
export class NotSupportedYetError extends DiscoError {
  constructor(detail: string, options?: { cause?: unknown }) {
    super("NOT_SUPPORTED", `not supported yet (${detail})`, options);
  }
}

/**
 * The agent has no such endpoint (it answered "404 page not found"): the
 * feature is not built yet on the agent side.
 */
export class EndpointMissingError extends NotSupportedYetError {
  constructor(method: string, path: string) {
    super(`the agent has no ${method} ${path} endpoint`);
  }
}
