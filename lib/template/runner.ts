/**
 * The runner of one template: render when its data changes (after
 * quiescence), write the file when the text changed, run the command, and
 * keep watching exactly what the last render used.
 *
 * Renders are serialised: a change arriving during a render (or its command)
 * leads to one more render afterwards, never to two at once. Nothing here
 * throws into a timer: failures are logged, and a failed command runs again
 * after the next change.
 *
 * @module
 */
import { ClosedError } from "../util/errors.js";
import { silentLogger, type Logger } from "../util/logger.js";
import type { TimerHandle, Timers } from "../util/timers.js";
import type { CommandOutcome, CommandRunner } from "./command.js";
import { describeDependency } from "./dependency.js";
import type { ResolvedTemplateOptions } from "./options.js";
import { Quiescence } from "./quiescence.js";
import { writeIfChanged } from "./render-file.js";
import type { DependencyWatcher } from "./watcher.js";

/** What a runner needs besides its resolved options. */
export interface RunnerEnvironment {
  watcher: DependencyWatcher;
  timers: Timers;
  runCommand: CommandRunner;
  logger?: Logger;
}

/** Runs one template against a (possibly shared) watcher. */
export class TemplateRunner {
  /**
   * Resolves after the first complete render (file written or already up to
   * date, command run); rejects if that render fails (a template error, an
   * unwritable file) or the runner closes first. Later renders carry on either way.
   */
  readonly rendered: Promise<void>;
  private settle: { resolve: () => void; reject: (err: Error) => void } | undefined;
  private hasRendered = false;
  private readonly quiescence: Quiescence;
  private scheduled: TimerHandle | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private commandPending = false;
  private closed = false;
  private readonly stopCommand = new AbortController();
  private readonly logger: Logger;
  private renders = 0;
  private readonly onChange = (): void => {
    if (this.closed) return;
    // Before the first render there is nothing to protect from flapping: render as soon as data arrives.
    if (!this.hasRendered || this.options.wait.maxMs === 0) this.scheduleNow();
    else this.quiescence.poke();
  };

  constructor(private readonly options: ResolvedTemplateOptions, private readonly env: RunnerEnvironment) {
    this.logger = env.logger ?? silentLogger;
    this.rendered = new Promise<void>((resolve, reject) => {
      this.settle = { resolve, reject };
    });
    // Nobody may be listening; an unobserved rejection must not crash the host.
    this.rendered.catch(() => {});
    this.quiescence = new Quiescence(env.timers, options.wait, () => this.kick());
  }

  /** Number of completed renders so far. */
  get renderCount(): number {
    return this.renders;
  }

  /** Starts: the first render pass runs on the next timer turn. */
  start(): void {
    this.scheduleNow();
  }

  /** Stops rendering, stops a running command, and waits for a render in progress. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.quiescence.cancel();
    this.scheduled?.cancel();
    this.env.watcher.untrack(this);
    this.stopCommand.abort();
    await this.running;
    this.fail(new ClosedError("template"));
  }

  private scheduleNow(): void {
    if (this.scheduled || this.closed) return;
    this.scheduled = this.env.timers.after(0, () => {
      this.scheduled = undefined;
      this.kick();
    });
  }

  private kick(): void {
    if (this.closed) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.loop().finally(() => {
      this.running = undefined;
    });
  }

  private async loop(): Promise<void> {
    do {
      this.again = false;
      try {
        await this.renderOnce();
      } catch (err) {
        this.logger.error({ component: "template", err }, "render failed unexpectedly");
      }
    } while (this.again && !this.closed);
  }

  private succeed(): void {
    this.hasRendered = true;
    this.settle?.resolve();
    this.settle = undefined;
  }

  private fail(err: Error): void {
    this.settle?.reject(err);
    this.settle = undefined;
  }

  private async renderOnce(): Promise<void> {
    const o = this.options;
    const name = o.template.name;
    const result = o.template.render((dep) => this.env.watcher.get(dep), o.env);
    if (this.closed) return;
    this.env.watcher.track(this, result.used, this.onChange);
    if (result.missing.length > 0) {
      this.logger.debug({ component: "template", template: name, waitingFor: result.missing.map(describeDependency).join(", ") }, "waiting for data");
      return;
    }
    if (result.error) {
      this.logger.error({ component: "template", template: name }, result.error.message);
      this.fail(result.error);
      return;
    }
    if (result.blocked.length > 0) {
      this.logger.info({ component: "template", template: name, reason: result.blocked.join("; ") }, "not rendering yet");
      return;
    }
    const contents = result.contents!;
    if (o.dry || o.destination === undefined) {
      this.complete({ destination: o.destination, contents, written: false, command: undefined });
      return;
    }
    let written: boolean;
    try {
      written = await writeIfChanged(o.destination, contents, o.perms);
    } catch (err) {
      this.logger.error({ component: "template", template: name, destination: o.destination, err }, "cannot write the destination");
      this.fail(err as Error);
      return;
    }
    if (written) this.logger.info({ component: "template", template: name, destination: o.destination }, "rendered");
    let command: CommandOutcome | undefined;
    if (o.command && (written || this.commandPending) && !this.closed) command = await this.runCommand(o.command);
    this.complete({ destination: o.destination, contents, written, command });
  }

  private async runCommand(command: string): Promise<CommandOutcome> {
    const outcome = await this.env.runCommand(command, { timeoutMs: this.options.commandTimeoutMs, signal: this.stopCommand.signal });
    const fields = { component: "template", command, durationMs: Math.round(outcome.durationMs) };
    if (outcome.ok) {
      this.commandPending = false;
      this.logger.info(fields, "command succeeded");
    } else {
      // Run it again after the next change, even if the file then stays the same.
      this.commandPending = true;
      const why = outcome.timedOut ? `timed out after ${this.options.commandTimeoutMs} ms`
        : outcome.error ?? (outcome.signal ? `killed by ${outcome.signal}` : `exit code ${outcome.code}`);
      this.logger.error({ ...fields, stderr: outcome.stderr.trim() || undefined }, `command failed: ${why}`);
    }
    return outcome;
  }

  private complete(event: Parameters<NonNullable<ResolvedTemplateOptions["onRender"]>>[0]): void {
    this.renders++;
    try {
      this.options.onRender?.(event);
    } catch (err) {
      this.logger.error({ component: "template", err }, "onRender threw");
    }
    this.succeed();
  }
}
