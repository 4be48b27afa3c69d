/**
 * Anti-entropy: the agent is the source of truth for its own node, services
 * and checks. Now and then it compares them with the catalog and writes back
 * whatever went missing (a snapshot restore, `/v1/catalog/deregister`, a
 * force-leave while the node was in fact alive), as Consul's agent does.
 *
 * @module
 */
import type { Logger } from "../util/logger.js";
import type { Rng } from "../util/rng.js";
import type { TimerHandle, Timers } from "../util/timers.js";

/**
 * Default pause between two comparisons: Consul syncs at least once a
 * minute. Comparing is local and cheap; writes happen only on a difference.
 */
export const ANTI_ENTROPY_INTERVAL_MS_DEFAULT = 60_000;

/** Share of the interval added at random, so agents restarted together do not sync in step. */
const ANTI_ENTROPY_JITTER = 0.1;

/** What anti-entropy compares and repairs. */
export interface AntiEntropyTarget {
  /** True when the catalog lacks this agent's node or something it registered. */
  diverged(): boolean;
  /** Writes this agent's node, services and checks back. */
  repair(): Promise<void>;
}

/** A running anti-entropy loop. */
export class AntiEntropy {
  private timer: TimerHandle | undefined;
  private stopped = false;
  /** Repairs made, for tests and metrics. */
  repairs = 0;

  constructor(
    private readonly target: AntiEntropyTarget,
    private readonly intervalMs: number,
    private readonly timers: Timers,
    private readonly rng: Rng,
    private readonly logger: Logger,
  ) {}

  /** Starts the loop; the first comparison comes one interval from now. */
  start(): void {
    this.schedule();
  }

  private schedule(): void {
    if (this.stopped) return;
    const delay = this.intervalMs * (1 + ANTI_ENTROPY_JITTER * this.rng.float());
    this.timer = this.timers.after(delay, () => void this.round());
  }

  /** One comparison, and a repair when needed. Never throws. */
  async round(): Promise<void> {
    try {
      if (!this.stopped && this.target.diverged()) {
        this.logger.info({ component: "anti-entropy" }, "the catalog lacks this agent's registrations; writing them back");
        await this.target.repair();
        this.repairs++;
      }
    } catch (err) {
      this.logger.warn({ component: "anti-entropy", err }, "anti-entropy sync failed; trying again next round");
    } finally {
      this.schedule();
    }
  }

  /** Stops the loop. */
  stop(): void {
    this.stopped = true;
    this.timer?.cancel();
  }
}
