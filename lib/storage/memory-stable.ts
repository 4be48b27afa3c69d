/**
 * The in-memory twin of the stable store.
 *
 * @module
 */
import { ClosedError } from "../util/errors.js";
import { checkHardState } from "./checks.js";
import type { HardState, StableStore } from "./types.js";

/** What a {@link MemoryStableStore} keeps; share it with a new store to simulate a restart. */
export class MemoryStableDisk {
  /** The last state saved. */
  state: HardState | undefined;
}

/** Options of {@link MemoryStableStore}. */
export interface MemoryStableOptions {
  /** @defaultValue a new, empty disk */
  disk?: MemoryStableDisk;
}

/** A {@link StableStore} held in memory, with the file store's checks. */
export class MemoryStableStore implements StableStore {
  /** What survives a simulated restart. */
  readonly disk: MemoryStableDisk;
  private closed = false;

  constructor(options: MemoryStableOptions = {}) {
    this.disk = options.disk ?? new MemoryStableDisk();
  }

  async load(): Promise<HardState | undefined> {
    this.assertOpen();
    const s = this.disk.state;
    return s && { ...s };
  }

  async save(state: HardState): Promise<void> {
    this.assertOpen();
    checkHardState(state);
    this.disk.state = { term: state.term, vote: state.vote, commit: state.commit };
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  private assertOpen(): void {
    if (this.closed) throw new ClosedError("stable store");
  }
}
