/**
 * `startTemplate`: the one-call way to keep a file rendered from an agent's
 * data, in-process (over an {@link Agent}) or from any {@link TemplateSource}.
 *
 * ```ts
 * const tpl = startTemplate(agent, {
 *   contents: `upstream web {\n{{ range service "web" }}  server {{ .Address }}:{{ .Port }};\n{{ end }}}\n`,
 *   destination: "/etc/nginx/conf.d/web.conf",
 *   command: "nginx -s reload",
 *   wait: { minMs: 1000, maxMs: 5000 },
 * });
 * await tpl.rendered;   // the first render is on disk
 * await tpl.close();
 * ```
 *
 * @module
 */
import type { Agent } from "../agent/agent.js";
import { InvalidConfigError } from "../util/errors.js";
import { childLogger, silentLogger } from "../util/logger.js";
import { realTimers } from "../util/timers.js";
import { agentTemplateSource } from "./catalog-source.js";
import { shellCommandRunner } from "./command.js";
import { resolveTemplateOptions, type TemplateOptions } from "./options.js";
import { TemplateRunner } from "./runner.js";
import type { TemplateSource } from "./source.js";
import { DependencyWatcher } from "./watcher.js";

/** Options of {@link startTemplate}: a template's options plus the watcher's blocking wait. */
export interface StartTemplateOptions extends TemplateOptions {
  /** Blocking wait per read, ms. @defaultValue 60000 */
  blockingWaitMs?: number;
}

/** A running template. */
export interface TemplateHandle {
  /** Resolves after the first complete render; see {@link TemplateRunner.rendered}. */
  readonly rendered: Promise<void>;
  /** Stops watching and rendering; resolves when nothing of it is left running. */
  close(): Promise<void>;
}

function isSource(x: Agent | TemplateSource): x is TemplateSource {
  return typeof (x as Partial<TemplateSource>).fetch === "function";
}

/**
 * Starts keeping a template rendered.
 * @param target - an agent in this process, or a source (e.g. `httpTemplateSource`), which stays the caller's to close.
 * @throws InvalidConfigError naming the bad option; TemplateSyntaxError with line and column. Nothing starts then.
 */
export function startTemplate(target: Agent | TemplateSource, options: StartTemplateOptions): TemplateHandle {
  const resolved = resolveTemplateOptions(options);
  const waitMs = options.blockingWaitMs;
  if (waitMs !== undefined && (typeof waitMs !== "number" || !Number.isFinite(waitMs) || waitMs <= 0)) {
    throw new InvalidConfigError("blockingWaitMs", "must be a number of ms > 0");
  }
  const logger = childLogger(options.logger ?? silentLogger, "template");
  const timers = options.timers ?? realTimers((err) => logger.error({ component: "template", err }, "timer callback threw"));
  const source = isSource(target) ? target : agentTemplateSource(target);
  const watcher = new DependencyWatcher(source, { timers, logger, waitMs });
  const runner = new TemplateRunner(resolved, {
    watcher, timers, logger, runCommand: options.runCommand ?? shellCommandRunner(timers),
  });
  runner.start();
  let closing: Promise<void> | undefined;
  return {
    rendered: runner.rendered,
    close: () => {
      closing ??= runner.close().finally(() => watcher.close());
      return closing;
    },
  };
}
