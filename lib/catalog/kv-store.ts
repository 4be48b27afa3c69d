/**
 * The KV table: entries, tombstones, per-key and per-prefix indexes, the
 * session → held-keys index, and lock delays.
 *
 * @module
 */
import { KV_TOMBSTONES_MAX, LOCK_DELAYS_SWEEP_AT } from "./limits.js";
import { compareStrings, copyEntry } from "./records.js";
import type { Changes } from "./scope-index.js";
import type { KvEntry } from "./types.js";

/** Serialized form of {@link KvStore}, part of the snapshot. */
export interface KvStoreData {
  /** Live entries, sorted by key. */
  entries: KvEntry[];
  /** [key, index of deletion], oldest first (reap order). */
  tombstones: Array<[string, number]>;
  /** Highest index of a reaped tombstone. */
  floor: number;
  /** [key, lock delay end in ms], sorted by key. */
  lockDelays: Array<[string, number]>;
}

/** Index of the first element of the sorted array `a` that is ≥ `x`. */
function lowerBound(a: readonly string[], x: string): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * True when two entries say the same thing, ModifyIndex aside: writing `b` over
 * `a` would change nothing a reader can see, so it must not move the index.
 */
export function sameEntry(a: KvEntry, b: KvEntry): boolean {
  return (
    a === b ||
    (a.flags === b.flags &&
      a.lockIndex === b.lockIndex &&
      a.createIndex === b.createIndex &&
      a.session === b.session &&
      a.value.equals(b.value))
  );
}

/**
 * The KV table. Entries are frozen and replaced, never mutated, so a plan built
 * from them cannot be disturbed; values are copied in on write and out on read.
 *
 * A deleted key leaves a tombstone holding the deletion index so the key's and
 * its prefixes' indexes move on delete (Consul's graveyard). Tombstones beyond
 * {@link KV_TOMBSTONES_MAX} are reaped oldest first; the highest reaped index
 * becomes a floor under every prefix index and every absent key's index, so no
 * index goes back.
 */
export class KvStore {
  private readonly entries = new Map<string, KvEntry>();
  private readonly tombs = new Map<string, number>();
  /** Every key that is live or tombstoned, sorted: prefix scans are a binary search and a walk. */
  private readonly sorted: string[] = [];
  private floor = 1;
  private readonly locks = new Map<string, Set<string>>();
  private readonly delays = new Map<string, number>();

  /** The stored entry (frozen; its value must not be handed out). */
  get(key: string): KvEntry | undefined {
    return this.entries.get(key);
  }

  /** Number of live keys. */
  get size(): number {
    return this.entries.size;
  }

  /** Number of tombstones held. */
  get tombstoneCount(): number {
    return this.tombs.size;
  }

  /** The index at which `key`'s answer last changed; ≥ 1. */
  keyIndex(key: string): number {
    return this.entries.get(key)?.modifyIndex ?? this.tombs.get(key) ?? this.floor;
  }

  /** The index at which the answer for keys under `prefix` last changed; ≥ 1. */
  prefixIndex(prefix: string): number {
    let max = this.floor;
    for (let i = lowerBound(this.sorted, prefix); i < this.sorted.length; i++) {
      const k = this.sorted[i]!;
      if (!k.startsWith(prefix)) break;
      const idx = this.entries.get(k)?.modifyIndex ?? this.tombs.get(k) ?? 0;
      if (idx > max) max = idx;
    }
    return max;
  }

  /** Live stored entries under `prefix`, sorted by key. */
  scan(prefix: string): KvEntry[] {
    const out: KvEntry[] = [];
    for (let i = lowerBound(this.sorted, prefix); i < this.sorted.length; i++) {
      const k = this.sorted[i]!;
      if (!k.startsWith(prefix)) break;
      const e = this.entries.get(k);
      if (e) out.push(e);
    }
    return out;
  }

  /**
   * Live keys under `prefix`; with a separator, keys are cut just after the first
   * separator that follows the prefix and deduplicated (Consul's `?keys&separator=`).
   */
  keys(prefix: string, separator = ""): string[] {
    const out: string[] = [];
    let prev: string | undefined;
    for (const e of this.scan(prefix)) {
      let k = e.key;
      if (separator !== "") {
        const at = k.indexOf(separator, prefix.length);
        if (at >= 0) k = k.slice(0, at + separator.length);
      }
      if (k !== prev) out.push(k);
      prev = k;
    }
    return out;
  }

