/**
 * Capping check output to the catalog's limit without splitting a character.
 *
 * @module
 */
import { CHECK_OUTPUT_BYTES_MAX } from "../util/limits.js";

/**
 * Returns `text` cut to at most `bytesMax` UTF-8 bytes, never in the middle of
 * a multi-byte character (a cut character would decode as U+FFFD).
 * @param bytesMax - defaults to CHECK_OUTPUT_BYTES_MAX (4096, Consul's default).
 */
export function capOutput(text: string, bytesMax: number = CHECK_OUTPUT_BYTES_MAX): string {
  // Fast path: UTF-8 needs at most 3 bytes per UTF-16 code unit.
  if (text.length * 3 <= bytesMax) return text;
  const bytes = Buffer.from(text, "utf8");
  if (bytes.length <= bytesMax) return text;
  return decodePrefix(bytes, bytesMax);
}

/**
 * Decodes the first `bytesMax` bytes of UTF-8 `bytes`, dropping a trailing
 * partial character.
 */
export function decodePrefix(bytes: Buffer, bytesMax: number): string {
  let end = Math.min(bytesMax, bytes.length);
  // A continuation byte (10xxxxxx) just past the cut means the last character
  // was cut: step back to its lead byte and drop it whole.
  while (end > 0 && end < bytes.length && (bytes[end]! & 0xc0) === 0x80) end--;
  return bytes.subarray(0, end).toString("utf8");
}
