/**
 * Durations as Consul writes them ("10s", "500ms", "1m30s", "1h") or as
 * plain numbers of milliseconds.
 *
 * @module
 */
import { InvalidArgumentError } from "./errors.js";

/** A duration: milliseconds as a number, or a Go/Consul duration string such as `"10s"`. */
export type Duration = number | string;

const UNIT_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  "µs": 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

const PART = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/y;

/**
 * Parses a duration into milliseconds.
 * @param value - a non-negative finite number of ms, or a string like `"1m30s"`.
 * @param field - the argument's name, used in the error.
 * @throws InvalidArgumentError when the value is not a valid non-negative duration.
 */
export function parseDuration(value: unknown, field: string): number {
  if (typeof value === "number") {
    if (!Number.isFinite(value) || value < 0) {
      throw new InvalidArgumentError(field, `duration must be a finite number of milliseconds >= 0, got ${value}`);
    }
    return value;
  }
  if (typeof value !== "string") {
    throw new InvalidArgumentError(field, `duration must be a number of ms or a string like "10s", got ${typeof value}`);
  }
  const text = value.trim();
  if (text === "0") return 0;
  if (text === "") throw new InvalidArgumentError(field, "duration is empty");
  let total = 0;
  PART.lastIndex = 0;
  let pos = 0;
  while (pos < text.length) {
    PART.lastIndex = pos;
    const m = PART.exec(text);
    if (!m) {
      throw new InvalidArgumentError(field, `bad duration "${value}" (use e.g. "500ms", "10s", "1m30s")`);
    }
    total += Number(m[1]) * UNIT_MS[m[2]!]!;
    pos = PART.lastIndex;
  }
  return total;
}

/** Formats milliseconds as a Consul duration string, e.g. `10000` → `"10s"`. */
export function formatDuration(ms: number): string {
  if (ms === 0) return "0s";
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}
