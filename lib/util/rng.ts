/**
 * Randomness, injected and seedable. Pure cores take an {@link Rng}; the
 * simulator gives each component a fork of one seeded root so a run replays
 * exactly from its seed.
 *
 * @module
 */

/** A source of random integers. */
export interface Rng {
  /** A uniformly random integer in [0, maxExclusive). `maxExclusive` must be ≥ 1. */
  int(maxExclusive: number): number;
  /** A uniformly random float in [0, 1). */
  float(): number;
  /** An independent stream derived from this one and `label`, deterministic for a seeded rng. */
  fork(label: string): Rng;
}

/** Hashes a string to 32 bits (FNV-1a); used to derive fork seeds from labels. */
function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * A small, fast, seeded generator (sfc32). Not cryptographic; used for
 * jitter, probe order and load-balancing choices, where speed and replay matter.
 */
export class SeededRng implements Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  /** The seed this generator was built from (printed by failing simulation runs). */
  readonly seed: number;

  constructor(seed: number) {
    this.seed = seed >>> 0;
    this.a = 0x9e3779b9;
    this.b = 0x243f6a88;
    this.c = 0xb7e15162;
    this.d = this.seed;
    for (let i = 0; i < 15; i++) this.next();
  }

  /** Next raw 32-bit unsigned value. */
  next(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  int(maxExclusive: number): number {
    return Math.floor(this.float() * maxExclusive);
  }

  float(): number {
    return this.next() / 4294967296;
  }

  fork(label: string): Rng {
    return new SeededRng((this.next() ^ hash32(label)) >>> 0);
  }
}

/** A process-wide generator seeded from the system's entropy, for production drivers. */
export function randomRng(): Rng {
  const seed = new Uint32Array(1);
  globalThis.crypto.getRandomValues(seed);
  return new SeededRng(seed[0]!);
}
