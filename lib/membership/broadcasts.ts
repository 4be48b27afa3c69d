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

/** Orders items for sending: fewest transmits first, then newest first. */
function sendOrder(a: Item, b: Item): number {
  return a.transmits - b.transmits || b.id - a.id;
}

/** A bounded queue of broadcasts, each sent at most `limit` times. */
export class BroadcastQueue {
  private readonly items = new Map<string, Item>();
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
   * @param bytes - the message's encoded size, used to fill packets.
   */
  enqueue(key: string, msg: SwimMessage, bytes: number): void {
    this.items.delete(key);
    if (this.items.size >= BROADCAST_QUEUE_MAX) this.evictOne();
    this.items.set(key, { key, msg, bytes, transmits: 0, id: this.nextId++ });
  }

  /** Removes the queued broadcast with this key, if any. */
  remove(key: string): void {
    this.items.delete(key);
  }

  /**
   * Takes broadcasts fitting in `budgetBytes` (at most `countMax`), counts one
   * transmit on each, and drops those that reached `limit` transmits.
   */
  take(budgetBytes: number, limit: number, countMax: number): SwimMessage[] {
    if (this.items.size === 0 || budgetBytes <= 0 || countMax <= 0) return [];
    const ordered = [...this.items.values()].sort(sendOrder);
    const out: SwimMessage[] = [];
    let left = budgetBytes;
    for (const item of ordered) {
      if (out.length >= countMax) break;
      if (item.bytes > left) continue;
      left -= item.bytes;
      out.push(item.msg);
      item.transmits++;
      if (item.transmits >= limit) this.items.delete(item.key);
    }
    return out;
  }

  /** Drops the most transmitted, then oldest, item: it has done the most of its work. */
  private evictOne(): void {
    let worst: Item | undefined;
    for (const item of this.items.values()) {
      if (!worst || item.transmits > worst.transmits || (item.transmits === worst.transmits && item.id < worst.id)) {
        worst = item;
      }
    }
    if (worst) {
      this.items.delete(worst.key);
      this.dropped++;
    }
  }
}
