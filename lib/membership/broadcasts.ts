/**
 * The transmit-limited broadcast queue: what to piggyback on the next packet.
 * Items that have been sent the fewest times go first (newest first among
 * equals), each is dropped after the retransmit limit, and newer news about a
 * member replaces older news still queued.
 *
 * @module
 */
import type { SwimMessage } from "./types.js";
import { BROADCAST_QUEUE_MAX } from "./limits.js";

interface Item {
  key: string;
  msg: SwimMessage;
  bytes: number;
  transmits: number;
  /** Enqueue order; higher is newer. */
  id: number;
}

/** Smallest budget worth scanning for: no message encodes in fewer bytes than this. */
const MESSAGE_BYTES_MIN = 3;

/** Index of the first item in `bucket` (sorted by ascending id) whose id is >= `id`. */
function lowerBound(bucket: Item[], id: number): number {
  let lo = 0;
  let hi = bucket.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (bucket[mid]!.id < id) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * A bounded queue of broadcasts, each sent at most `limit` times. Items live in
 * one bucket per transmit count, each sorted by age, so taking the next few
 * costs O(taken) and not a sort of the whole queue (a 1,000-member join queues
 * 1,000 alive messages on every member).
 */
export class BroadcastQueue {
  private readonly items = new Map<string, Item>();
  private readonly buckets: Item[][] = [];
  private nextId = 0;
  /** Broadcasts dropped because the queue was full. */
  dropped = 0;

  /** Broadcasts waiting to be sent. */
  get size(): number {
    return this.items.size;
  }

  /** Whether a broadcast with this key is still queued. */
  has(key: string): boolean {
    return this.items.has(key);
  }

  /**
   * Queues `msg`, replacing any queued broadcast with the same key: for member
   * news the key is the member's name, so stale news about it is never sent.
   * @param bytes - the message's encoded size (or an upper bound), used to fill packets.
   */
  enqueue(key: string, msg: SwimMessage, bytes: number): void {
    this.remove(key);
    if (this.items.size >= BROADCAST_QUEUE_MAX) this.evictOne();
    const item: Item = { key, msg, bytes, transmits: 0, id: this.nextId++ };
    this.items.set(key, item);
    this.bucket(0).push(item);
  }

  /** Removes the queued broadcast with this key, if any. */
  remove(key: string): void {
    const item = this.items.get(key);
    if (!item) return;
    this.items.delete(key);
    this.unlink(item);
  }

  /**
   * Takes broadcasts fitting in `budgetBytes` (at most `countMax`): fewest
   * transmits first, newest first among equals. Counts one transmit on each
   * and drops those that reached `limit` transmits.
   */
  take(budgetBytes: number, limit: number, countMax: number): SwimMessage[] {
    if (this.items.size === 0 || budgetBytes < MESSAGE_BYTES_MIN || countMax <= 0) return [];
    const chosen: Item[] = [];
    let left = budgetBytes;
    for (let t = 0; t < this.buckets.length && left >= MESSAGE_BYTES_MIN && chosen.length < countMax; t++) {
      const bucket = this.buckets[t]!;
      for (let i = bucket.length - 1; i >= 0 && left >= MESSAGE_BYTES_MIN && chosen.length < countMax; i--) {
        const item = bucket[i]!;
        if (item.bytes > left) continue;
        left -= item.bytes;
        chosen.push(item);
      }
    }
    for (const item of chosen) {
      this.unlink(item);
      item.transmits++;
      if (item.transmits >= limit) {
        this.items.delete(item.key);
        continue;
      }
      const next = this.bucket(item.transmits);
      next.splice(lowerBound(next, item.id), 0, item);
    }
    return chosen.map((i) => i.msg);
  }

  private bucket(transmits: number): Item[] {
    while (this.buckets.length <= transmits) this.buckets.push([]);
    return this.buckets[transmits]!;
  }

  private unlink(item: Item): void {
    const bucket = this.buckets[item.transmits]!;
    const i = lowerBound(bucket, item.id);
    if (bucket[i] === item) bucket.splice(i, 1);
  }

  /** Drops the most transmitted, then oldest, item: it has done the most of its work. */
  private evictOne(): void {
    for (let t = this.buckets.length - 1; t >= 0; t--) {
      const worst = this.buckets[t]![0];
      if (!worst) continue;
      this.items.delete(worst.key);
      this.unlink(worst);
      this.dropped++;
      return;
    }
  }
}
