/**
 * The check input users write in `register({ check | checks })`, modelled on
 * Consul's check definition in camelCase. {@link parseCheckInput} validates it.
 *
 * @module
 */
import type { CheckStatus } from "../catalog/types.js";
import type { Duration } from "../util/duration.js";
import type { CheckFunction, FunctionCheckValue } from "./definition.js";

/** Fields every kind of check accepts. */
export interface CheckInputCommon {
  /** Check ID. @defaultValue `service:<serviceId>`, or `service:<serviceId>:<n>` (1-based) among several */
  id?: string;
  /** @defaultValue `Service '<name>' check` */
  name?: string;
  /** Free text for operators. */
  notes?: string;
  /** Status before the first result. @defaultValue "critical" (as Consul) */
  status?: CheckStatus;
  /** Deregister the service once the check has been critical this long. @defaultValue never */
  deregisterCriticalServiceAfter?: Duration;
}

/** `{ ttl: "10s" }`: critical unless pass/warn/fail arrives within the TTL. */
export interface TtlCheckInput extends CheckInputCommon {
  ttl: Duration;
}

/** `{ http: "http://127.0.0.1:8080/health", interval: "10s" }`: 2xx passing, 429 warning, else critical. */
export interface HttpCheckInput extends CheckInputCommon {
  http: string;
  /** Time between runs; at least 100 ms. */
  interval: Duration;
  /** @defaultValue "10s" */
  timeout?: Duration;
  /** @defaultValue "GET" */
  method?: string;
  header?: Record<string, string | string[]>;
  body?: string;
  /** Accept any TLS certificate. @defaultValue false */
  tlsSkipVerify?: boolean;
}

/** `{ tcp: "127.0.0.1:6379", interval: "10s" }`: connect succeeds → passing, else critical. */
export interface TcpCheckInput extends CheckInputCommon {
  tcp: string;
  /** Time between runs; at least 100 ms. */
  interval: Duration;
  /** @defaultValue "10s" */
  timeout?: Duration;
}

/** `{ fn: async () => …, interval: "10s" }`: see {@link FunctionCheckValue} for what it may return. */
export interface FunctionCheckInput extends CheckInputCommon {
  fn: CheckFunction;
  /** Time between runs; at least 100 ms. */
  interval: Duration;
  /** @defaultValue "10s" */
  timeout?: Duration;
}

/** One check as the user writes it: exactly one of `ttl`, `http`, `tcp`, `fn`. */
export type CheckInput = TtlCheckInput | HttpCheckInput | TcpCheckInput | FunctionCheckInput;
