/**
 * `ring-hash`: a ketama-style consistent-hash ring (Envoy `RING_HASH`, gRFC A42).
 *
 * Each usable instance owns `k` points, at murmur3("<node>/<id>_<i>"); a key
 * goes to the owner of the first point at or after murmur3(key), wrapping
 * round. Removing an instance moves only the keys it owned.
 *
 * Points per instance: the smallest power of two that makes the ring at least
 * `ringSizeMin` entries (cut down to fit `ringSizeMax` when it must, one point
 * per instance at the least). Being a power of two, `k` stays the same while
 * the set size moves within a factor of two, so routine joins and leaves add
 * or drop only the points of the instances concerned; and since an instance's
 * points are a prefix of one sequence, a change of `k` adds or drops points
 * rather than moving them. Weights are not used: every instance gets `k`.
 *
 * @module
 */
import type { Rng } from "../../util/rng.js";
import { murmur3 } from "../hash.js";
import type { EndpointView, Policy } from "./policy.js";

/** 2^32: hashes are unsigned 32-bit; a keyless pick draws a point in [0, 2^32). */
const HASH_SPACE = 0x1_0000_0000;

/**
 * Most bits of the bucket index over the ring: 2^16 buckets (256 KiB), enough
 * for about one point per bucket up to the default maximum ring, and a short
 * search per bucket beyond it.
 */
const BUCKET_BITS_MAX = 16;

/**
 * Points each of `count` instances gets on a ring bounded by `ringSizeMin` and `ringSizeMax`.
 * @returns at least 1 for a non-empty set, 0 for an empty one.
 */
export function pointsPerInstance(count: number, ringSizeMin: number, ringSizeMax: number): number {
  if (count <= 0) return 0;
  let points = 1;
  while (points * count < ringSizeMin) points *= 2;
  if (points * count > ringSizeMax) points = Math.max(1, Math.floor(ringSizeMax / count));
  return points;
}

/** Consistent hashing on a sorted ring of points. */
export class RingHashPolicy implements Policy {
  private readonly rng: Rng;
  private readonly ringSizeMin: number;
  private readonly ringSizeMax: number;
  /** Point hashes, ascending. */
  private hashes: Uint32Array = new Uint32Array(0);
  /** Endpoint position owning each point. */
  private owners: Int32Array = new Int32Array(0);
  /**
   * First point of each bucket of the hash space (bucket = top bits of the
   * hash), plus the ring size at the end: a lookup searches one bucket of
   * about one point instead of the whole ring.
   */
  private buckets: Int32Array = new Int32Array(1);
  /** Right shift that turns a hash into its bucket number. */
  private bucketShift = 32;

  constructor(rng: Rng, ringSizeMin: number, ringSizeMax: number) {
    this.rng = rng;
    this.ringSizeMin = ringSizeMin;
    this.ringSizeMax = ringSizeMax;
  }

  /** Entries on the ring now. */
  get ringSize(): number {
    return this.hashes.length;
  }

  rebuild(view: EndpointView): void {
    const usable = view.usable;
    const per = pointsPerInstance(usable.length, this.ringSizeMin, this.ringSizeMax);
    const size = per * usable.length;
    const hashes = new Uint32Array(size);
    const owners = new Int32Array(size);
    let p = 0;
    for (let i = 0; i < usable.length; i++) {
      const position = usable[i]!;
      const key = view.keys[position]!;
      for (let r = 0; r < per; r++) {
        hashes[p] = murmur3(`${key}_${r}`);
        owners[p] = position;
        p++;
      }
    }
    // Ties (rare) go to the instance whose key sorts first, so every client builds the same ring.
    const order = Array.from({ length: size }, (_, i) => i);
    order.sort((a, b) => hashes[a]! - hashes[b]! || compareKeys(view.keys[owners[a]!]!, view.keys[owners[b]!]!));
    this.hashes = new Uint32Array(size);
    this.owners = new Int32Array(size);
    for (let i = 0; i < size; i++) {
      this.hashes[i] = hashes[order[i]!]!;
      this.owners[i] = owners[order[i]!]!;
    }
    this.indexBuckets();
  }

  private indexBuckets(): void {
    const size = this.hashes.length;
    let bits = 0;
    while (bits < BUCKET_BITS_MAX && 1 << bits < size) bits++;
    const count = 1 << bits;
    const shift = 32 - bits;
    const buckets = new Int32Array(count + 1);
    let p = 0;
    for (let b = 0; b < count; b++) {
      while (p < size && this.hashes[p]! >>> shift < b) p++;
      buckets[b] = p;
    }
    buckets[count] = size;
    this.buckets = buckets;
    this.bucketShift = shift;
  }

  pick(key: string | undefined): number {
    return this.ownerOf(key === undefined ? this.rng.int(HASH_SPACE) : murmur3(key));
  }

  complete(): void {}

  /** The owner of hash `h`: the first point at or after it, wrapping round. */
  private ownerOf(h: number): number {
    const hashes = this.hashes;
    // bucketShift is 32 only for a one-point ring; JavaScript shifts by 32 mod 32, hence the guard.
    const bucket = this.bucketShift === 32 ? 0 : h >>> this.bucketShift;
    let lo = this.buckets[bucket]!;
    let hi = this.buckets[bucket + 1]!;
    // Every point in later buckets is above h, so when none in this bucket
    // is at or above it, the answer is the next bucket's first point (hi).
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (hashes[mid]! < h) lo = mid + 1;
      else hi = mid;
    }
    return this.owners[lo === hashes.length ? 0 : lo]!;
  }
}

function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
