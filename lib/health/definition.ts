/**
 * What a health check is once validated: the shape the agent stores and the
 * runners execute. User input becomes this through {@link parseCheckInput}.
 *
 * @module
 */
import type { CheckStatus, CheckType } from "../catalog/types.js";

/** Fields every check has, whatever its kind. */
export interface CheckDefinitionBase {
  /** Check ID, unique on its node. Default `service:<serviceId>` (`…:<n>` when a service has several). */
  id: string;
  /** Human-readable name. Default `Service '<serviceName>' check`. */
  name: string;
  /** Free text for operators; not interpreted. Default "". */
  notes: string;
  /** Status until the first result or update. Default "critical", as Consul: unproven is unhealthy. */
  initialStatus: CheckStatus;
  /** Deregister the service after the check has been critical this long, in ms; 0 = never. */
  deregisterCriticalAfterMs: number;
  /** The service instance the check covers. */
  serviceId: string;
}

/** A passive check: the application reports (pass/warn/fail) before `ttlMs` runs out, else it goes critical. */
export interface TtlCheckDefinition extends CheckDefinitionBase {
  kind: "ttl";
  /** Time allowed between updates, in ms. */
  ttlMs: number;
}

/** Requests `url` every interval: 2xx passing, 429 warning, anything else critical. */
export interface HttpCheckDefinition extends CheckDefinitionBase {
  kind: "http";
  url: URL;
  /** Upper-case HTTP method. Default "GET". */
  method: string;
  /** Extra request headers; names lower-cased, several values per name allowed. */
  headers: Record<string, string[]>;
  /** Request body, if any. */
  body?: string;
  /** Time between the starts of two runs, in ms. */
  intervalMs: number;
  /** Deadline of one run (connect, headers and body), in ms. Default 10 000. */
  timeoutMs: number;
  /** Accept any TLS certificate (self-signed health endpoints). Default false. */
  tlsSkipVerify: boolean;
}

/** Opens a TCP connection every interval: connected is passing, anything else critical. */
export interface TcpCheckDefinition extends CheckDefinitionBase {
  kind: "tcp";
  /** Host name or IP address (IPv6 without brackets). */
  host: string;
  /** TCP port, 1–65535. */
  port: number;
  /** Time between the starts of two runs, in ms. */
  intervalMs: number;
  /** Connect deadline, in ms. Default 10 000. */
  timeoutMs: number;
}

/** Given to a function check: `signal` fires when the run times out or the check stops. */
export interface FunctionCheckContext {
  signal: AbortSignal;
}

/**
 * What a function check may return (or resolve to):
 * `undefined`/`true` passing; a string, passing with that output;
 * `{ status, output? }` that status; `false` critical.
 */
export type FunctionCheckValue = void | undefined | boolean | string | { status: CheckStatus; output?: string };

/** An in-process check function. It should honour `ctx.signal`; a run that outlives its timeout is reported critical. */
export type CheckFunction = (ctx: FunctionCheckContext) => FunctionCheckValue | Promise<FunctionCheckValue>;

/** Calls an application function every interval and maps its answer to a status. */
export interface FunctionCheckDefinition extends CheckDefinitionBase {
  kind: "function";
  fn: CheckFunction;
  /** Time between the starts of two runs, in ms. */
  intervalMs: number;
  /** Deadline of one call, in ms. Default 10 000. */
  timeoutMs: number;
}

/** A validated check of any kind; switch on `kind`. */
export type CheckDefinition = TtlCheckDefinition | HttpCheckDefinition | TcpCheckDefinition | FunctionCheckDefinition;

/** The kinds that run on an interval. */
export type IntervalCheckDefinition = HttpCheckDefinition | TcpCheckDefinition | FunctionCheckDefinition;

/** The catalog's `type` for a check definition. */
export function checkTypeOf(def: CheckDefinition): CheckType {
  return def.kind;
}

/** The timing fields of a catalog CheckRecord (ms; 0 where a field does not apply to the kind). */
export function checkTimingsOf(def: CheckDefinition): { intervalMs: number; timeoutMs: number; ttlMs: number } {
  if (def.kind === "ttl") return { intervalMs: 0, timeoutMs: 0, ttlMs: def.ttlMs };
  return { intervalMs: def.intervalMs, timeoutMs: def.timeoutMs, ttlMs: 0 };
}

/** One outcome of a check: what the agent writes to the catalog. */
export interface CheckResult {
  status: CheckStatus;
  /** Human-readable detail, capped at CHECK_OUTPUT_BYTES_MAX bytes. */
  output: string;
}
