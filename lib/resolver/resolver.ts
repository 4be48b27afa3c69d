/**
 * The client-side resolver `discover()` returns: an instance set kept current
 * by a push feed (blocking watches on the catalog, never polling), a
 * load-balancing policy, and outlier ejection.
 *
 * @module
 */
import { EventEmitter } from "eventemitter3";
import { systemClock, type Clock } from "../util/clock.js";
import { AbortedError, ClosedError, InvalidArgumentError, NoInstancesError } from "../util/errors.js";
import { silentLogger, type Logger } from "../util/logger.js";
import { randomRng, type Rng } from "../util/rng.js";
import { EndpointTable } from "./endpoints.js";
import type { Instance } from "./instance.js";
import { resolveResolverOptions, type ResolvedResolverOptions, type ResolverOptions } from "./options.js";
import { OutlierDetector } from "./outlier.js";
import { createPolicy } from "./policies/create.js";
import type { Policy } from "./policies/policy.js";
import { SnapshotWatch } from "./watch.js";

export {
  resolveResolverOptions,
  type PolicyName,
  type ResolvedResolverOptions,
  type ResolverOptions,
} from "./options.js";

/**
 * Where a resolver's instances come from. `start` begins delivering: it calls
 * `push` with the whole current list (already filtered by tag, health and
 * datacenter) at once or as soon as known, then again on every change, and
 * `fail` when it cannot (the resolver emits it as `"error"` and keeps its last
 * set; the feed is expected to keep trying). It returns a function that stops
 * the feed; after that, calls to `push` and `fail` are ignored.
 */
export interface InstanceFeed {
  start(push: (instances: Instance[]) => void, fail: (err: Error) => void): () => void;
}

/** Events of a {@link Resolver}. */
export interface ResolverEvents {
  /**
   * The instance set changed (compared by instance key and every field), or
   * became known for the first time (even if empty). Emitted after the policy
   * has been rebuilt, so `pick()` inside the listener already uses the new set.
   */
  change: (instances: readonly Instance[]) => void;
  /** The feed failed, or a listener threw. The resolver keeps working on its last set. */
  error: (err: Error) => void;
}

/** Injected dependencies; tests pass a ManualClock and a SeededRng. */
export interface ResolverDeps {
  /** Time for ejections and latency decay. @defaultValue systemClock */
  clock?: Clock;
  /** Randomness for the policy. @defaultValue randomRng() */
  rng?: Rng;
  /** Where listener failures are logged. @defaultValue silent */
  logger?: Logger;
}

/** How a picked request ended, as given to {@link Resolver.report}. */
export interface PickOutcome {
  /** Whether the request succeeded. Failures in a row lead to outlier ejection. */
  ok: boolean;
  /** The request's latency in ms, when measured; feeds `peak-ewma`. */
  latencyMs?: number;
}

/** Diagnostics for one instance, from {@link Resolver.stats}. */
export interface InstanceStats {
  /** Requests picked and not yet reported. */
  inFlight: number;
  /** Whether outlier ejection has taken it out of service. */
  ejected: boolean;
}

interface ReadyWaiter {
  resolve: () => void;
  reject: (err: Error) => void;
  signal: AbortSignal | undefined;
  onAbort: () => void;
}

/**
 * A live, load-balanced view of one service's instances.
 *
 * Contract: every `pick()` counts one request in flight on the instance it
 * returns; `report(instance, outcome)` ends that request (the count goes down,
 * never below 0), feeds its latency to `peak-ewma` and its success or failure
 * to outlier ejection. Callers that never report leave `least-request` and
 * `peak-ewma` blind to completions, and outlier ejection off in effect.
 *
 * Instances that are ejected, or critical (only reachable with
 * `passingOnly: false`), are left out of picks, unless fewer than
 * `panicThresholdPercent` of the set remain usable: then every instance is a
 * candidate (Envoy's panic mode), so a resolver with instances always picks one.
 */
export class Resolver extends EventEmitter<ResolverEvents> {
  /** The service this resolver discovers. */
  readonly service: string;
  /** The options in force, with defaults applied. */
  readonly options: ResolvedResolverOptions;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly table = new EndpointTable();
  private readonly policy: Policy;
  /** Whether the policy needs the time of every completion. */
  private readonly timedPolicy: boolean;
  private readonly outlier: OutlierDetector | undefined;
  private readonly waiters = new Set<ReadyWaiter>();
  private readonly watchers = new Set<SnapshotWatch<readonly Instance[]>>();
  private known = false;
  private closed = false;
  private panic = false;
  private stopFeed: (() => void) | undefined;

