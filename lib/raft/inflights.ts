/**
 * The sliding window of AppendEntries in flight to one follower: the last
 * index of each message sent and not yet acknowledged, oldest first.
 *
 * @module
 */
import { invariant } from "./errors.js";

/** A bounded FIFO of in-flight message end indexes (a ring buffer). */
export class Inflights {
  private readonly buffer: number[];
  private start = 0;
  private count = 0;

  /** @param capacity - most messages in flight; from `inflightMessagesMax`. */
  constructor(readonly capacity: number) {
    this.buffer = new Array<number>(capacity).fill(0);
  }

  /** Messages in flight. */
  get size(): number {
    return this.count;
  }

  /** True when no more messages may be sent. */
  full(): boolean {
    return this.count === this.capacity;
  }

  /** Records a message whose last entry is `index`. Indexes must increase. */
  add(index: number): void {
    invariant(!this.full(), "inflight window overflow");
    this.buffer[(this.start + this.count) % this.capacity] = index;
    this.count++;
  }

  /** Frees every message whose last index is ≤ `index` (they are acknowledged). */
  freeLE(index: number): void {
    while (this.count > 0 && this.buffer[this.start]! <= index) {
      this.start = (this.start + 1) % this.capacity;
      this.count--;
    }
  }

  /** Frees the oldest message; a heartbeat answer proves the follower alive, so one more may go. */
  freeFirstOne(): void {
    if (this.count === 0) return;
    this.start = (this.start + 1) % this.capacity;
    this.count--;
  }

  /** Empties the window. */
  reset(): void {
    this.start = 0;
    this.count = 0;
  }
}
