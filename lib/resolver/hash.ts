/**
 * MurmurHash3 (x86, 32-bit) of a string's UTF-8 bytes, computed straight from
 * the UTF-16 code units so hashing a key allocates nothing. Used to place
 * instances and keys on the `ring-hash` ring and in the `maglev` table.
 *
 * @module
 */

const C1 = 0xcc9e2d51;
const C2 = 0x1b873593;

/**
 * Hashes `text` as MurmurHash3_x86_32 of its UTF-8 encoding (lone surrogates
 * encode as U+FFFD, as `TextEncoder` does), so results match other Murmur3
 * implementations byte for byte.
 * @param seed - 32-bit seed. @defaultValue 0
 * @returns an unsigned 32-bit integer.
 */
export function murmur3(text: string, seed = 0): number {
  let h = seed | 0;
  const n = text.length;
  let i = 0;
  // Fast path, kept small so it inlines: four ASCII characters are one 4-byte block.
  for (; i + 4 <= n; i += 4) {
    const c0 = text.charCodeAt(i);
    const c1 = text.charCodeAt(i + 1);
    const c2 = text.charCodeAt(i + 2);
    const c3 = text.charCodeAt(i + 3);
    if ((c0 | c1 | c2 | c3) >= 0x80) return murmur3Utf8(text, i, h);
    h = mixBlock(h, c0 | (c1 << 8) | (c2 << 16) | (c3 << 24));
  }
  const rest = n - i;
  if (rest > 0) {
    const c0 = text.charCodeAt(i);
    const c1 = rest > 1 ? text.charCodeAt(i + 1) : 0;
    const c2 = rest > 2 ? text.charCodeAt(i + 2) : 0;
    if ((c0 | c1 | c2) >= 0x80) return murmur3Utf8(text, i, h);
    h ^= scramble(c0 | (c1 << 8) | (c2 << 16));
  }
  return fmix32(h ^ n);
}

/**
 * The general path: continues a hash from character `from` (a block
 * boundary; the `from` characters before it were ASCII, one byte each) with
 * state `h`, encoding UTF-8 on the fly.
 */
function murmur3Utf8(text: string, from: number, h: number): number {
  const n = text.length;
  let block = 0; // bytes gathered for the next 4-byte block, little-endian
  let filled = 0; // how many bytes `block` holds
  let length = from;
  for (let i = from; i < n; i++) {
    let c = text.charCodeAt(i);
    let bytes: number; // up to four UTF-8 bytes, first byte lowest
    let count: number;
    if (c < 0x80) {
      bytes = c;
      count = 1;
    } else if (c < 0x800) {
      bytes = (0xc0 | (c >>> 6)) | ((0x80 | (c & 0x3f)) << 8);
      count = 2;
    } else {
      if (c >= 0xd800 && c <= 0xdfff) {
        const next = i + 1 < n ? text.charCodeAt(i + 1) : 0;
        if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
          c = 0x10000 + ((c - 0xd800) << 10) + (next - 0xdc00);
          i++;
        } else {
          c = 0xfffd;
        }
      }
      if (c >= 0x10000) {
        bytes =
          (0xf0 | (c >>> 18)) |
          ((0x80 | ((c >>> 12) & 0x3f)) << 8) |
          ((0x80 | ((c >>> 6) & 0x3f)) << 16) |
          ((0x80 | (c & 0x3f)) << 24);
        count = 4;
      } else {
        bytes = (0xe0 | (c >>> 12)) | ((0x80 | ((c >>> 6) & 0x3f)) << 8) | ((0x80 | (c & 0x3f)) << 16);
        count = 3;
      }
    }
    length += count;
    for (let k = 0; k < count; k++) {
      block |= ((bytes >>> (8 * k)) & 0xff) << (8 * filled);
      if (++filled === 4) {
        h = mixBlock(h, block);
        block = 0;
        filled = 0;
      }
    }
  }
  if (filled > 0) h ^= scramble(block);
  return fmix32(h ^ length);
}

function scramble(k: number): number {
  k = Math.imul(k, C1);
  k = (k << 15) | (k >>> 17);
  return Math.imul(k, C2);
}

function mixBlock(h: number, k: number): number {
  h ^= scramble(k);
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

/** Murmur3's finaliser: spreads every input bit over the whole word. Also used to mix integers. */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** 2^32, the size of the hash space. */
const HASH_SPACE = 0x1_0000_0000;

/**
 * Maps a 32-bit hash onto [0, size) by scaling (Lemire's "fast range"):
 * as uniform as `h % size` for a good hash, and much cheaper than a modulo
 * of a number above 2^31, which JavaScript computes in floating point.
 */
export function hashToRange(h: number, size: number): number {
  return Math.floor((h * size) / HASH_SPACE);
}
