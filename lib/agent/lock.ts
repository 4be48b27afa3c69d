/**
 * A distributed lock on a KV key, as Consul's `consul lock`: a session is
 * created and renewed, the key is acquired with it, and the lock is lost when
 * the session is invalidated or someone else takes the key.
 *
 * @module
 */
import { EventEmitter } from "eventemitter3";
import { AbortedError, ClosedError, InvalidArgumentError, SessionInvalidError } from "../util/errors.js";
import { parseDuration, type Duration } from "../util/duration.js";
import type { TimerHandle, Timers } from "../util/timers.js";
import type { Kv } from "./kv.js";
import type { Sessions } from "./sessions.js";

/** Pause before a renewal that failed for a reason other than a lost session is tried again. */
const LOCK_RENEW_RETRY_MS = 1000;

/** Options of `agent.lock(key, options)`. */
export interface LockOptions {
  /** Value stored in the key while held. @defaultValue "" */
  value?: string | Uint8Array;
  /** TTL of the lock's session; renewed at half of it. @defaultValue "15s" */
  sessionTtl?: Duration;
  /** Lock delay after the holder's session is invalidated. @defaultValue "15s" */
  lockDelay?: Duration;
}

/** Events of a {@link Lock}. */
export interface LockEvents {
  /** The lock was held and is no longer (session invalidated, key taken or deleted). */
  lost: () => void;
}

/** A session-backed lock on one KV key. */
export class Lock extends EventEmitter<LockEvents> {
  private session: string | undefined;
  private renewTimer: TimerHandle | undefined;
  private watchStop: AbortController | undefined;
  private held = false;
  private readonly sessionTtlMs: number;

  /** @internal Built by `agent.lock()`. */
  constructor(
    readonly key: string,
    private readonly kv: Kv,
    private readonly sessions: Sessions,
    private readonly timers: Timers,
    private readonly options: LockOptions = {},
  ) {
    super();
    this.sessionTtlMs = parseDuration(options.sessionTtl ?? "15s", "sessionTtl");
    if (options.lockDelay !== undefined) parseDuration(options.lockDelay, "lockDelay");
  }

  /** True while this lock is held. */
  get isHeld(): boolean {
    return this.held;
  }

  /**
   * Waits until the lock is acquired. Wakes on changes to the key (blocking
   * queries), and honours the lock delay after a holder's session ends.
   * @throws AbortedError when the signal fires first.
   */
  async acquire(options: { signal?: AbortSignal } = {}): Promise<void> {
    if (this.held) throw new InvalidArgumentError("lock", `lock "${this.key}" is already held by this handle`);
    const { signal } = options;
    this.session ??= await this.sessions.create({
      // Default checks: the node's serfHealth, so the lock is released if gossip declares this node failed.
      name: `lock ${this.key}`, ttl: this.sessionTtlMs, behavior: "release", lockDelay: this.options.lockDelay, signal,
    });
    this.armRenew();
    const watch = this.kv.watch(this.key, { signal });
    try {
      for (;;) {
        if (signal?.aborted) throw new AbortedError({ cause: signal.reason });
        if (await this.kv.put(this.key, this.options.value ?? "", { acquire: this.session, signal })) break;
        // Held by another session, or inside its lock delay: wait for the key to change or the delay to pass.
        const until = this.kv.lockDelayUntil(this.key) - this.timers.nowMs();
        await Promise.race([
          watch.next(),
          until > 0 ? new Promise<void>((r) => this.timers.after(until + 1, r)) : new Promise<never>(() => {}),
        ]);
      }
    } catch (err) {
      await this.dropSession();
      throw err;
    } finally {
      await watch.return(undefined);
    }
    this.held = true;
    this.watchLoss();
  }

  private armRenew(delayMs = this.sessionTtlMs / 2): void {
    this.renewTimer?.cancel();
    this.renewTimer = this.timers.after(delayMs, () => {
      if (!this.session) return;
      this.sessions.renew(this.session).then(() => this.armRenew(), (err: unknown) => {
        // Only a session that is gone loses the lock; a renewal that failed in
        // an election is tried again soon (the leader grants twice the TTL).
        if (err instanceof SessionInvalidError) this.markLost();
        else this.armRenew(Math.min(LOCK_RENEW_RETRY_MS, this.sessionTtlMs / 4));
      });
    });
  }

  private watchLoss(): void {
    const stop = new AbortController();
    this.watchStop = stop;
    void (async () => {
      for await (const pair of this.kv.watch(this.key, { signal: stop.signal })) {
        if (!this.held) return;
        if (!pair || pair.session !== this.session) {
          this.markLost();
          return;
        }
      }
    })().catch(() => {});
  }

  private markLost(): void {
    this.renewTimer?.cancel();
    this.renewTimer = undefined;
    if (!this.held) return;
    this.held = false;
    this.watchStop?.abort();
    this.emit("lost");
  }

  /** @internal The agent is closing: stop renewing and report the lock lost if it was held. */
  abandon(): void {
    this.markLost();
  }

  /** Releases the lock and ends its session. */
  async release(): Promise<void> {
    const wasHeld = this.held;
    this.held = false;
    this.watchStop?.abort();
    if (wasHeld && this.session) {
      await this.kv.put(this.key, this.options.value ?? "", { release: this.session }).catch(() => false);
    }
    await this.dropSession();
  }

  private async dropSession(): Promise<void> {
    this.renewTimer?.cancel();
    this.renewTimer = undefined;
    const id = this.session;
    this.session = undefined;
    if (id) await this.sessions.destroy(id).catch((err: unknown) => {
      if (!(err instanceof ClosedError)) throw err;
    });
  }
}
