/**
 * The agent command's logger: one line per record on stderr, filtered by
 * -log-level, in the layout Consul's agent uses
 * (`2024-05-01T12:00:00.000Z [INFO]  http: message: key=value`).
 *
 * @module
 */
import type { Logger } from "../util/logger.js";
import { InvalidConfigError } from "../util/errors.js";

/** Log levels from most to least verbose; `trace` is shown with `debug` records. */
export type LogLevel = "trace" | "debug" | "info" | "warn" | "error";

const RANK: Record<LogLevel, number> = { trace: 0, debug: 1, info: 2, warn: 3, error: 4 };
const LABEL: Record<Exclude<LogLevel, "trace">, string> = { debug: "[DEBUG]", info: "[INFO] ", warn: "[WARN] ", error: "[ERROR]" };

/**
 * Parses Consul's level names (trace, debug, info, warn, err, error; any case).
 * @throws InvalidConfigError naming `field`.
 */
export function parseLogLevel(value: string, field = "log-level"): LogLevel {
  const v = value.trim().toLowerCase();
  if (v === "err") return "error";
  if (v in RANK) return v as LogLevel;
  throw new InvalidConfigError(field, `must be one of trace, debug, info, warn, err; got "${value}"`);
}

function formatValue(v: unknown): string {
  if (v instanceof Error) return JSON.stringify(v.message);
  if (typeof v === "string") return /\s|"/.test(v) || v === "" ? JSON.stringify(v) : v;
  if (typeof v === "object" && v !== null) {
    try {
      return JSON.stringify(v);
    } catch {
      return "[object]";
    }
  }
  return String(v);
}

/**
 * A pino-shaped logger writing formatted lines through `write`.
 * @param now - the clock for timestamps (ms since the epoch).
 */
export function createCliLogger(
  level: LogLevel, write: (line: string) => void, bindings: Record<string, unknown> = {}, now: () => number = Date.now,
): Logger {
  const emit = (at: Exclude<LogLevel, "trace">) => (obj: object | string, msg?: string): void => {
    if (RANK[at] < RANK[level]) return;
    const fields: Record<string, unknown> = { ...bindings, ...(typeof obj === "string" ? {} : obj) };
    const text = typeof obj === "string" ? obj : (msg ?? "");
    const component = typeof fields["component"] === "string" ? fields["component"] : "agent";
    delete fields["component"];
    const pairs = Object.entries(fields).filter(([, v]) => v !== undefined).map(([k, v]) => `${k}=${formatValue(v)}`);
    write(`${new Date(now()).toISOString()} ${LABEL[at]} ${component}: ${text}${pairs.length > 0 ? `: ${pairs.join(" ")}` : ""}\n`);
  };
  return {
    debug: emit("debug"), info: emit("info"), warn: emit("warn"), error: emit("error"),
    child: (more) => {
      // Nested components read as a path ("agent.http"), as Consul names its sub-loggers.
      const outer = bindings["component"];
      const inner = more["component"];
      const component = typeof outer === "string" && typeof inner === "string" ? `${outer}.${inner}` : inner ?? outer;
      return createCliLogger(level, write, { ...bindings, ...more, component }, now);
    },
  };
}
