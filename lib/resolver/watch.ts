/**
 * A latest-value async iterator: the producer offers snapshots, the consumer
 * pulls them with `for await`. A consumer slower than the producer sees the
 * newest snapshot and skips the ones in between, so memory stays bounded no
 * matter how slow it is (a snapshot is a whole state, not a delta).
 *
 * @module
 */

/** One consumer's view of a stream of snapshots. */
export class SnapshotWatch<T> implements AsyncIterableIterator<T> {
  private pending: T | undefined;
  private hasPending = false;
  /** Consumers waiting in `next()` (more than one only if `next()` is called without awaiting). */
  private readonly waiting: Array<(result: IteratorResult<T, undefined>) => void> = [];
  private finished = false;
  private readonly signal: AbortSignal | undefined;
  private readonly onEnd: (watch: SnapshotWatch<T>) => void;
  private readonly onAbort = (): void => this.end();

  /**
   * @param signal - ends the iteration (cleanly: `done`) when it fires.
   * @param onEnd - called once when the iteration ends, for the producer to forget it.
   */
  constructor(signal: AbortSignal | undefined, onEnd: (watch: SnapshotWatch<T>) => void) {
    this.signal = signal;
    this.onEnd = onEnd;
    if (signal?.aborted) this.end();
    else signal?.addEventListener("abort", this.onAbort, { once: true });
  }

  /** Whether the iteration has ended. */
  get ended(): boolean {
    return this.finished;
  }

  /** Hands `snapshot` to a waiting consumer, or keeps it as the newest for the next `next()`. */
  offer(snapshot: T): void {
    if (this.finished) return;
    const resolve = this.waiting.shift();
    if (resolve !== undefined) {
      resolve({ value: snapshot, done: false });
      return;
    }
    this.pending = snapshot;
    this.hasPending = true;
  }

  /** Ends the iteration: waiting and later `next()` calls return `done`. Idempotent. */
  end(): void {
    if (this.finished) return;
    this.finished = true;
    this.pending = undefined;
    this.hasPending = false;
    this.signal?.removeEventListener("abort", this.onAbort);
    for (const resolve of this.waiting.splice(0)) resolve({ value: undefined, done: true });
    this.onEnd(this);
  }

  next(): Promise<IteratorResult<T, undefined>> {
    if (this.hasPending) {
      const value = this.pending as T;
      this.pending = undefined;
      this.hasPending = false;
      return Promise.resolve({ value, done: false });
    }
    if (this.finished) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  /** Stops the iteration (`break` out of `for await` calls this). */
  return(): Promise<IteratorResult<T, undefined>> {
    this.end();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}
