/**
 * Runs a probe now and then every interval, one run at a time, each under
 * its timeout. Shared by HTTP, TCP and function checks.
 *
 * @module
 */
import type { CheckStatus } from "../catalog/types.js";
import { formatDuration } from "../util/duration.js";
import { ClosedError, TimeoutError } from "../util/errors.js";
import type { TimerHandle } from "../util/timers.js";
import type { CheckResult, IntervalCheckDefinition } from "./definition.js";
import { emitResult, type RunnerContext } from "./emit.js";
import { NotTtlCheckError } from "./errors.js";
import type { Probe, ProbeRun } from "./probe.js";
import type { CheckRunner } from "./runner.js";

interface Run {
  readonly controller: AbortController;
  readonly timeout: TimerHandle;
}

/** The runner of an HTTP, TCP or function check; see CheckRunner for the contract. */
export class IntervalRunner implements CheckRunner {
  readonly definition: IntervalCheckDefinition;
  private readonly probe: Probe;
  private readonly ctx: RunnerContext;
  private state: "idle" | "running" | "stopped" = "idle";
  private tickTimer: TimerHandle | undefined;
  /** The run whose work is not over yet; a tick that finds one is skipped. */
  private inFlight: Run | undefined;
  /** The latest run started; only its result is reported (an older one is stale). */
  private latest: Run | undefined;
  /** Ticks skipped in a row, for the log. */
  private skippedTicks = 0;

  constructor(definition: IntervalCheckDefinition, probe: Probe, ctx: RunnerContext) {
    this.definition = definition;
    this.probe = probe;
    this.ctx = ctx;
  }

  start(): void {
    if (this.state !== "idle") return;
    this.state = "running";
    this.tick();
  }

  stop(): void {
    if (this.state === "stopped") return;
    this.state = "stopped";
    this.tickTimer?.cancel();
    this.tickTimer = undefined;
    const run = this.inFlight;
    this.inFlight = undefined;
    if (run) {
      run.timeout.cancel();
      run.controller.abort(new ClosedError(`check "${this.definition.id}"`));
    }
  }

  update(_status: CheckStatus, _output?: string): void {
    throw new NotTtlCheckError(this.definition.id, this.definition.kind);
  }

  private readonly tick = (): void => {
    if (this.state !== "running") return;
    // Schedule first, so the cadence holds whatever the run does.
    this.tickTimer = this.ctx.timers.after(this.definition.intervalMs, this.tick);
    if (this.inFlight) {
      this.skippedTicks++;
      this.ctx.logger.debug({ checkId: this.definition.id, skippedTicks: this.skippedTicks }, "previous run still in flight; tick skipped");
      return;
    }
    this.skippedTicks = 0;
    this.runOnce();
  };

  private runOnce(): void {
    const { id, timeoutMs } = this.definition;
    const controller = new AbortController();
    const timeout = this.ctx.timers.after(timeoutMs, () =>
      controller.abort(new TimeoutError(`timed out after ${formatDuration(timeoutMs)}`)),
    );
    const run: Run = { controller, timeout };
    this.inFlight = run;
    this.latest = run;
    let started: ProbeRun;
    try {
      started = this.probe(controller.signal);
    } catch (err) {
      // Probes do not throw; if one does, the check is broken, not the service.
      this.ctx.logger.error({ checkId: id, err }, "health probe threw");
      const result = Promise.resolve<CheckResult>({ status: "critical", output: `check could not run: ${String(err)}` });
      started = { result, settled: result.then(() => undefined) };
    }
    started.result.then(
      (result) => {
        timeout.cancel();
        if (this.state === "running" && this.latest === run) emitResult(this.ctx, id, result);
      },
      (err: unknown) => this.ctx.logger.error({ checkId: id, err }, "health probe rejected"),
    );
    started.settled.then(
      () => this.finished(run),
      () => this.finished(run),
    );
  }

  private finished(run: Run): void {
    run.timeout.cancel();
    if (this.inFlight === run) this.inFlight = undefined;
  }
}
