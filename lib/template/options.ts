/**
 * Options of a template (what to render, where to, what to run after) and
 * their validation. Everything is checked, and the template parsed, before
 * anything is watched or written.
 *
 * @module
 */
import { readFileSync } from "node:fs";
import { InvalidConfigError } from "../util/errors.js";
import type { Logger } from "../util/logger.js";
import type { Timers } from "../util/timers.js";
import { COMMAND_TIMEOUT_MS_DEFAULT, type CommandOutcome, type CommandRunner } from "./command.js";
import { TEMPLATE_BYTES_MAX } from "./limits.js";
import { resolveWait, type WaitBounds } from "./quiescence.js";
import { FILE_MODE_DEFAULT } from "./render-file.js";
import { Template } from "./template.js";

/** What happened in one completed render. */
export interface RenderEvent {
  /** The destination file (undefined in dry mode without one). */
  destination: string | undefined;
  /** The rendered text. */
  contents: string;
  /** Whether the file was written (false when unchanged, and always in dry mode). */
  written: boolean;
  /** The command's outcome, when it ran. */
  command: CommandOutcome | undefined;
}

/** Options of one template. */
export interface TemplateOptions {
  /** Path of the template file, read once at start. Give this or `contents`. */
  source?: string;
  /** The template text itself. Give this or `source`. */
  contents?: string;
  /** File to write. Required unless `dry`. */
  destination?: string;
  /** Shell command run (`sh -c`) after the file changed, e.g. `"nginx -s reload"`. */
  command?: string;
  /** The command's time limit, ms; then it is killed. @defaultValue 30000 */
  commandTimeoutMs?: number;
  /**
   * Quiescence: render once changes have settled for `minMs`, at most `maxMs`
   * after the first (default 4 × minMs). The first render waits only for data.
   * @defaultValue no wait
   */
  wait?: WaitBounds;
  /** Permission bits of a destination the template creates; an existing file keeps its own. @defaultValue 0o644 */
  perms?: number;
  /** Render without writing or running the command; see `onRender`. @defaultValue false */
  dry?: boolean;
  /** Called after every completed render (must not throw; a throw is logged). */
  onRender?: (event: RenderEvent) => void;
  /** What `env` reads. @defaultValue process.env */
  env?: Readonly<Record<string, string | undefined>>;
  /** Where diagnostics go. @defaultValue silent */
  logger?: Logger;
  /** Timers (ManualTimers in tests). @defaultValue real, unref'd timers */
  timers?: Timers;
  /** Runs the command (tests inject a fake). @defaultValue `sh -c` */
  runCommand?: CommandRunner;
}

/** {@link TemplateOptions} validated, with the template parsed. */
export interface ResolvedTemplateOptions {
  template: Template;
  destination: string | undefined;
  command: string | undefined;
  commandTimeoutMs: number;
  wait: { minMs: number; maxMs: number };
  perms: number;
  dry: boolean;
  onRender: ((event: RenderEvent) => void) | undefined;
  env: Readonly<Record<string, string | undefined>>;
}

const KNOWN = new Set([
  "source", "contents", "destination", "command", "commandTimeoutMs", "wait", "perms", "dry", "onRender", "env",
  "logger", "timers", "runCommand", "blockingWaitMs",
]);

function optionalString(o: Record<string, unknown>, field: string): string | undefined {
  const v = o[field];
  if (v === undefined) return undefined;
  if (typeof v !== "string" || v.length === 0) throw new InvalidConfigError(field, "must be a non-empty string");
  return v;
}

function readTemplateFile(path: string): string {
  let text: Buffer;
  try {
    text = readFileSync(path);
  } catch (err) {
    throw new InvalidConfigError("source", `cannot read "${path}": ${(err as Error).message}`, { cause: err });
  }
  if (text.length > TEMPLATE_BYTES_MAX) throw new InvalidConfigError("source", `"${path}" is ${text.length} bytes; the limit is ${TEMPLATE_BYTES_MAX}`);
  return text.toString("utf8");
}

/**
 * Validates options, reads and parses the template.
 * @throws InvalidConfigError naming the bad option; TemplateSyntaxError with line and column.
 */
export function resolveTemplateOptions(input: TemplateOptions): ResolvedTemplateOptions {
  if (typeof input !== "object" || input === null) throw new InvalidConfigError("options", "must be an object");
  const o = input as Record<string, unknown>;
  for (const key of Object.keys(o)) if (!KNOWN.has(key)) throw new InvalidConfigError(key, "is not a known option");
  const source = optionalString(o, "source");
  const contents = o["contents"];
  if (contents !== undefined && typeof contents !== "string") throw new InvalidConfigError("contents", "must be a string");
  if ((source === undefined) === (contents === undefined)) throw new InvalidConfigError("source", "give exactly one of source (a file) or contents");
  const dry = o["dry"] ?? false;
  if (typeof dry !== "boolean") throw new InvalidConfigError("dry", "must be a boolean");
  const destination = optionalString(o, "destination");
  if (destination === undefined && !dry) throw new InvalidConfigError("destination", "is required (unless dry)");
  const command = optionalString(o, "command");
  const commandTimeoutMs = o["commandTimeoutMs"] ?? COMMAND_TIMEOUT_MS_DEFAULT;
  if (typeof commandTimeoutMs !== "number" || !Number.isFinite(commandTimeoutMs) || commandTimeoutMs <= 0) {
    throw new InvalidConfigError("commandTimeoutMs", "must be a number of ms > 0");
  }
  const wait = resolveWait(o["wait"] as WaitBounds | undefined);
  const perms = o["perms"] ?? FILE_MODE_DEFAULT;
  if (typeof perms !== "number" || !Number.isInteger(perms) || perms < 0 || perms > 0o7777) {
    throw new InvalidConfigError("perms", "must be permission bits from 0 to 0o7777");
  }
  const onRender = o["onRender"];
  if (onRender !== undefined && typeof onRender !== "function") throw new InvalidConfigError("onRender", "must be a function");
  const env = o["env"] === undefined ? process.env : o["env"];
  if (typeof env !== "object" || env === null) throw new InvalidConfigError("env", "must be an object");
  const text = source !== undefined ? readTemplateFile(source) : (contents as string);
  const template = Template.parse(source ?? "template", text);
  return {
    template, destination, command, commandTimeoutMs, wait, perms, dry,
    onRender: onRender as ResolvedTemplateOptions["onRender"],
    env: env as Readonly<Record<string, string | undefined>>,
  };
}
