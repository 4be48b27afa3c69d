/**
 * Sessions: leases tied to a node and its checks, the basis of locks. TTL
 * sessions are destroyed when not renewed in time: renewals travel through
 * the log from any agent, and the leader keeps the clock (session-ttl.ts).
 *
 * @module
 */
import { randomUUID } from "node:crypto";
import type { SessionBehavior, SessionRecord } from "../catalog/types.js";
import { InvalidArgumentError, NotFoundError, SessionInvalidError } from "../util/errors.js";
import { parseDuration, type Duration } from "../util/duration.js";
import type { Timers } from "../util/timers.js";
import type { CommandBackend } from "./backend.js";

/** Shortest and longest session TTL (Consul's bounds). */
export const SESSION_TTL_MS_MIN = 10_000;
/** Longest session TTL (Consul's bound). */
export const SESSION_TTL_MS_MAX = 86_400_000;
/** Longest lock delay (Consul's bound). */
export const LOCK_DELAY_MS_MAX = 60_000;

/** Options of {@link Sessions.create}. */
export interface SessionOptions {
  name?: string;
  /**
   * Invalidate unless renewed within this long (10s to 24h); omit for no TTL.
   * As in Consul, the leader destroys it once twice this long passes without a renewal.
   */
  ttl?: Duration;
  /** What happens to held locks on invalidation. @defaultValue "release" */
  behavior?: SessionBehavior;
  /** After invalidation, its locks cannot be re-acquired for this long. @defaultValue "15s" */
  lockDelay?: Duration;
  /** Check IDs on this node tying the session to health. @defaultValue ["serfHealth"] */
  checks?: string[];
  signal?: AbortSignal;
}

/** The agent's session API. */
export class Sessions {
  constructor(
    private readonly backend: CommandBackend,
    private readonly node: string,
    private readonly timers: Timers,
  ) {}

  /** Creates a session and returns its ID. */
  async create(options: SessionOptions = {}): Promise<string> {
    if (typeof options !== "object" || options === null) throw new InvalidArgumentError("options", "must be an object");
    const ttlMs = options.ttl === undefined ? 0 : parseDuration(options.ttl, "ttl");
    if (ttlMs !== 0 && (ttlMs < SESSION_TTL_MS_MIN || ttlMs > SESSION_TTL_MS_MAX)) {
      throw new InvalidArgumentError("ttl", "must be between 10s and 24h");
    }
    const lockDelayMs = options.lockDelay === undefined ? 15_000 : parseDuration(options.lockDelay, "lockDelay");
    if (lockDelayMs > LOCK_DELAY_MS_MAX) throw new InvalidArgumentError("lockDelay", "must be at most 60s");
    const behavior = options.behavior ?? "release";
    if (behavior !== "release" && behavior !== "delete") throw new InvalidArgumentError("behavior", 'must be "release" or "delete"');
    if (options.name !== undefined && typeof options.name !== "string") throw new InvalidArgumentError("name", "must be a string");
    if (options.checks !== undefined && (!Array.isArray(options.checks) || options.checks.some((c) => typeof c !== "string"))) {
      throw new InvalidArgumentError("checks", "must be an array of check IDs");
    }
    const id = randomUUID();
    const result = await this.backend.propose({
      op: "session-create",
      session: { id, name: options.name ?? "", node: this.node, checks: options.checks, ttlMs, behavior, lockDelayMs },
      nowMs: this.timers.nowMs(),
    }, options.signal);
    if (!result.ok) throw new InvalidArgumentError("checks", result.error);
    return id;
  }

  /**
   * Renews a TTL session (from any agent: the renewal goes through the log to
   * the leader that keeps its clock).
   * @throws SessionInvalidError when it no longer exists.
   */
  async renew(id: string, signal?: AbortSignal): Promise<SessionRecord> {
    if (typeof id !== "string" || id.length === 0) throw new InvalidArgumentError("id", "must be a session ID");
    const record = this.backend.catalog.state.session(id);
    if (!record) throw new SessionInvalidError(id);
    if (record.ttlMs === 0) return record;
    const result = await this.backend.propose({ op: "session-renew", id, nowMs: this.timers.nowMs() }, signal);
    if (!result.ok) throw new SessionInvalidError(id);
    return this.backend.catalog.state.session(id) ?? record;
  }

  /** Destroys a session, releasing (or deleting) the locks it holds. Resolves false if it did not exist. */
  async destroy(id: string, signal?: AbortSignal): Promise<boolean> {
    if (typeof id !== "string" || id.length === 0) throw new InvalidArgumentError("id", "must be a session ID");
    if (!this.backend.catalog.state.session(id)) return false;
    const result = await this.backend.propose({ op: "session-destroy", id, nowMs: this.timers.nowMs() }, signal);
    return result.ok;
  }

  /** One session. @throws NotFoundError when it does not exist. */
  info(id: string): SessionRecord {
    const record = this.backend.catalog.state.session(id);
    if (!record) throw new NotFoundError(`session ${id} does not exist`);
    return record;
  }

  /** Every session. */
  list(): SessionRecord[] {
    return this.backend.catalog.state.sessions();
  }

  /** Nothing to release: TTL clocks live on the leader. Kept so the agent's close() stays uniform. */
  close(): void {}
}