  /**
   * Validates the options and starts `feed`.
   * @throws InvalidArgumentError for an empty service name or bad options (see {@link resolveResolverOptions}).
   */
  constructor(service: string, options: ResolverOptions, feed: InstanceFeed, deps: ResolverDeps = {}) {
    super();
    if (typeof service !== "string" || service.length === 0) {
      throw new InvalidArgumentError("service", "must be a non-empty service name");
    }
    this.service = service;
    this.options = resolveResolverOptions(options);
    this.clock = deps.clock ?? systemClock;
    this.logger = deps.logger ?? silentLogger;
    this.policy = createPolicy(this.options, deps.rng ?? randomRng());
    this.timedPolicy = this.options.policy === "peak-ewma";
    this.outlier = this.options.outlier === false ? undefined : new OutlierDetector(this.options.outlier);
    this.stopFeed = feed.start(
      (instances) => this.onPush(instances),
      (err) => this.onFail(err),
    );
  }

  /**
   * Resolves once the feed has delivered at least one instance (at once if it has).
   * @throws AbortedError when `signal` fires first; ClosedError when the resolver is or gets closed.
   */
  ready(options: { signal?: AbortSignal } = {}): Promise<void> {
    const signal = options.signal;
    if (this.closed) return Promise.reject(this.closedError());
    if (signal?.aborted) return Promise.reject(new AbortedError({ cause: signal.reason }));
    if (this.table.size > 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const waiter: ReadyWaiter = {
        resolve,
        reject,
        signal,
        onAbort: () => this.settle(waiter, new AbortedError({ cause: signal?.reason })),
      };
      signal?.addEventListener("abort", waiter.onAbort, { once: true });
      this.waiters.add(waiter);
    });
  }

  /**
   * Chooses an instance by the policy and counts one request in flight on it;
   * end that request with {@link Resolver.report}. Synchronous; allocates nothing.
   * @param key - request key for `ring-hash` and `maglev` (the same key goes to
   *   the same instance while the set holds); other policies ignore it. Without
   *   a key those two pick a random point.
   * @throws NoInstancesError when the set is empty; ClosedError after close().
   */
  pick(key?: string): Instance {
    if (this.closed) throw this.closedError();
    const table = this.table;
    if (table.size === 0) throw this.noInstances();
    // The clock is read only while something is ejected: the normal path stays clock-free.
    if (this.outlier !== undefined && this.outlier.ejectedCount > 0) this.returnEjected();
    const index = this.policy.pick(key);
    table.inflight[index]++;
    return table.instances[index]!;
  }

  /** The current instance set, sorted by node then ID; empty before the first push and after close(). */
  instances(): readonly Instance[] {
    return this.table.instances;
  }

  /**
   * Iterates over the instance set: first the current set (once known), then
   * each changed set. A consumer slower than the changes gets the newest set
   * and skips those in between. Ends (`done`, no throw) when `signal` fires or
   * the resolver closes; `break` or `return()` stops it and frees it.
   */
  watch(options: { signal?: AbortSignal } = {}): AsyncIterableIterator<readonly Instance[]> {
    const watch = new SnapshotWatch<readonly Instance[]>(options.signal, (w) => this.watchers.delete(w));
    if (this.closed) watch.end();
    if (watch.ended) return watch;
    this.watchers.add(watch);
    if (this.known) watch.offer(this.table.instances);
    return watch;
  }

  /**
   * Ends one request started by `pick()`: decrements the instance's in-flight
   * count (never below 0), gives the latency to `peak-ewma` and the outcome to
   * outlier ejection. Reports for instances no longer in the set, and reports
   * after close(), are ignored.
   * @throws InvalidArgumentError when `instance` or `outcome` is malformed.
   */
  report(instance: Instance, outcome: PickOutcome): void {
    if (typeof instance !== "object" || instance === null) throw new InvalidArgumentError("instance", "must be an instance from pick()");
    if (typeof outcome !== "object" || outcome === null || typeof outcome.ok !== "boolean") {
      throw new InvalidArgumentError("outcome.ok", "must be a boolean");
    }
    const latencyMs = outcome.latencyMs;
    if (latencyMs !== undefined && !(typeof latencyMs === "number" && latencyMs >= 0 && latencyMs < Number.POSITIVE_INFINITY)) {
      throw new InvalidArgumentError("outcome.latencyMs", `must be a finite number of ms >= 0, got ${String(latencyMs)}`);
    }
    if (this.closed) return;
    const index = this.table.indexOf(instance);
    if (index < 0) return;
    const inflight = this.table.inflight;
    if (inflight[index]! > 0) inflight[index]--;
    const outlier = this.outlier;
    const needsTime = this.timedPolicy || !outcome.ok || (outlier !== undefined && outlier.ejectedCount > 0);
    const now = needsTime ? this.clock.nowMs() : Number.NaN;
    if (this.timedPolicy) this.policy.complete(index, latencyMs ?? Number.NaN, now);
    if (outlier === undefined) return;
    let changed = outlier.ejectedCount > 0 && outlier.returnDue(now);
    if (outcome.ok) outlier.success(index);
    else changed = outlier.failure(index, now) || changed;
    if (changed) this.rebuild(null);
  }

  /** In-flight count and ejection state of `instance` now, or undefined when it is not in the set. */
  stats(instance: Instance): InstanceStats | undefined {
    if (this.outlier !== undefined && this.outlier.ejectedCount > 0) this.returnEjected();
    const index = this.table.indexOf(instance);
    if (index < 0) return undefined;
    return { inFlight: this.table.inflight[index]!, ejected: this.outlier?.isEjected(index) ?? false };
  }

  /** Whether picks currently ignore ejection and health because too few instances are usable (panic mode). */
  get panicking(): boolean {
    return this.panic;
  }

  /**
   * Stops the feed, ends every watch iterator, rejects pending `ready()` calls
   * with ClosedError and drops all listeners. Later `pick()` throws ClosedError.
   * Idempotent.
   */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    const stop = this.stopFeed;
    this.stopFeed = undefined;
    try {
      stop?.();
    } catch (err) {
      this.logger.warn({ err, service: this.service }, "resolver feed failed to stop");
    }
    for (const waiter of [...this.waiters]) this.settle(waiter, this.closedError());
    for (const watch of [...this.watchers]) watch.end();
    this.table.clear();
    this.removeAllListeners();
  }

  private onPush(instances: Instance[]): void {
    if (this.closed) return;
    let moved: Int32Array | null;
    try {
      moved = this.table.replace(instances);
    } catch (err) {
      this.emitSafely("error", asError(err));
      return;
    }
    const first = !this.known;
    this.known = true;
    if (moved === null && !first) return;
    if (moved !== null) {
      this.outlier?.remap(this.table.size, moved);
      this.rebuild(moved);
    }
    const snapshot = this.table.instances;
    if (snapshot.length > 0) for (const waiter of [...this.waiters]) this.settle(waiter, undefined);
    for (const watch of this.watchers) watch.offer(snapshot);
    this.emitSafely("change", snapshot);
  }

  /** Brings back instances whose ejection has ended, and rebuilds if any did. */
  private returnEjected(): void {
    if (this.outlier!.returnDue(this.clock.nowMs())) this.rebuild(null);
  }

  private onFail(err: Error): void {
    if (this.closed) return;
    this.emitSafely("error", asError(err));
  }

  /** Recomputes the usable subset and rebuilds the policy over it. */
  private rebuild(moved: Int32Array | null): void {
    const table = this.table;
    const n = table.size;
    if (n === 0) return;
    const outlier = this.outlier;
    const usable = new Int32Array(n);
    let count = 0;
    for (let i = 0; i < n; i++) {
      if (table.instances[i]!.status === "critical" || outlier?.isEjected(i)) continue;
      usable[count++] = i;
    }
    this.panic = count === 0 || count * 100 < this.options.panicThresholdPercent * n;
    if (this.panic) for (let i = 0; i < n; i++) usable[i] = i;
    this.policy.rebuild(
      { instances: table.instances, keys: table.keys, inflight: table.inflight, usable: this.panic ? usable : usable.slice(0, count) },
      moved,
    );
  }

  private settle(waiter: ReadyWaiter, err: Error | undefined): void {
    if (!this.waiters.delete(waiter)) return;
    waiter.signal?.removeEventListener("abort", waiter.onAbort);
    if (err === undefined) waiter.resolve();
    else waiter.reject(err);
  }

  /** Emits without letting a listener's throw escape into the feed (the host's callback). */
  private emitSafely<E extends keyof ResolverEvents>(event: E, ...args: Parameters<ResolverEvents[E]>): void {
    try {
      (this.emit as (event: E, ...args: Parameters<ResolverEvents[E]>) => boolean)(event, ...args);
    } catch (err) {
      this.logger.warn({ err, service: this.service, event }, "resolver listener threw");
      if (event !== "error") {
        try {
          this.emit("error", asError(err));
        } catch (again) {
          this.logger.warn({ err: again, service: this.service }, "resolver error listener threw");
        }
      }
    }
  }

  private noInstances(): NoInstancesError {
    if (!this.known) return new NoInstancesError(this.service, "no instances known yet (await ready())");
    return new NoInstancesError(this.service, this.options.passingOnly ? "no passing instances" : "no instances");
  }

  private closedError(): ClosedError {
    return new ClosedError(`resolver for "${this.service}"`);
  }
}

function asError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value));
}
