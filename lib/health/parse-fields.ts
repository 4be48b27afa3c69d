/**
 * Typed readers for the fields of a user's check input. Each throws
 * InvalidArgumentError naming the dotted field.
 *
 * @module
 */
import type { CheckStatus } from "../catalog/types.js";
import { formatDuration, parseDuration } from "../util/duration.js";
import { InvalidArgumentError } from "../util/errors.js";

const STATUSES: readonly CheckStatus[] = ["passing", "warning", "critical"];

/** True for a non-null, non-array object (a record of fields). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Describes a value's type for an error message ("null", "array", "number", …). */
export function typeName(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  return typeof value;
}

/** Reads a string of 1..`lengthMax` characters (0.. when `allowEmpty`). */
export function readString(value: unknown, field: string, lengthMax: number, allowEmpty = false): string {
  if (typeof value !== "string") throw new InvalidArgumentError(field, `must be a string, got ${typeName(value)}`);
  if (!allowEmpty && value.length === 0) throw new InvalidArgumentError(field, "must not be empty");
  if (value.length > lengthMax) {
    throw new InvalidArgumentError(field, `is ${value.length} characters; the limit is ${lengthMax}`);
  }
  return value;
}

/** Reads a boolean. */
export function readBoolean(value: unknown, field: string): boolean {
  if (typeof value !== "boolean") throw new InvalidArgumentError(field, `must be a boolean, got ${typeName(value)}`);
  return value;
}

/** Reads a check status ("passing" | "warning" | "critical"). */
export function readStatus(value: unknown, field: string): CheckStatus {
  if (typeof value !== "string" || !(STATUSES as readonly string[]).includes(value)) {
    throw new InvalidArgumentError(field, `must be one of ${STATUSES.join(", ")}, got ${JSON.stringify(value) ?? typeName(value)}`);
  }
  return value as CheckStatus;
}

/** True when `value` is a check status. */
export function isCheckStatus(value: unknown): value is CheckStatus {
  return typeof value === "string" && (STATUSES as readonly string[]).includes(value);
}

/** Reads a duration (ms number or Consul string) and checks `minMs <= ms <= maxMs`. */
export function readDuration(value: unknown, field: string, minMs: number, maxMs: number): number {
  const ms = parseDuration(value, field);
  if (ms < minMs) throw new InvalidArgumentError(field, `must be at least ${formatDuration(minMs)}, got ${formatDuration(ms)}`);
  if (ms > maxMs) throw new InvalidArgumentError(field, `must be at most ${formatDuration(maxMs)}, got ${formatDuration(ms)}`);
  return ms;
}
