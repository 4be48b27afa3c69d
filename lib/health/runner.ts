/**
 * Check runners: the live side of a check definition. The agent creates one
 * per check, starts it, feeds TTL updates to it, and stops it on deregister.
 *
 * @module
 */
import type { CheckStatus } from "../catalog/types.js";
import { silentLogger, type Logger } from "../util/logger.js";
import type { Timers } from "../util/timers.js";
import type { CheckDefinition, CheckResult } from "./definition.js";
import { IntervalRunner } from "./interval-runner.js";
import { createFunctionProbe } from "./probe-function.js";
import { createHttpProbe } from "./probe-http.js";
import { createTcpProbe } from "./probe-tcp.js";
import { TtlRunner } from "./ttl-runner.js";

/**
 * Runs one check and reports each outcome.
 *
 * Lifecycle: created idle → `start()` → `stop()`. A stopped runner stays
 * stopped: `start()` and `update()` on it do nothing, and it never calls
 * `onResult` again.
 */
export interface CheckRunner {
  /** The definition it runs. */
  readonly definition: CheckDefinition;
  /**
   * HTTP, TCP and function checks: run once now, then every `intervalMs`
   * (a tick that finds the previous run still in flight is skipped).
   * TTL checks: arm the TTL timer. Calling it again does nothing.
   */
  start(): void;
  /** Cancels timers and any request, socket or call in flight. Idempotent. */
  stop(): void;
  /**
   * TTL checks only: sets the status (pass/warn/fail) and output, reports it,
   * and re-arms the TTL. Output is capped at CHECK_OUTPUT_BYTES_MAX bytes.
   * @throws InvalidArgumentError ("status", "output") on bad input.
   * @throws NotTtlCheckError (code NOT_SUPPORTED) on other kinds of check.
   */
  update(status: CheckStatus, output?: string): void;
}

/** What a runner needs from its host. */
export interface CheckRunnerDeps {
  /** Timers for intervals, timeouts and TTLs (realTimers() in production, ManualTimers in tests). */
  timers: Timers;
  /**
   * Receives every outcome, including repeats of the same status: the agent
   * deduplicates. Called asynchronously for probed checks, synchronously
   * within `update()` for TTL checks. A throw is caught and logged.
   */
  onResult: (result: CheckResult) => void;
  /** @defaultValue silentLogger */
  logger?: Logger;
}

/** Creates the runner for a definition; it does nothing until `start()`. */
export function createCheckRunner(def: CheckDefinition, deps: CheckRunnerDeps): CheckRunner {
  const base = deps.logger ?? silentLogger;
  const logger = base.child ? base.child({ component: "health", checkId: def.id }) : base;
  const ctx = { timers: deps.timers, onResult: deps.onResult, logger };
  switch (def.kind) {
    case "ttl":
      return new TtlRunner(def, ctx);
    case "http":
      return new IntervalRunner(def, createHttpProbe(def), ctx);
    case "tcp":
      return new IntervalRunner(def, createTcpProbe(def), ctx);
    case "function":
      return new IntervalRunner(def, createFunctionProbe(def), ctx);
  }
}
