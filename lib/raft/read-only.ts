/**
 * The leader's queue of ReadIndex requests (thesis §6.4): each waits for a
 * quorum to answer a heartbeat sent after it was queued, which proves the
 * leader was still leader when the read arrived.
 *
 * @module
 */

/**
 * Most reads a leader holds at once (confirmed or deferred). Each costs a little memory and every
 * heartbeat answer scans them; clients time out and retry beyond it.
 */
export const READS_PENDING_MAX = 4096;

/** One queued read. */
export interface PendingRead {
  /** Caller's context, unique per request. */
  context: string;
  /** Who asked: this node's id, or a follower that forwarded it. */
  from: string;
  /** Commit index when the read was queued: the index the read must wait for. */
  index: number;
  /** Voters that acknowledged a heartbeat carrying this context (or a later one). */
  acks: Set<string>;
}

/** FIFO of reads waiting for a quorum of heartbeat acknowledgements. */
export class ReadOnlyQueue {
  private queue: PendingRead[] = [];

  /** Queued reads. */
  get size(): number {
    return this.queue.length;
  }

  /** True when `context` is already queued (a duplicate request is served once). */
  has(context: string): boolean {
    return this.queue.some((r) => r.context === context);
  }

  /** Queues a read. */
  add(read: PendingRead): void {
    this.queue.push(read);
  }

  /** Context of the newest read, carried by heartbeats so an acknowledgement covers every older read. */
  lastContext(): string {
    return this.queue.length > 0 ? this.queue[this.queue.length - 1]!.context : "";
  }

  /**
   * Records that `voter` answered a heartbeat carrying `context`. An answer to a later context also
   * confirms every earlier read. Returns the reads now confirmed by `quorum` voters, oldest first.
   */
  ack(context: string, voter: string, quorum: number): PendingRead[] {
    const at = this.queue.findIndex((r) => r.context === context);
    if (at < 0) return [];
    for (let i = 0; i <= at; i++) this.queue[i]!.acks.add(voter);
    let last = -1;
    for (let i = 0; i <= at; i++) if (this.queue[i]!.acks.size >= quorum) last = i;
    if (last < 0) return [];
    return this.queue.splice(0, last + 1);
  }

  /** Drops every read (on losing leadership; their callers time out). */
  clear(): void {
    this.queue = [];
  }
}
