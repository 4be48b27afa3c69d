/**
 * Answers that need I/O (other datacenters, prepared-query failover): one
 * load at a time per key, each with a timeout, results kept briefly and
 * served stale while a refresh runs, failures remembered for a moment so a
 * flood of queries for an unreachable name does not become a flood of WAN
 * requests. Bounded in entries, loads and waiters.
 *
 * @module
 */
import { ClosedError, TimeoutError } from "../../util/errors.js";
import type { Logger } from "../../util/logger.js";
import type { TimerHandle, Timers } from "../../util/timers.js";
import { REMOTE_ANSWERS_MAX, REMOTE_ANSWER_STALE_FACTOR, REMOTE_FAILURE_HOLD_MS, REMOTE_LOADS_MAX } from "./limits.js";
import type { DnsDeferred, DnsInstances } from "./source.js";

/** Options of {@link RemoteCache}. */
export interface RemoteCacheOptions {
  /** How long a loaded answer is fresh (ms); it is then served stale for REMOTE_ANSWER_STALE_FACTOR times as long while refreshing. */
  freshMs: number;
  /** Longest a load may take (ms). */
  timeoutMs: number;
}

interface Entry {
  data: DnsInstances | undefined;
  loadedAtMs: number;
}

interface Loading {
  promise: Promise<DnsInstances | undefined>;
  abort: AbortController;
  /** Settles the load with an error now (close does not wait on a load that ignores its signal). */
  reject: (err: unknown) => void;
  timer: TimerHandle;
}

/** What {@link RemoteCache.peek} knows about a key. */
export type Peeked =
  /** A usable answer (undefined data: the name does not exist there). */
  | { data: DnsInstances | undefined }
  /** A load failed moments ago: answer SERVFAIL without trying again. */
  | "failed"
  /** Nothing usable: load it. */
  | undefined;

/** The cache of deferred answers of one DNS server. */
export class RemoteCache {
  private readonly entries = new Map<string, Entry>();
  private readonly failedUntil = new Map<string, number>();
  private readonly loading = new Map<string, Loading>();
  private closed = false;

  constructor(
    private readonly timers: Timers,
    private readonly options: RemoteCacheOptions,
    private readonly logger: Logger,
  ) {}

  /** Entries held and loads in flight (for tests and diagnostics). */
  get size(): { entries: number; loading: number } {
    return { entries: this.entries.size, loading: this.loading.size };
  }

  /**
   * What is known about `d.key` now. A stale answer is returned and a
   * background refresh started; an answer past its stale window is dropped.
   */
  peek(d: DnsDeferred): Peeked {
    const now = this.timers.nowMs();
    const e = this.entries.get(d.key);
    if (e) {
      const age = now - e.loadedAtMs;
      if (age < this.options.freshMs) return { data: e.data };
      if (age < this.options.freshMs * REMOTE_ANSWER_STALE_FACTOR) {
        if (!this.loading.has(d.key) && this.loading.size < REMOTE_LOADS_MAX) {
          // A failed refresh is logged by load(); the stale answer serves until its window ends.
          this.load(d).catch(() => {});
        }
        return { data: e.data };
      }
      this.entries.delete(d.key);
    }
    const until = this.failedUntil.get(d.key);
    if (until !== undefined) {
      if (now < until) return "failed";
      this.failedUntil.delete(d.key);
    }
    return undefined;
  }

  /**
   * Loads `d` (or joins the load of its key already running) and keeps the result.
   * Rejects with TimeoutError past the timeout, ClosedError once closed or when
   * too many loads run, or with what the load threw.
   */
  load(d: DnsDeferred): Promise<DnsInstances | undefined> {
    const running = this.loading.get(d.key);
    if (running) return running.promise;
    if (this.closed) return Promise.reject(new ClosedError("dns server"));
    if (this.loading.size >= REMOTE_LOADS_MAX) return Promise.reject(new ClosedError(`remote lookups (${REMOTE_LOADS_MAX} already running)`));
    const abort = new AbortController();
    let reject!: (err: unknown) => void;
    let resolve!: (data: DnsInstances | undefined) => void;
    const settled = new Promise<DnsInstances | undefined>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    const timer = this.timers.after(this.options.timeoutMs, () => {
      const err = new TimeoutError(`remote lookup took over ${this.options.timeoutMs} ms`);
      abort.abort(err);
      reject(err);
    });
    const promise = settled.then(
      (data) => {
        timer.cancel();
        this.keep(d.key, data);
        return data;
      },
      (err: unknown) => {
        timer.cancel();
        this.fail(d.key, err);
        throw err;
      },
    ).finally(() => this.loading.delete(d.key));
    this.loading.set(d.key, { promise, abort, reject, timer });
    let started: Promise<DnsInstances | undefined>;
    try {
      started = d.load(abort.signal);
    } catch (err) {
      started = Promise.reject(err);
    }
    // The first to settle wins; a load that ends after its timeout or close is ignored.
    started.then(resolve, reject);
    return promise;
  }

  private keep(key: string, data: DnsInstances | undefined): void {
    if (this.closed) return;
    this.failedUntil.delete(key);
    this.entries.delete(key);
    if (this.entries.size >= REMOTE_ANSWERS_MAX) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(key, { data, loadedAtMs: this.timers.nowMs() });
  }

  private fail(key: string, err: unknown): void {
    this.logger.debug({ key: key.replaceAll("\u0000", " "), err }, "dns: remote lookup failed");
    if (this.closed) return;
    this.failedUntil.delete(key);
    if (this.failedUntil.size >= REMOTE_ANSWERS_MAX) this.failedUntil.delete(this.failedUntil.keys().next().value!);
    this.failedUntil.set(key, this.timers.nowMs() + REMOTE_FAILURE_HOLD_MS);
  }

  /** Aborts every load (their queries answer SERVFAIL) and refuses new ones. Idempotent. */
  close(): void {
    this.closed = true;
    for (const l of this.loading.values()) {
      const err = new ClosedError("dns server");
      l.timer.cancel();
      l.abort.abort(err);
      l.reject(err);
    }
    this.entries.clear();
    this.failedUntil.clear();
  }
}
