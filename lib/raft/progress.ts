/**
 * What a leader knows about one follower's log, and the flow-control state
 * that decides how much it may send (etcd's probe / replicate / snapshot).
 *
 * @module
 */
import { Inflights } from "./inflights.js";

/**
 * - `probe`: the match point is unknown; send one AppendEntries and wait for its answer.
 * - `replicate`: the follower is in sync; stream entries optimistically up to the inflight window.
 * - `snapshot`: a snapshot is on its way; send nothing until it is acknowledged or times out.
 */
export type ProgressState = "probe" | "replicate" | "snapshot";

/** The leader's view of one follower. */
export class Progress {
  /** Highest index known replicated on the follower. */
  match = 0;
  /** Next index to send. */
  next: number;
  state: ProgressState = "probe";
  /** In probe state: a message is out and unanswered. */
  probeSent = false;
  /** In snapshot state: the index of the snapshot sent. */
  pendingSnapshot = 0;
  /** Ticks spent in the snapshot state, to give up on a lost snapshot. */
  snapshotTicks = 0;
  /** Heard from since the last check-quorum round. */
  recentActive = false;
  readonly inflights: Inflights;

  constructor(next: number, inflightMessagesMax: number) {
    this.next = next;
    this.inflights = new Inflights(inflightMessagesMax);
  }

  /** Switches to probe: resend from just after the last known match. */
  becomeProbe(): void {
    if (this.state === "snapshot") {
      this.next = Math.max(this.match + 1, this.pendingSnapshot + 1);
    } else {
      this.next = this.match + 1;
    }
    this.state = "probe";
    this.probeSent = false;
    this.pendingSnapshot = 0;
    this.inflights.reset();
  }

  /** Switches to replicate: stream from just after the match. */
  becomeReplicate(): void {
    this.state = "replicate";
    this.next = this.match + 1;
    this.probeSent = false;
    this.pendingSnapshot = 0;
    this.inflights.reset();
  }

  /** Switches to snapshot: a snapshot at `index` has been sent. */
  becomeSnapshot(index: number): void {
    this.state = "snapshot";
    this.pendingSnapshot = index;
    this.snapshotTicks = 0;
    this.probeSent = false;
    this.inflights.reset();
  }

  /** Records an acknowledgement of everything through `index`; false when it is stale. */
  maybeUpdate(index: number): boolean {
    let updated = false;
    if (this.match < index) {
      this.match = index;
      updated = true;
      this.probeSent = false;
    }
    this.next = Math.max(this.next, index + 1);
    return updated;
  }

  /**
   * Handles a rejection of `rejected` (the prevIndex sent). `hint` is the index the leader found by
   * fast backtracking. Returns false when the rejection is stale (out of order).
   */
  maybeDecrTo(rejected: number, hint: number): boolean {
    if (this.state === "replicate") {
      if (rejected <= this.match) return false;
      this.next = this.match + 1;
      return true;
    }
    if (this.next - 1 !== rejected) return false;
    this.next = Math.max(Math.min(rejected, hint + 1), this.match + 1, 1);
    this.probeSent = false;
    return true;
  }

  /** True when nothing more may be sent now. */
  paused(): boolean {
    switch (this.state) {
      case "probe":
        return this.probeSent;
      case "replicate":
        return this.inflights.full();
      case "snapshot":
        return true;
    }
  }

  /** Bookkeeping after sending entries ending at `lastIndex` (or an empty probe when `lastIndex` is undefined). */
  sentEntries(lastIndex: number | undefined): void {
    if (this.state === "replicate") {
      if (lastIndex !== undefined) {
        this.next = lastIndex + 1;
        this.inflights.add(lastIndex);
      }
    } else if (this.state === "probe") {
      this.probeSent = true;
    }
  }
}
