/**
 * Blocking reads: callers wait until a scope's index passes the one they last
 * saw, as Consul's `?index=&wait=` queries do.
 *
 * @module
 */
import { AbortedError, InvalidArgumentError } from "../util/errors.js";
import { BLOCKING_WAIT_MS_MAX } from "../util/limits.js";
import type { TimerHandle, Timers } from "../util/timers.js";
import { kvScopeKey, scopeKey, type WatchScope } from "./scope.js";
import type { CatalogState } from "./state.js";

/** Options of {@link WatchHub.wait}. */
export interface WaitOptions {
  /**
   * Longest wait in ms; the wait then resolves with the current index, changed or
   * not. Clamped to BLOCKING_WAIT_MS_MAX (10 min, Consul's `max_query_time`);
   * 0 answers at once.
   */
  timeoutMs: number;
  /** Aborting rejects the wait with AbortedError. */
  signal?: AbortSignal;
}

/** The index every scope answers before it first changes (Consul never answers 0). */
const FIRST_INDEX = 1;

interface Waiter {
  readonly key: string;
  readonly scope: WatchScope;
  readonly minIndex: number;
  readonly resolve: (index: number) => void;
  /** KV prefix length when this waits on a prefix, else -1. */
  readonly prefixLength: number;
  timer?: TimerHandle;
  signal?: AbortSignal;
  onAbort?: () => void;
}

/** A copy of the scope the caller cannot change under us. */
function copyScope(s: WatchScope): WatchScope {
  switch (s.kind) {
    case "service":
    case "node":
      return { kind: s.kind, name: s.name };
    case "kv":
      return s.prefix ? { kind: "kv", key: s.key, prefix: true } : { kind: "kv", key: s.key };
    default:
      return { kind: s.kind };
  }
}

/**
 * Waiters on catalog scopes, woken by {@link notify} after each apply.
 *
 * Waiters are grouped by scope key, so a write touching one service looks up
 * that service's group only: cost is proportional to the waiters it wakes, not
 * to all waiters. A KV write also wakes prefix waiters: the hub keeps the set of
 * prefix lengths being waited on and looks up the written key's prefix of each
 * such length, never scanning waiters. A waiter holds one timer, cancelled as
 * soon as it resolves, and one abort listener, removed likewise.
 */
export class WatchHub {
  private readonly groups = new Map<string, Set<Waiter>>();
  /** Prefix length → number of prefix groups of that length. */
  private readonly prefixLengths = new Map<number, number>();
  private waiting = 0;
  private closed = false;

  constructor(
    private state: CatalogState,
    private readonly timers: Timers,
  ) {}

  /** Number of pending waits. */
  get size(): number {
    return this.waiting;
  }

  /** Wakes the waiters of every scope an apply touched whose index now passes theirs. */
  notify(touched: readonly WatchScope[]): void {
    if (this.waiting === 0 || touched.length === 0) return;
    const keys = new Set<string>();
    for (const s of touched) {
      if (s.kind !== "kv") {
        keys.add(scopeKey(s));
        continue;
      }
      keys.add(kvScopeKey(s.key, false));
      for (const len of this.prefixLengths.keys()) if (len <= s.key.length) keys.add(kvScopeKey(s.key.slice(0, len), true));
    }
    for (const k of keys) {
      const group = this.groups.get(k);
      if (!group) continue;
      let index = 0;
      for (const w of [...group]) {
        index ||= this.state.scopeIndex(w.scope);
        // Index 1 is also what every untouched scope answers, so a change applied
        // at log index 1 cannot be told from "nothing yet" by comparing indexes:
        // wake those waiters anyway (they get the same index and fresh data).
        if (index > w.minIndex || index === FIRST_INDEX) this.settle(w, index);
      }
    }
  }

  /**
   * Waits until `scope`'s index is greater than `minIndex`, then resolves with it;
   * resolves at once if it already is, and with the current index when the
   * timeout passes or the hub closes.
   * Rejects with InvalidArgumentError for a bad scope, minIndex or timeoutMs, and
   * with AbortedError when `signal` fires.
   */
  wait(scope: WatchScope, minIndex: number, options: WaitOptions): Promise<number> {
    let key: string;
    try {
      key = scopeKey(scope);
      if (typeof minIndex !== "number" || !Number.isFinite(minIndex) || minIndex < 0) {
        throw new InvalidArgumentError("minIndex", "must be a finite number >= 0");
      }
      const t = options?.timeoutMs;
      if (typeof t !== "number" || !Number.isFinite(t) || t < 0) {
        throw new InvalidArgumentError("timeoutMs", "must be a finite number of ms >= 0");
      }
    } catch (err) {
      return Promise.reject(err);
    }
    const { signal } = options;
    if (signal?.aborted) return Promise.reject(new AbortedError({ cause: signal.reason }));
    const current = this.state.scopeIndex(scope);
    const timeoutMs = Math.min(options.timeoutMs, BLOCKING_WAIT_MS_MAX);
    if (this.closed || current > minIndex || timeoutMs === 0) return Promise.resolve(current);

    return new Promise<number>((resolve, reject) => {
      const copy = copyScope(scope);
      const prefixLength = copy.kind === "kv" && copy.prefix ? copy.key.length : -1;
      const w: Waiter = { key, scope: copy, minIndex, resolve, prefixLength };
      this.add(w);
      w.timer = this.timers.after(timeoutMs, () => this.settle(w, this.state.scopeIndex(w.scope)));
      if (signal) {
        w.signal = signal;
        w.onAbort = () => {
          this.remove(w);
          reject(new AbortedError({ cause: signal.reason }));
        };
        signal.addEventListener("abort", w.onAbort, { once: true });
      }
    });
  }

  /**
   * Points the hub at a new state (after a snapshot restore) and wakes every
   * waiter with its scope's index there: indexes may have moved either way.
   */
  setState(state: CatalogState): void {
    this.state = state;
    this.wakeAll();
  }

  /** Resolves every waiter with its current index; later waits resolve at once. Idempotent. */
  close(): void {
    this.closed = true;
    this.wakeAll();
  }

  private wakeAll(): void {
    for (const group of [...this.groups.values()]) {
      for (const w of [...group]) this.settle(w, this.state.scopeIndex(w.scope));
    }
  }

  private add(w: Waiter): void {
    let group = this.groups.get(w.key);
    if (!group) {
      this.groups.set(w.key, (group = new Set()));
      if (w.prefixLength >= 0) this.prefixLengths.set(w.prefixLength, (this.prefixLengths.get(w.prefixLength) ?? 0) + 1);
    }
    group.add(w);
    this.waiting++;
  }

  /** Unhooks a waiter: out of its group, timer cancelled, listener removed. */
  private remove(w: Waiter): boolean {
    const group = this.groups.get(w.key);
    if (!group?.delete(w)) return false;
    this.waiting--;
    if (group.size === 0) {
      this.groups.delete(w.key);
      if (w.prefixLength >= 0) {
        const n = this.prefixLengths.get(w.prefixLength)! - 1;
        if (n === 0) this.prefixLengths.delete(w.prefixLength);
        else this.prefixLengths.set(w.prefixLength, n);
      }
    }
    w.timer?.cancel();
    if (w.signal && w.onAbort) w.signal.removeEventListener("abort", w.onAbort);
    w.timer = undefined;
    w.signal = undefined;
    w.onAbort = undefined;
    return true;
  }

  private settle(w: Waiter, index: number): void {
    if (this.remove(w)) w.resolve(index);
  }
}
