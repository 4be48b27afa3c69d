/**
 * The dependency watcher: one blocking-query loop per dependency in use,
 * shared by every template that uses it, holding the latest answer of each.
 * Templates tell it which dependencies their last render used
 * ({@link DependencyWatcher.track}); loops nobody needs any more stop.
 *
 * Loops follow Consul's blocking-query rules: an index that goes backwards
 * resets to 0; at least {@link WatcherOptions.minIntervalMs} between reads
 * (consul-template's 100 ms), so a source that answers at once cannot spin;
 * errors back off exponentially.
 *
 * @module
 */
import { ClosedError } from "../util/errors.js";
import { silentLogger, type Logger } from "../util/logger.js";
import type { Timers } from "../util/timers.js";
import type { DataResult } from "./data-functions.js";
import { dependencyKey, describeDependency, type Dependency } from "./dependency.js";
import type { TemplateSource } from "./source.js";

/** Default blocking wait per read (consul-template's `block_query_wait`). */
export const BLOCKING_WAIT_MS_DEFAULT = 60_000;
/** Default least time between two reads of one dependency (consul-template's rate limit). */
export const MIN_INTERVAL_MS_DEFAULT = 100;
/** First retry delay after an error; doubles per failure. */
export const RETRY_MS_BASE = 250;
/** Longest retry delay. */
export const RETRY_MS_MAX = 30_000;

/** Options of {@link DependencyWatcher}. */
export interface WatcherOptions {
  /** Timers for backoff and rate limiting (ManualTimers in tests). */
  timers: Timers;
  logger?: Logger;
  /** Blocking wait per read, ms. @defaultValue 60000 */
  waitMs?: number;
  /** Least time between two reads of one dependency, ms. @defaultValue 100 */
  minIntervalMs?: number;
}

interface Owner {
  keys: Set<string>;
  onChange: () => void;
}

interface View {
  dep: Dependency;
  owners: Set<object>;
  data: { value: unknown; json: string } | undefined;
  stop: AbortController;
}

/** Watches dependencies for any number of templates. */
export class DependencyWatcher {
  private readonly views = new Map<string, View>();
  private readonly owners = new Map<object, Owner>();
  private readonly logger: Logger;
  private readonly waitMs: number;
  private readonly minIntervalMs: number;
  private closed = false;

  constructor(private readonly source: TemplateSource, private readonly options: WatcherOptions) {
    this.logger = options.logger ?? silentLogger;
    this.waitMs = options.waitMs ?? BLOCKING_WAIT_MS_DEFAULT;
    this.minIntervalMs = options.minIntervalMs ?? MIN_INTERVAL_MS_DEFAULT;
  }

  /** The latest answer for a dependency, if one has arrived. */
  get(dep: Dependency): DataResult {
    const data = this.views.get(dependencyKey(dep))?.data;
    return data ? { ready: true, value: data.value } : { ready: false };
  }

  /** Number of dependencies being watched. */
  get size(): number {
    return this.views.size;
  }

  /**
   * Sets the dependencies `owner` needs: starts loops for new ones, stops
   * those no owner needs any more. `onChange` runs (synchronously) whenever
   * one of them gets a new answer; it must not throw.
   */
  track(owner: object, deps: readonly Dependency[], onChange: () => void): void {
    if (this.closed) return;
    const keys = new Set(deps.map(dependencyKey));
    const previous = this.owners.get(owner);
    this.owners.set(owner, { keys, onChange });
    deps.forEach((dep) => {
      const key = dependencyKey(dep);
      let view = this.views.get(key);
      if (!view) {
        view = { dep, owners: new Set(), data: undefined, stop: new AbortController() };
        this.views.set(key, view);
        void this.loop(view);
      }
      view.owners.add(owner);
    });
    for (const key of previous?.keys ?? []) if (!keys.has(key)) this.release(owner, key);
  }

  /** Forgets `owner`, stopping the loops only it needed. */
  untrack(owner: object): void {
    const o = this.owners.get(owner);
    if (!o) return;
    this.owners.delete(owner);
    for (const key of o.keys) this.release(owner, key);
  }

  /** Stops every loop. Idempotent. The source stays open: whoever made it closes it. */
  close(): void {
    this.closed = true;
    for (const view of this.views.values()) view.stop.abort();
    this.views.clear();
    this.owners.clear();
  }

  private release(owner: object, key: string): void {
    const view = this.views.get(key);
    if (!view) return;
    view.owners.delete(owner);
    if (view.owners.size === 0) {
      view.stop.abort();
      this.views.delete(key);
      this.logger.debug({ component: "template", dependency: describeDependency(view.dep) }, "stopped watching");
    }
  }

  private sleep(ms: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (signal.aborted) return resolve();
      const onAbort = (): void => {
        handle.cancel();
        resolve();
      };
      const handle = this.options.timers.after(ms, () => {
        signal.removeEventListener("abort", onAbort);
        resolve();
      });
      signal.addEventListener("abort", onAbort, { once: true });
    });
  }

  private notify(view: View): void {
    for (const owner of view.owners) {
      try {
        this.owners.get(owner)?.onChange();
      } catch (err) {
        this.logger.error({ component: "template", err }, "change listener threw");
      }
    }
  }

  private async loop(view: View): Promise<void> {
    const { timers } = this.options;
    const signal = view.stop.signal;
    const what = describeDependency(view.dep);
    let index = 0;
    let failures = 0;
    while (!signal.aborted) {
      const started = timers.nowMs();
      try {
        const r = await this.source.fetch(view.dep, { index, waitMs: this.waitMs, signal });
        if (signal.aborted) return;
        if (failures > 0) this.logger.info({ component: "template", dependency: what }, "reads work again");
        failures = 0;
        // Consul's rule: a smaller index means the data was reset (restore, key deleted); start over.
        index = r.index < index ? 0 : Math.max(1, r.index);
        const json = JSON.stringify(r.value) ?? "undefined";
        if (view.data === undefined || view.data.json !== json) {
          view.data = { value: r.value, json };
          this.logger.debug({ component: "template", dependency: what, index }, "new data");
          this.notify(view);
        }
      } catch (err) {
        if (signal.aborted) return;
        if (err instanceof ClosedError) {
          this.logger.warn({ component: "template", dependency: what }, "source closed; stopped watching");
          return;
        }
        failures++;
        const delay = Math.min(RETRY_MS_BASE * 2 ** Math.min(failures - 1, 20), RETRY_MS_MAX);
        this.logger.warn({ component: "template", dependency: what, err: (err as Error).message ?? String(err), retryInMs: delay }, "read failed");
        await this.sleep(delay, signal);
        continue;
      }
      const elapsed = timers.nowMs() - started;
      if (elapsed < this.minIntervalMs) await this.sleep(this.minIntervalMs - elapsed, signal);
    }
  }
}
