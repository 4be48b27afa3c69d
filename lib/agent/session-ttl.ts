/**
 * TTL enforcement for sessions, on the leader only (as Consul's): the leader
 * watches each TTL session's last renewal in the replicated state, and
 * destroys the session when no renewal was applied for `ttl × 2` of its own
 * clock. A renewal from any agent counts, because it travels through the log.
 * A new leader starts every session's clock afresh, so a leader change never
 * expires a session early; at worst it grants one extra grace period.
 *
 * @module
 */
import type { ApplyResult, CatalogCommand } from "../catalog/index.js";
import type { SessionRecord } from "../catalog/types.js";
import type { Logger } from "../util/logger.js";
import type { TimerHandle, Timers } from "../util/timers.js";

/**
 * A session is destroyed after this many TTLs without a renewal: the grace
 * Consul gives (its SessionTTLMultiplier), so a renewal sent just before the
 * TTL runs out is never too late.
 */
export const SESSION_TTL_MULTIPLIER = 2;

/** How often the leader looks for expired sessions; bounds how late past its deadline a session ends. */
export const SESSION_TTL_SCAN_MS = 1000;

/** What the keeper reads and writes. */
export interface SessionTtlDeps {
  /** Every session in the replicated state. */
  sessions(): SessionRecord[];
  /** Log index of a session's last renewal (or creation). */
  renewedAt(id: string): number | undefined;
  /** Whether this node leads now (dev mode: always). */
  isLeader(): boolean;
  propose(cmd: CatalogCommand): Promise<ApplyResult>;
  timers: Timers;
  logger: Logger;
}

interface Tracked {
  renewedAt: number;
  deadlineMs: number;
  destroying: boolean;
}

/** Destroys TTL sessions nobody renews, while this node leads. */
export class SessionTtlKeeper {
  private readonly tracked = new Map<string, Tracked>();
  private timer: TimerHandle | undefined;
  private stopped = false;

  constructor(private readonly d: SessionTtlDeps) {}

  /** Starts scanning. */
  start(): void {
    const tick = (): void => {
      if (this.stopped) return;
      this.scan();
      this.timer = this.d.timers.after(SESSION_TTL_SCAN_MS, tick);
    };
    this.timer = this.d.timers.after(SESSION_TTL_SCAN_MS, tick);
  }

  /** One pass: restart clocks that saw a renewal, destroy sessions past their deadline. */
  scan(): void {
    if (!this.d.isLeader()) {
      // Whoever leads next starts from a full grace period; so do we if we lead again.
      this.tracked.clear();
      return;
    }
    const now = this.d.timers.nowMs();
    const live = new Set<string>();
    for (const s of this.d.sessions()) {
      if (s.ttlMs <= 0) continue;
      live.add(s.id);
      const renewedAt = this.d.renewedAt(s.id) ?? s.modifyIndex;
      const t = this.tracked.get(s.id);
      if (!t || t.renewedAt !== renewedAt) {
        this.tracked.set(s.id, { renewedAt, deadlineMs: now + s.ttlMs * SESSION_TTL_MULTIPLIER, destroying: false });
      } else if (now >= t.deadlineMs && !t.destroying) {
        this.expire(s.id, t, now);
      }
    }
    for (const id of this.tracked.keys()) if (!live.has(id)) this.tracked.delete(id);
  }

  private expire(id: string, t: Tracked, now: number): void {
    t.destroying = true;
    this.d.logger.info({ component: "session-ttl", session: id }, "session TTL expired; destroying it");
    this.d.propose({ op: "session-destroy", id, nowMs: now }).catch((err: unknown) => {
      // Lost leadership or no quorum: the next scan (or the next leader) tries again.
      t.destroying = false;
      this.d.logger.warn({ component: "session-ttl", session: id, err }, "could not destroy an expired session");
    });
  }

  /** Stops scanning. */
  stop(): void {
    this.stopped = true;
    this.timer?.cancel();
    this.tracked.clear();
  }
}
