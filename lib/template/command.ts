/**
 * Running a template's command (`nginx -s reload`) with `sh -c`, bounded by a
 * timeout. It never throws: the outcome comes back as a value for the runner
 * to log, and a failed command is run again after the next change.
 *
 * @module
 */
import { spawn } from "node:child_process";
import type { Timers } from "../util/timers.js";
import { COMMAND_OUTPUT_BYTES_MAX } from "./limits.js";

/** Default command timeout (consul-template's `command_timeout`). */
export const COMMAND_TIMEOUT_MS_DEFAULT = 30_000;

/** After the timeout's SIGTERM, how long the command gets before SIGKILL. */
export const COMMAND_KILL_GRACE_MS = 2_000;

/** How a command ended. */
export interface CommandOutcome {
  /** Exit status 0 within the timeout. */
  ok: boolean;
  /** The exit code, or undefined when a signal ended it or it could not start. */
  code: number | undefined;
  /** The signal that ended it, if one did. */
  signal: string | undefined;
  /** It ran out of time and was killed. */
  timedOut: boolean;
  /** The start of its stdout and stderr (at most COMMAND_OUTPUT_BYTES_MAX each). */
  stdout: string;
  stderr: string;
  /** Why it could not start, if it could not. */
  error: string | undefined;
  /** How long it ran, in ms. */
  durationMs: number;
}

/** Runs a command; injectable so tests need no shell. */
export type CommandRunner = (command: string, options: { timeoutMs: number; signal?: AbortSignal }) => Promise<CommandOutcome>;

/** Keeps the first `max` bytes of a stream. */
function capture(max: number): { push(chunk: Buffer): void; text(): string } {
  const parts: Buffer[] = [];
  let size = 0;
  return {
    push(chunk) {
      if (size >= max) return;
      parts.push(chunk.subarray(0, max - size));
      size += Math.min(chunk.length, max - size);
    },
    text: () => Buffer.concat(parts).toString("utf8"),
  };
}

/**
 * Runs `command` with `sh -c` in its own process group, so a timeout kills
 * the whole group (a reload script and what it started).
 * @param timers - for the timeout.
 */
export function shellCommandRunner(timers: Timers): CommandRunner {
  return (command, options) => new Promise<CommandOutcome>((resolve) => {
    const started = timers.nowMs();
    const out = capture(COMMAND_OUTPUT_BYTES_MAX);
    const err = capture(COMMAND_OUTPUT_BYTES_MAX);
    let timedOut = false;
    let settled = false;
    const child = spawn("sh", ["-c", command], { stdio: ["ignore", "pipe", "pipe"], detached: true });
    const killGroup = (signal: NodeJS.Signals): void => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, signal);
      } catch {
        // already gone
      }
    };
    let grace: { cancel(): void } | undefined;
    const timer = timers.after(options.timeoutMs, () => {
      timedOut = true;
      killGroup("SIGTERM");
      grace = timers.after(COMMAND_KILL_GRACE_MS, () => killGroup("SIGKILL"));
    });
    const onAbort = (): void => killGroup("SIGTERM");
    options.signal?.addEventListener("abort", onAbort, { once: true });
    const finish = (o: Partial<CommandOutcome>): void => {
      if (settled) return;
      settled = true;
      timer.cancel();
      grace?.cancel();
      options.signal?.removeEventListener("abort", onAbort);
      resolve({
        ok: !timedOut && o.code === 0 && o.error === undefined,
        code: o.code, signal: o.signal, timedOut, stdout: out.text(), stderr: err.text(), error: o.error,
        durationMs: timers.nowMs() - started,
      });
    };
    child.stdout.on("data", (c: Buffer) => out.push(c));
    child.stderr.on("data", (c: Buffer) => err.push(c));
    child.once("error", (e) => finish({ code: undefined, signal: undefined, error: e.message }));
    child.once("close", (code, signal) => finish({ code: code ?? undefined, signal: signal ?? undefined }));
  });
}
