/**
 * `maglev`: Maglev consistent hashing (Eisenbud et al., NSDI 2016, §3.4;
 * Envoy `MAGLEV`). A lookup table of prime size M is filled by letting the
 * usable instances, in key order, take turns claiming the next free slot of
 * their own permutation of the table, `(offset + j × skip) mod M`, with
 * offset and skip derived from two hashes of the instance key. Every instance
 * ends up with M/n slots (±1), a pick is one table read, and removing one of
 * n instances reassigns its slots and disturbs only a little more of the rest
 * (the paper's "minimal disruption"). Weights are not used.
 *
 * @module
 */
import type { Rng } from "../../util/rng.js";
import { hashToRange, murmur3 } from "../hash.js";
import type { EndpointView, Policy } from "./policy.js";

/** Seed of the hash that gives an instance's permutation offset. */
const OFFSET_SEED = 0x6d61676c; // "magl"
/** Seed of the hash that gives an instance's permutation skip (independent of the offset). */
const SKIP_SEED = 0x65763031; // "ev01"

/** Consistent hashing through a Maglev lookup table. */
export class MaglevPolicy implements Policy {
  private readonly rng: Rng;
  private readonly tableSize: number;
  /** Slot → endpoint position. */
  private table: Int32Array = new Int32Array(0);

  /** @param tableSize - M, a prime (validated by the options). */
  constructor(rng: Rng, tableSize: number) {
    this.rng = rng;
    this.tableSize = tableSize;
  }

  rebuild(view: EndpointView): void {
    const m = this.tableSize;
    const usable = view.usable;
    const n = usable.length;
    const next = new Int32Array(n); // the slot each instance tries next
    const skip = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const key = view.keys[usable[i]!]!;
      next[i] = murmur3(key, OFFSET_SEED) % m;
      skip[i] = (murmur3(key, SKIP_SEED) % (m - 1)) + 1;
    }
    const table = this.table.length === m ? this.table : new Int32Array(m);
    table.fill(-1);
    let filled = n === 0 ? m : 0;
    // Terminates: M is prime and 1 ≤ skip < M, so each permutation visits every slot.
    // Slots stay below 2M < 2^31, so this is integer arithmetic with no modulo.
    while (filled < m) {
      for (let i = 0; i < n && filled < m; i++) {
        const step = skip[i]!;
        let slot = next[i]!;
        while (table[slot] !== -1) {
          slot += step;
          if (slot >= m) slot -= m;
        }
        table[slot] = usable[i]!;
        slot += step;
        next[i] = slot >= m ? slot - m : slot;
        filled++;
      }
    }
    this.table = table;
  }

  pick(key: string | undefined): number {
    const m = this.tableSize;
    return this.table[key === undefined ? this.rng.int(m) : hashToRange(murmur3(key), m)]!;
  }

  complete(): void {}
}
