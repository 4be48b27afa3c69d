/**
 * One suspicion timer with Lifeguard's dynamic timeout (§IV-B). Pure: it
 * stores the start time and confirmations, and answers when it is due.
 *
 * @module
 */
import { remainingSuspicionMs } from "./math.js";

/** A running suspicion about one member at one incarnation. */
export class Suspicion {
  private readonly confirmedBy = new Set<string>();
  private confirmations = 0;
  private deadline: number;

  /**
   * @param accuser - the member whose suspicion started the timer; it never counts as a confirmation.
   * @param k - confirmations that bring the timeout down to `minMs`; 0 means min at once.
   */
  constructor(
    readonly incarnation: number,
    accuser: string,
    private readonly k: number,
    private readonly minMs: number,
    private readonly maxMs: number,
    private readonly startMs: number,
  ) {
    this.confirmedBy.add(accuser);
    this.deadline = startMs + remainingSuspicionMs(0, k, 0, minMs, maxMs);
  }

  /** Absolute time at which the member is declared failed, unless refuted first. */
  get deadlineMs(): number {
    return this.deadline;
  }

  /** Independent confirmations counted so far (at most k). */
  get confirmationCount(): number {
    return this.confirmations;
  }

  /**
   * Records that `from` also suspects the member. Returns true when this is a new
   * independent confirmation (and the deadline moved earlier); false for the accuser,
   * a repeat, or once k confirmations are in.
   */
  confirm(from: string): boolean {
    if (this.confirmations >= this.k || this.confirmedBy.has(from)) return false;
    this.confirmedBy.add(from);
    this.confirmations++;
    this.deadline = this.startMs + remainingSuspicionMs(this.confirmations, this.k, 0, this.minMs, this.maxMs);
    return true;
  }
}
