/**
 * `disco template`: consul-template for a disco (or Consul) agent, over its
 * HTTP API. All templates share one set of blocking watches.
 *
 * @module
 */
import { resolveHttpAddress } from "../cli/client.js";
import { UsageError } from "../cli/errors.js";
import { flagHelp, parseFlags } from "../cli/flags.js";
import { createCliLogger, parseLogLevel, type LogLevel } from "../cli/logger.js";
import { InvalidConfigError } from "../util/errors.js";
import type { Logger } from "../util/logger.js";
import { realTimers } from "../util/timers.js";
import { TEMPLATE_FLAGS, TEMPLATE_USAGE, parseTemplateSpec, parseWaitFlag } from "./cli-args.js";
import { shellCommandRunner } from "./command.js";
import { TemplateSyntaxError } from "./errors.js";
import { httpTemplateSource } from "./http-source.js";
import { resolveTemplateOptions, type RenderEvent, type ResolvedTemplateOptions } from "./options.js";
import { TemplateRunner } from "./runner.js";
import { DependencyWatcher } from "./watcher.js";

/** Exit code for a wrong command line (as the rest of the CLI). */
const EXIT_USAGE = 2;
/** Exit code for a failure. */
const EXIT_ERROR = 1;

/** What the command may touch: output, environment, and optionally the stop request. */
export interface TemplateIo {
  stdout(data: string | Uint8Array): void;
  stderr(data: string): void;
  env: Readonly<Record<string, string | undefined>>;
  /**
   * A signal that fires when the user asks to stop (the CLI's SIGINT/SIGTERM).
   * Without it the command listens for SIGINT and SIGTERM itself while it runs.
   */
  interrupts?(): AbortSignal;
}

/** The full help text. */
export function templateHelp(): string {
  return `${TEMPLATE_USAGE}\nCommand Options:\n\n${flagHelp(TEMPLATE_FLAGS)}\n`;
}

/** SIGINT / SIGTERM as an AbortSignal, with a function to remove the handlers. */
function processSignals(): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const onSignal = (name: NodeJS.Signals): void => controller.abort(name);
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  return {
    signal: controller.signal,
    dispose: () => {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
    },
  };
}

function untilAborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    signal.addEventListener("abort", () => resolve(), { once: true });
  });
}

interface Setup {
  templates: ResolvedTemplateOptions[];
  address: string;
  token: string | undefined;
  once: boolean;
  level: LogLevel;
}

/** Parses the command line and every template; throws UsageError, InvalidConfigError or TemplateSyntaxError. */
function setup(argv: string[], io: TemplateIo, makeOnRender: (dry: boolean) => (e: RenderEvent) => void): Setup | "help" {
  const parsed = parseFlags(argv, TEMPLATE_FLAGS);
  if (parsed.help) return "help";
  if (parsed.args.length > 0) throw new UsageError(`unexpected argument "${parsed.args[0]}"`);
  const f = parsed.flags;
  const dry = f.bool("dry");
  const specs = f.list("template").map((t) => parseTemplateSpec(t, dry));
  if (specs.length === 0) throw new UsageError("give at least one -template");
  const wait = f.has("wait") ? parseWaitFlag(f.string("wait") ?? "") : undefined;
  let level: LogLevel;
  try {
    level = parseLogLevel(f.string("log-level") ?? "info");
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const address = resolveHttpAddress(f.string("http-addr") ?? f.string("consul-addr"), io.env);
  const onRender = makeOnRender(dry);
  const templates = specs.map((s) => resolveTemplateOptions({
    source: s.source, destination: s.destination, command: s.command, wait, dry, env: io.env, onRender,
  }));
  return { templates, address, token: f.string("token") ?? io.env["DISCO_HTTP_TOKEN"] ?? io.env["CONSUL_HTTP_TOKEN"], once: f.bool("once"), level };
}

/**
 * Runs `disco template` with `argv` (the arguments after `template`).
 * Resolves the exit code: 0 after a stop request or a successful -once, 1 on a
 * failure (bad template, -once render or command failed), 2 on a bad command line.
 * Never throws.
 */
export async function templateCommand(argv: string[], io: TemplateIo): Promise<number> {
  let commandFailed = false;
  const makeOnRender = (dry: boolean) => (e: RenderEvent): void => {
    if (e.command && !e.command.ok) commandFailed = true;
    if (dry) io.stdout(`> ${e.destination ?? "stdout"}\n${e.contents}`);
  };
  let s: Setup;
  try {
    const r = setup(argv, io, makeOnRender);
    if (r === "help") {
      io.stdout(templateHelp());
      return 0;
    }
    s = r;
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr(`disco template: ${err.message}\n\n${templateHelp()}`);
      return EXIT_USAGE;
    }
    if (err instanceof InvalidConfigError || err instanceof TemplateSyntaxError) {
      io.stderr(`disco template: ${err.message}\n`);
      return EXIT_ERROR;
    }
    io.stderr(`disco template: ${err instanceof Error ? err.message : String(err)}\n`);
    return EXIT_ERROR;
  }
  return run(s, io, () => commandFailed);
}

async function run(s: Setup, io: TemplateIo, commandFailed: () => boolean): Promise<number> {
  const logger: Logger = createCliLogger(s.level, (line) => io.stderr(line), { component: "template" });
  const timers = realTimers((err) => logger.error({ err }, "timer callback threw"));
  const source = httpTemplateSource({ address: s.address, token: s.token });
  const watcher = new DependencyWatcher(source, { timers, logger });
  const runCommand = shellCommandRunner(timers);
  const runners = s.templates.map((t) => new TemplateRunner(t, { watcher, timers, logger, runCommand }));
  const own = io.interrupts ? undefined : processSignals();
  const stop = io.interrupts ? io.interrupts() : own!.signal;
  // The library's timers are unref'd; this command is a daemon and must stay up until told to stop.
  const keepAlive = setInterval(() => {}, 1 << 30);
  logger.info({ address: s.address, templates: runners.length }, "watching");
  try {
    for (const r of runners) r.start();
    if (!s.once) {
      await untilAborted(stop);
      logger.info({ signal: String(stop.reason ?? "") }, "stopping");
      return 0;
    }
    const outcome = await Promise.race([
      Promise.allSettled(runners.map((r) => r.rendered)),
      untilAborted(stop).then(() => "stopped" as const),
    ]);
    if (outcome === "stopped") return 0;
    const failed = outcome.filter((o) => o.status === "rejected");
    for (const f of failed) io.stderr(`disco template: ${((f as PromiseRejectedResult).reason as Error).message}\n`);
    return failed.length > 0 || commandFailed() ? EXIT_ERROR : 0;
  } finally {
    await Promise.all(runners.map((r) => r.close()));
    watcher.close();
    clearInterval(keepAlive);
    own?.dispose();
  }
}
