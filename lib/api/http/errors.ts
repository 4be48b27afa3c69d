/**
 * HTTP errors: a status code and a plain-text reason, as Consul answers.
 *
 * @module
 */
import { DiscoError } from "../../util/errors.js";

/** An error that becomes an HTTP response with this status and plain-text body. */
export class HttpError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
    this.name = "HttpError";
  }
}

/** Maps any thrown value to a status and reason. */
export function toHttpError(err: unknown): HttpError {
  if (err instanceof HttpError) return err;
  if (err instanceof DiscoError) {
    switch (err.code) {
      case "INVALID_ARGUMENT":
      case "INVALID_CONFIG":
      case "CONSENSUS_REQUIRED":
        return new HttpError(400, err.message);
      case "VALUE_TOO_LARGE":
        return new HttpError(413, err.message);
      case "NOT_FOUND":
        return new HttpError(404, err.message);
      case "SESSION_INVALID":
        return new HttpError(500, err.message);
      case "NOT_SUPPORTED":
        return new HttpError(501, err.message);
      case "CLOSED":
        return new HttpError(503, err.message);
      case "NO_LEADER":
        return new HttpError(500, "No cluster leader");
      case "NO_PATH_TO_DC":
        return new HttpError(500, "No path to datacenter");
      default:
        return new HttpError(500, err.message);
    }
  }
  return new HttpError(500, err instanceof Error ? err.message : String(err));
}
