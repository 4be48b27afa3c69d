/**
 * The seam between a periodic runner and what it probes. A probe does one
 * run; the runner owns scheduling, timeouts and stopping.
 *
 * @module
 */
import type { CheckResult } from "./definition.js";

/** One run of a probe. */
export interface ProbeRun {
  /** The outcome. Never rejects; resolves promptly once the run's signal fires. */
  result: Promise<CheckResult>;
  /**
   * Settles when the run's work is over. Usually with `result`; a function
   * check that ignores its signal may outlive its timeout, and no new run
   * starts until it settles. Never rejects.
   */
  settled: Promise<void>;
}

/**
 * Starts one run. `signal` fires on timeout (reason: TimeoutError) or when the
 * check stops (reason: ClosedError); the probe then releases its sockets and
 * resolves `result` as critical with the reason's message.
 */
export type Probe = (signal: AbortSignal) => ProbeRun;

/** The message of an abort reason or thrown value, for check output. */
export function reasonText(reason: unknown): string {
  if (reason instanceof Error) return reason.message || reason.name;
  return String(reason);
}
