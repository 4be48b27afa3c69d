/**
 * Encoding of the hard state file: one frame holding the msgpack of
 * `{ term, vote, commit }`.
 *
 * @module
 */
import { pack, unpack } from "msgpackr";
import { corrupt, readFrames } from "./atomic-file.js";
import { encodeFrame } from "./codec.js";
import { HARD_STATE_BYTES_MAX } from "./limits.js";
import type { HardState } from "./types.js";

/** Bytes of the stable file for `state` (checked by the caller). */
export function encodeHardState(state: HardState): Buffer {
  return encodeFrame(pack({ term: state.term, vote: state.vote, commit: state.commit }));
}

/**
 * Decodes the stable file read from `path`.
 * @throws StorageCorruptError when it fails its CRC or holds no valid state.
 */
export function decodeHardState(buf: Uint8Array, path: string): HardState {
  const [payload] = readFrames(buf, [HARD_STATE_BYTES_MAX], path);
  let value: unknown;
  try {
    value = unpack(payload!);
  } catch (err) {
    throw corrupt(path, 8, "undecodable hard state", err);
  }
  const s = value as Partial<HardState> | null;
  const isCount = (n: unknown): boolean => typeof n === "number" && Number.isSafeInteger(n) && n >= 0;
  if (!s || !isCount(s.term) || !isCount(s.commit) || typeof s.vote !== "string") {
    throw corrupt(path, 8, "hard state lacks a valid term, vote or commit");
  }
  return { term: s.term!, vote: s.vote, commit: s.commit! };
}
