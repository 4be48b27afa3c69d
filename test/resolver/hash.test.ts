import t from "tap";
import { fmix32, murmur3 } from "../../lib/resolver/hash.js";

t.test("hash: murmur3 matches MurmurHash3_x86_32 reference vectors", async (t) => {
  t.equal(murmur3(""), 0);
  t.equal(murmur3("", 1), 0x514e28b7);
  t.equal(murmur3("", 0xffffffff), 0x81f16f39);
  t.equal(murmur3("test"), 0xba6bd213);
  t.equal(murmur3("hello"), 0x248bfa47);
  t.equal(murmur3("Hello, world!"), 0xc0363e43);
  t.equal(murmur3("The quick brown fox jumps over the lazy dog"), 0x2e4ff723);
});

t.test("hash: murmur3 hashes the UTF-8 bytes, as a byte-wise reference does (incl. surrogates)", async (t) => {
  const enc = new TextEncoder();
  for (const text of ["é", "€uro", "日本語キー", "𝄞 music", "lone \ud800 high", "lone \udc00 low", "end\ud83d", "a".repeat(37)]) {
    t.equal(murmur3(text, 7), reference(enc.encode(text), 7), JSON.stringify(text));
  }
});

t.test("hash: outputs are unsigned 32-bit and spread evenly over buckets", async (t) => {
  const buckets = new Array(16).fill(0);
  for (let i = 0; i < 32_000; i++) {
    const h = murmur3(`key-${i}`);
    if (h < 0 || h > 0xffffffff || !Number.isInteger(h)) t.fail(`bad hash ${h}`);
    buckets[h >>> 28]++;
  }
  for (const b of buckets) t.ok(b > 1800 && b < 2200, `bucket ${b} near 2000`);
  t.equal(fmix32(0), 0);
  t.not(fmix32(1), 1);
});

/** A straightforward byte-array MurmurHash3_x86_32, written from the algorithm description. */
function reference(bytes: Uint8Array, seed: number): number {
  let h = seed | 0;
  const n = bytes.length;
  const mix = (k: number): number => Math.imul((Math.imul(k, 0xcc9e2d51) << 15) | (Math.imul(k, 0xcc9e2d51) >>> 17), 0x1b873593);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    h ^= mix(bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24));
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  let k = 0;
  for (let j = n - 1; j >= i; j--) k = (k << 8) | bytes[j]!;
  if (n > i) h ^= mix(k);
  h ^= n;
  return fmix32(h);
}
