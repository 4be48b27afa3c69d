/**
 * Typed errors. Every error the library raises on purpose is a {@link DiscoError}
 * with a stable `code`, so callers can branch on `err.code` or `instanceof`
 * without parsing messages.
 *
 * @module
 */

/** Stable machine-readable error codes. */
export type DiscoErrorCode =
  | "INVALID_CONFIG"
  | "INVALID_ARGUMENT"
  | "NO_INSTANCES"
  | "CAS_CONFLICT"
  | "TIMEOUT"
  | "NOT_LEADER"
  | "NO_LEADER"
  | "NOT_FOUND"
  | "VALUE_TOO_LARGE"
  | "CONSENSUS_REQUIRED"
  | "NOT_SUPPORTED"
  | "CLOSED"
  | "ABORTED"
  | "MALFORMED_PACKET"
  | "PROTOCOL"
  | "STORAGE_CORRUPT"
  | "SESSION_INVALID"
  | "LOCK_HELD"
  | "NO_PATH_TO_DC";

/** Base class of every error @disco/core raises on purpose. */
export class DiscoError extends Error {
  /** Stable code; see {@link DiscoErrorCode}. */
  readonly code: DiscoErrorCode;
  constructor(code: DiscoErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** A configuration option is missing, of the wrong type or out of range. `field` names it. */
export class InvalidConfigError extends DiscoError {
  /** Dotted path of the offending option, e.g. `"check.ttl"`. */
  readonly field: string;
  constructor(field: string, message: string, options?: { cause?: unknown }) {
    super("INVALID_CONFIG", `invalid config ${field}: ${message}`, options);
    this.field = field;
  }
}

/** An argument of a public call is invalid. `field` names it; nothing was applied. */
export class InvalidArgumentError extends DiscoError {
  /** Dotted path of the offending argument, e.g. `"service.port"`. */
  readonly field: string;
  constructor(field: string, message: string, options?: { cause?: unknown }) {
    super("INVALID_ARGUMENT", `invalid ${field}: ${message}`, options);
    this.field = field;
  }
}

/** `pick()` found no usable instance of the service. */
export class NoInstancesError extends DiscoError {
  /** The service that has no usable instance. */
  readonly service: string;
  constructor(service: string, detail = "no passing instances") {
    super("NO_INSTANCES", `service "${service}": ${detail}`);
    this.service = service;
  }
}

/** A compare-and-set lost: the key's ModifyIndex was not the expected one. */
export class CasConflictError extends DiscoError {
  constructor(message: string) {
    super("CAS_CONFLICT", message);
  }
}

/** An operation did not finish within its deadline. */
export class TimeoutError extends DiscoError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("TIMEOUT", message, options);
  }
}

/** The node asked is not the Raft leader; `leader` is the known leader, if any. */
export class NotLeaderError extends DiscoError {
  /** Name of the leader this node knows of, or undefined. */
  readonly leader: string | undefined;
  constructor(leader: string | undefined) {
    super("NOT_LEADER", leader ? `not the leader; the leader is ${leader}` : "not the leader; no leader known");
    this.leader = leader;
  }
}

/** No leader is known, so a write or consistent read cannot proceed. */
export class NoLeaderError extends DiscoError {
  constructor(message = "no cluster leader") {
    super("NO_LEADER", message);
  }
}

/** The named object (service registration, check, session, key) does not exist. */
export class NotFoundError extends DiscoError {
  constructor(message: string) {
    super("NOT_FOUND", message);
  }
}

/** A value, key or message is over its named size limit; nothing was written. */
export class ValueTooLargeError extends DiscoError {
  /** The limit in bytes. */
  readonly limitBytes: number;
  /** The size that was refused, in bytes. */
  readonly sizeBytes: number;
  constructor(what: string, sizeBytes: number, limitBytes: number) {
    super("VALUE_TOO_LARGE", `${what} is ${sizeBytes} bytes; the limit is ${limitBytes}`);
    this.sizeBytes = sizeBytes;
    this.limitBytes = limitBytes;
  }
}

/** The operation needs consensus (CAS, sessions, locks) and the agent runs in `gossip` mode. */
export class ConsensusRequiredError extends DiscoError {
  constructor(operation: string) {
    super("CONSENSUS_REQUIRED", `${operation} needs consensus and is not available in gossip mode; use mode "raft"`);
  }
}

/** The feature exists in the API but is not built yet. The README lists these. */
export class NotSupportedError extends DiscoError {
  constructor(feature: string) {
    super("NOT_SUPPORTED", `${feature} is not supported yet`);
  }
}

/** The agent, resolver or handle has been closed. */
export class ClosedError extends DiscoError {
  constructor(what: string) {
    super("CLOSED", `${what} is closed`);
  }
}

/** The caller's AbortSignal fired. `cause` is the signal's reason. */
export class AbortedError extends DiscoError {
  constructor(options?: { cause?: unknown }) {
    super("ABORTED", "operation aborted", options);
  }
}

/** Untrusted bytes could not be decoded. Counted and dropped by receivers. */
export class MalformedPacketError extends DiscoError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("MALFORMED_PACKET", message, options);
  }
}

/** A message decoded but broke the protocol's rules. Counted and dropped by receivers. */
export class ProtocolError extends DiscoError {
  constructor(message: string) {
    super("PROTOCOL", message);
  }
}

/** Stored data failed its checksum or structure check. */
export class StorageCorruptError extends DiscoError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("STORAGE_CORRUPT", message, options);
  }
}

/** A session named in an operation does not exist or has been invalidated. */
export class SessionInvalidError extends DiscoError {
  constructor(session: string) {
    super("SESSION_INVALID", `session ${session} does not exist or was invalidated`);
  }
}

/** A request named a datacenter this agent does not know or cannot reach now. */
export class NoPathToDatacenterError extends DiscoError {
  /** The datacenter asked for. */
  readonly datacenter: string;
  constructor(datacenter: string, detail?: string) {
    super("NO_PATH_TO_DC", `No path to datacenter "${datacenter}"${detail ? `: ${detail}` : ""}`);
    this.datacenter = datacenter;
  }
}

/** Throws {@link AbortedError} if the signal has fired. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new AbortedError({ cause: signal.reason });
}
