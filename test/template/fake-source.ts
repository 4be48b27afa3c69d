/** An in-memory TemplateSource with blocking reads, for runner and watcher tests. */
import { dependencyKey, type Dependency } from "../../lib/template/dependency.js";
import type { FetchOptions, FetchResult, TemplateSource } from "../../lib/template/source.js";
import { AbortedError, ClosedError } from "../../lib/util/errors.js";
import { ManualTimers } from "../../lib/util/timers.js";
import { flush } from "./helpers.js";

interface Waiter {
  key: string;
  minIndex: number;
  resolve: () => void;
}

function emptyValue(dep: Dependency): unknown {
  if (dep.kind === "health-service" || dep.kind === "kv-list" || dep.kind === "catalog-nodes") return [];
  if (dep.kind === "catalog-services") return {};
  return undefined;
}

/** Answers from a map; a read with an index at or past the data's blocks until `set` changes it. */
export class FakeSource implements TemplateSource {
  private global = 1;
  private readonly data = new Map<string, { value: unknown; index: number }>();
  private readonly waiters = new Set<Waiter>();
  /** Reads started, per dependency key. */
  readonly fetches = new Map<string, number>();
  /** Reads in progress (blocked), per dependency key. */
  readonly pending = new Map<string, number>();
  /** Errors the next reads throw, in order. */
  readonly failures: Error[] = [];
  closed = false;

  /** Sets a dependency's data (a new index) and wakes its readers. */
  set(dep: Dependency, value: unknown): void {
    const key = dependencyKey(dep);
    this.data.set(key, { value, index: ++this.global });
    for (const w of [...this.waiters]) if (w.key === key) w.resolve();
  }

  /** Bumps a dependency's index without changing its value (Consul: a return is no guarantee of change). */
  touch(dep: Dependency): void {
    const key = dependencyKey(dep);
    const cur = this.data.get(key);
    this.set(dep, cur ? cur.value : emptyValue(dep));
  }

  /** Keys with a blocked read. */
  watched(): string[] {
    return [...this.pending.entries()].filter(([, n]) => n > 0).map(([k]) => k).sort();
  }

  async fetch(dep: Dependency, o: FetchOptions): Promise<FetchResult> {
    const key = dependencyKey(dep);
    this.fetches.set(key, (this.fetches.get(key) ?? 0) + 1);
    if (this.closed) throw new ClosedError("fake");
    const failure = this.failures.shift();
    if (failure) throw failure;
    const current = (): { value: unknown; index: number } => this.data.get(key) ?? { value: emptyValue(dep), index: 1 };
    if (current().index <= o.index) {
      this.pending.set(key, (this.pending.get(key) ?? 0) + 1);
      try {
        await new Promise<void>((resolve, reject) => {
          const w: Waiter = { key, minIndex: o.index, resolve: () => done(resolve) };
          const onAbort = (): void => done(() => reject(new AbortedError()));
          const done = (f: () => void): void => {
            this.waiters.delete(w);
            o.signal.removeEventListener("abort", onAbort);
            f();
          };
          this.waiters.add(w);
          o.signal.addEventListener("abort", onAbort, { once: true });
        });
      } finally {
        this.pending.set(key, this.pending.get(key)! - 1);
      }
    }
    const c = current();
    return { value: c.value, index: c.index };
  }
}

/** Advances manual time in steps, letting promise callbacks run between steps. */
export async function tick(timers: ManualTimers, ms: number, stepMs = 10): Promise<void> {
  await flush();
  for (let done = 0; done < ms; done += stepMs) {
    timers.advance(Math.min(stepMs, ms - done));
    await flush();
  }
}

/**
 * Awaits `p` while advancing manual time in 10 ms steps (at most `maxMs`), for
 * work that needs both timers and real I/O (file writes) to finish.
 */
export async function during<T>(timers: ManualTimers, p: Promise<T>, maxMs = 10_000): Promise<T> {
  let settled = false;
  p.then(() => (settled = true), () => (settled = true));
  for (let ms = 0; !settled && ms < maxMs; ms += 10) {
    timers.advance(10);
    await flush(3);
  }
  return p;
}
