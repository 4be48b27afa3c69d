/**
 * Shape checks shared by the decoder (untrusted bytes → ProtocolError) and
 * the public API (caller input → InvalidArgumentError / InvalidConfigError).
 * Each returns a reason when the value is bad, or undefined when it is fine.
 *
 * @module
 */
import { pack } from "msgpackr";
import {
  ADDRESS_LENGTH_MAX,
  MEMBER_NAME_LENGTH_MAX,
  META_BYTES_MAX,
  META_PAIRS_MAX,
  SEQ_MAX,
  USER_EVENT_NAME_LENGTH_MAX,
  USER_EVENT_PAYLOAD_BYTES_MAX,
} from "./limits.js";

/** Why `value` is not a member name, or undefined. */
export function badName(value: unknown): string | undefined {
  if (typeof value !== "string" || value.length === 0) return "must be a non-empty string";
  if (value.length > MEMBER_NAME_LENGTH_MAX) return `must be at most ${MEMBER_NAME_LENGTH_MAX} characters`;
  return undefined;
}

/** Why `value` is not an address string, or undefined. */
export function badAddress(value: unknown): string | undefined {
  if (typeof value !== "string" || value.length === 0) return "must be a non-empty string";
  if (value.length > ADDRESS_LENGTH_MAX) return `must be at most ${ADDRESS_LENGTH_MAX} characters`;
  return undefined;
}

/** Why `value` is not a port, or undefined. */
export function badPort(value: unknown): string | undefined {
  return Number.isInteger(value) && (value as number) >= 0 && (value as number) <= 65_535
    ? undefined
    : "must be an integer in [0, 65535]";
}

/** Why `value` is not a non-negative safe integer (incarnations, Lamport times), or undefined. */
export function badCounter(value: unknown): string | undefined {
  return Number.isSafeInteger(value) && (value as number) >= 0 ? undefined : "must be a non-negative safe integer";
}

/** Why `value` is not a uint32 sequence number, or undefined. */
export function badSeq(value: unknown): string | undefined {
  return Number.isInteger(value) && (value as number) >= 0 && (value as number) <= SEQ_MAX
    ? undefined
    : `must be an integer in [0, ${SEQ_MAX}]`;
}

/** Why `value` is not member meta (string → string, bounded), or undefined. */
export function badMeta(value: unknown): string | undefined {
  if (typeof value !== "object" || value === null || Array.isArray(value) || value instanceof Uint8Array) {
    return "must be an object of string values";
  }
  const entries = Object.entries(value);
  if (entries.length > META_PAIRS_MAX) return `must have at most ${META_PAIRS_MAX} pairs`;
  for (const [, v] of entries) if (typeof v !== "string") return "must be an object of string values";
  const bytes = pack(value).length;
  if (bytes > META_BYTES_MAX) return `encodes to ${bytes} bytes; the limit is ${META_BYTES_MAX}`;
  return undefined;
}

/** Why `value` is not a user event name, or undefined. */
export function badEventName(value: unknown): string | undefined {
  if (typeof value !== "string" || value.length === 0) return "must be a non-empty string";
  if (value.length > USER_EVENT_NAME_LENGTH_MAX) return `must be at most ${USER_EVENT_NAME_LENGTH_MAX} characters`;
  return undefined;
}

/** Why `value` is not a user event payload, or undefined. */
export function badPayload(value: unknown): string | undefined {
  if (!(value instanceof Uint8Array)) return "must be a Uint8Array";
  if (value.length > USER_EVENT_PAYLOAD_BYTES_MAX) {
    return `is ${value.length} bytes; the limit is ${USER_EVENT_PAYLOAD_BYTES_MAX}`;
  }
  return undefined;
}
