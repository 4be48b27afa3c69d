/**
 * The TTL check: passive. The application reports pass/warn/fail; if no
 * report arrives within the TTL the check turns critical, and stays so until
 * the next report.
 *
 * @module
 */
import type { CheckStatus } from "../catalog/types.js";
import { formatDuration } from "../util/duration.js";
import { InvalidArgumentError } from "../util/errors.js";
import type { TimerHandle } from "../util/timers.js";
import type { TtlCheckDefinition } from "./definition.js";
import { emitResult, type RunnerContext } from "./emit.js";
import { capOutput } from "./output.js";
import { readStatus, typeName } from "./parse-fields.js";
import type { CheckRunner } from "./runner.js";

interface LastUpdate {
  status: CheckStatus;
  output: string;
  atMs: number;
}

/** The runner of a TTL check; see CheckRunner for the contract. */
export class TtlRunner implements CheckRunner {
  readonly definition: TtlCheckDefinition;
  private readonly ctx: RunnerContext;
  private state: "idle" | "running" | "stopped" = "idle";
  private timer: TimerHandle | undefined;
  private startedAtMs = 0;
  private last: LastUpdate | undefined;

  constructor(definition: TtlCheckDefinition, ctx: RunnerContext) {
    this.definition = definition;
    this.ctx = ctx;
  }

  start(): void {
    if (this.state !== "idle") return;
    this.state = "running";
    this.startedAtMs = this.ctx.timers.nowMs();
    this.arm();
  }

  stop(): void {
    this.state = "stopped";
    this.timer?.cancel();
    this.timer = undefined;
  }

  update(status: CheckStatus, output = ""): void {
    // Validate everything before changing anything.
    const checked = readStatus(status, "status");
    if (typeof output !== "string") throw new InvalidArgumentError("output", `must be a string, got ${typeName(output)}`);
    if (this.state === "stopped") {
      this.ctx.logger.debug({ checkId: this.definition.id }, "update of a stopped TTL check ignored");
      return;
    }
    const capped = capOutput(output);
    this.last = { status: checked, output: capped, atMs: this.ctx.timers.nowMs() };
    if (this.state === "running") this.arm();
    emitResult(this.ctx, this.definition.id, { status: checked, output: capped });
  }

  private arm(): void {
    this.timer?.cancel();
    this.timer = this.ctx.timers.after(this.definition.ttlMs, this.expire);
  }

  private readonly expire = (): void => {
    this.timer = undefined;
    if (this.state !== "running") return;
    const now = this.ctx.timers.nowMs();
    const last = this.last;
    const output = last
      ? `TTL expired (last update: ${last.status}, ${formatDuration(Math.round(now - last.atMs))} ago)` +
        (last.output ? `: ${last.output}` : "")
      : `TTL expired (no update since the check started ${formatDuration(Math.round(now - this.startedAtMs))} ago)`;
    emitResult(this.ctx, this.definition.id, { status: "critical", output: capOutput(output) });
  };
}
