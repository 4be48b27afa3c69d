/**
 * The catalog as the agent uses it: the state machine plus its watch hub,
 * kept in step.
 *
 * @module
 */
import type { Timers } from "../util/timers.js";
import type { CatalogCommand } from "./commands.js";
import { CatalogState, type ApplyResult } from "./state.js";
import { WatchHub } from "./watch.js";

/** Options of {@link Catalog}. */
export interface CatalogOptions {
  /** The datacenter this catalog serves. @defaultValue "dc1" */
  datacenter?: string;
  /** Timers for blocking-read timeouts (realTimers() in production, ManualTimers in tests). */
  timers: Timers;
}

/**
 * The catalog facade: {@link apply} runs a command on the state and wakes the
 * watchers of what it changed; {@link restore} swaps in a snapshot and wakes
 * every watcher.
 */
export class Catalog {
  /** Blocking reads over {@link state}. */
  readonly hub: WatchHub;
  private current: CatalogState;
  private readonly datacenter: string | undefined;
  private isClosed = false;

  constructor(options: CatalogOptions) {
    this.datacenter = options.datacenter;
    this.current = new CatalogState(options.datacenter === undefined ? {} : { datacenter: options.datacenter });
    this.hub = new WatchHub(this.current, options.timers);
  }

  /** The current state; replaced by {@link restore}, so do not hold on to it across one. */
  get state(): CatalogState {
    return this.current;
  }

  /**
   * Applies a command at log index `index` and wakes the watchers of the scopes it moved.
   * @throws Error when `index` is not after the last applied one (see CatalogState.apply).
   */
  apply(index: number, cmd: CatalogCommand): ApplyResult {
    const { result, touched } = this.current.apply(index, cmd);
    // A restore replaces everything: wake every waiter, even on names neither state has.
    if (cmd.op === "restore") this.hub.setState(this.current);
    else this.hub.notify(touched);
    return result;
  }

  /** The state as snapshot bytes. */
  snapshot(): Uint8Array {
    return this.current.snapshot();
  }

  /**
   * Replaces the state with a snapshot and wakes every watcher.
   * @throws StorageCorruptError on bad bytes; the current state is then kept.
   */
  restore(bytes: Uint8Array): void {
    const next = CatalogState.restore(bytes, this.datacenter === undefined ? {} : { datacenter: this.datacenter });
    this.current = next;
    this.hub.setState(next);
  }

  /** True once {@link close} has been called: waits answer at once, so watch loops should stop. */
  get closed(): boolean {
    return this.isClosed;
  }

  /**
   * Resolves every pending wait and makes later ones answer at once. The state
   * stays readable and applicable (a driver may still be draining its log). Idempotent.
   */
  close(): void {
    this.isClosed = true;
    this.hub.close();
  }
}
