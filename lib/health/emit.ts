/**
 * Delivering results to the host without letting its callback throw into a
 * timer or socket callback.
 *
 * @module
 */
import type { Logger } from "../util/logger.js";
import type { Timers } from "../util/timers.js";
import type { CheckResult } from "./definition.js";

/** What the runners share from createCheckRunner's deps, with the logger resolved. */
export interface RunnerContext {
  timers: Timers;
  onResult: (result: CheckResult) => void;
  logger: Logger;
}

/** Calls `onResult`, logging instead of throwing if it throws. */
export function emitResult(ctx: RunnerContext, checkId: string, result: CheckResult): void {
  try {
    ctx.onResult(result);
  } catch (err) {
    ctx.logger.error({ checkId, err }, "health check result handler threw");
  }
}