  /** Keys whose lock `session` holds, sorted (so invalidation order is the same on every replica). */
  heldBy(session: string): string[] {
    const held = this.locks.get(session);
    return held ? [...held].sort(compareStrings) : [];
  }

  /** When the lock delay on `key` ends (ms), or 0 when it has none. */
  lockDelayUntil(key: string): number {
    return this.delays.get(key) ?? 0;
  }

  /** Forbids acquiring `key` before `untilMs`. */
  setLockDelay(key: string, untilMs: number): void {
    if (untilMs > (this.delays.get(key) ?? 0)) this.delays.set(key, untilMs);
  }

  /** Drops expired lock delays once there are enough to matter (deterministic: `nowMs` is from the log). */
  sweepLockDelays(nowMs: number): void {
    if (this.delays.size < LOCK_DELAYS_SWEEP_AT) return;
    for (const [k, until] of this.delays) if (until <= nowMs) this.delays.delete(k);
  }

  /**
   * Writes `next` at `key` (null deletes) if it differs from what is stored;
   * touches the key and maintains tombstones and lock holders.
   * @returns whether anything changed.
   */
  commit(key: string, next: KvEntry | null, ch: Changes): boolean {
    const prev = this.entries.get(key);
    if (next === null) {
      if (!prev) return false;
      this.entries.delete(key);
      this.unlock(prev);
      this.tombs.set(key, ch.index);
      this.reap();
    } else {
      if (prev && sameEntry(prev, next)) return false;
      if (prev) this.unlock(prev);
      else if (!this.tombs.delete(key)) this.sorted.splice(lowerBound(this.sorted, key), 0, key);
      this.entries.set(key, Object.freeze(next));
      if (next.session !== undefined) {
        let held = this.locks.get(next.session);
        if (!held) this.locks.set(next.session, (held = new Set()));
        held.add(key);
      }
    }
    ch.kv(key);
    return true;
  }

  private unlock(prev: KvEntry): void {
    if (prev.session === undefined) return;
    const held = this.locks.get(prev.session);
    held?.delete(prev.key);
    if (held?.size === 0) this.locks.delete(prev.session);
  }

  private reap(): void {
    while (this.tombs.size > KV_TOMBSTONES_MAX) {
      const [key, index] = this.tombs.entries().next().value as [string, number];
      this.tombs.delete(key);
      this.sorted.splice(lowerBound(this.sorted, key), 1);
      if (index > this.floor) this.floor = index;
    }
  }

  /** Serializes (values are the stored buffers; the encoder copies them). */
  toData(): KvStoreData {
    const entries = this.sorted.flatMap((k) => {
      const e = this.entries.get(k);
      return e ? [e] : [];
    });
    const lockDelays = [...this.delays.entries()].sort((a, b) => compareStrings(a[0], b[0]));
    return { entries, tombstones: [...this.tombs.entries()], floor: this.floor, lockDelays };
  }

  /** Rebuilds from {@link toData}'s output (already shape-checked by the snapshot reader). */
  static fromData(data: KvStoreData): KvStore {
    const s = new KvStore();
    for (const e of data.entries) {
      const entry = copyEntry(e);
      s.entries.set(e.key, Object.freeze(entry));
      if (e.session !== undefined) {
        let held = s.locks.get(e.session);
        if (!held) s.locks.set(e.session, (held = new Set()));
        held.add(e.key);
      }
    }
    for (const [k, idx] of data.tombstones) s.tombs.set(k, idx);
    // A loop, not push(...spread): a large table would overflow the argument stack.
    for (const k of s.entries.keys()) s.sorted.push(k);
    for (const k of s.tombs.keys()) if (!s.entries.has(k)) s.sorted.push(k);
    s.sorted.sort(compareStrings);
    s.floor = data.floor;
    for (const [k, until] of data.lockDelays) s.delays.set(k, until);
    return s;
  }
}
