/**
 * The backend of a client agent in raft mode: a read replica. It keeps a
 * full local catalog by replaying the servers' applied log (or a snapshot
 * when it is behind the servers' compaction), so watches, resolvers and
 * stale reads are local; writes and consistent reads go to a server.
 * Because the catalog is a deterministic state machine, replaying the same
 * entries at the same indexes gives the same state as on the servers.
 *
 * @module
 */
import { Catalog } from "../catalog/catalog.js";
import { decodeCommand, encodeCommand, type CatalogCommand } from "../catalog/commands.js";
import type { ApplyResult } from "../catalog/state.js";
import { TcpTransport } from "../transport/tcp.js";
import { ClosedError, DiscoError, NoLeaderError, TimeoutError, throwIfAborted } from "../util/errors.js";
import type { Logger } from "../util/logger.js";
import type { TimerHandle, Timers } from "../util/timers.js";
import type { CommandBackend, Consistency } from "./backend.js";
import type { FollowAnswer, ProposeAnswer, RpcRequest } from "./raft-backend.js";

/** How long one follow request waits for news before it is renewed. */
const FOLLOW_WAIT_MS = 10_000;
/** Pause after a failed follow before the next server is tried. */
const FOLLOW_RETRY_MS = 200;
/** How long a write waits for the local replica to catch up with it (read-your-writes). */
const CATCH_UP_WAIT_MS = 5_000;
/** How long a write keeps trying servers before it fails. */
const WRITE_RETRY_MS = 15_000;

/** Options of {@link ClientBackend.open}. */
export interface ClientBackendOptions {
  datacenter: string;
  /** Server RPC addresses to use (`host:port`). */
  servers: () => string[];
  timers: Timers;
  logger: Logger;
}

/** A {@link CommandBackend} that mirrors the servers' catalog and forwards writes to them. */
export class ClientBackend implements CommandBackend {
  readonly catalog: Catalog;
  private applied = 0;
  private closed = false;
  private serverCursor = 0;
  private lastFollowOkMs: number | undefined;
  private readonly stop = new AbortController();
  private readonly appliedWaiters = new Set<{ index: number; resolve: () => void }>();
  private retryTimer: TimerHandle | undefined;

  private constructor(private readonly transport: TcpTransport, private readonly o: ClientBackendOptions) {
    this.catalog = new Catalog({ datacenter: o.datacenter, timers: o.timers });
  }

  /** Starts following the servers. */
  static async open(o: ClientBackendOptions): Promise<ClientBackend> {
    // The client listens only so servers can tell it apart; it is never sent one-way messages.
    const transport = await TcpTransport.listen({ host: "127.0.0.1", port: 0, logger: o.logger, requestTimeoutMs: FOLLOW_WAIT_MS + 5000 });
    const backend = new ClientBackend(transport, o);
    void backend.followLoop();
    return backend;
  }

  private nextServer(): string | undefined {
    const servers = this.o.servers();
    if (servers.length === 0) return undefined;
    return servers[this.serverCursor++ % servers.length];
  }

  private async followLoop(): Promise<void> {
    while (!this.closed) {
      const server = this.nextServer();
      try {
        if (!server) throw new NoLeaderError("no server known");
        for (;;) {
          if (this.closed) return;
          const answer = (await this.transport.request(server, { t: "follow", from: this.applied, waitMs: FOLLOW_WAIT_MS } satisfies RpcRequest, {
            signal: this.stop.signal, timeoutMs: FOLLOW_WAIT_MS + 5000,
          })) as FollowAnswer;
          this.apply(answer);
          this.lastFollowOkMs = this.o.timers.nowMs();
        }
      } catch (err) {
        if (this.closed) return;
        this.o.logger.debug({ component: "client", err, server }, "follow failed; trying another server");
        await new Promise<void>((resolve) => (this.retryTimer = this.o.timers.after(FOLLOW_RETRY_MS, resolve)));
      }
    }
  }

  /** The leader and voters as the last server answer told them. */
  cluster: { leader: string; voters: string[] } = { leader: "", voters: [] };

  private apply(answer: FollowAnswer): void {
    this.cluster = { leader: answer.l, voters: answer.v };
    if ("s" in answer) {
      if (answer.through > this.applied) {
        this.catalog.restore(answer.s);
        this.applied = answer.through;
      }
    } else {
      for (const e of answer.e) {
        if (e.index <= this.applied || e.index <= this.catalog.state.lastIndex) continue;
        this.catalog.apply(e.index, decodeCommand(e.data));
      }
      this.applied = Math.max(this.applied, answer.through);
    }
    for (const w of [...this.appliedWaiters]) {
      if (this.applied >= w.index) {
        this.appliedWaiters.delete(w);
        w.resolve();
      }
    }
  }

  /** Resolves once the local replica has applied `index` (or after a bound). */
  private caughtUp(index: number, timeoutMs: number): Promise<void> {
    if (this.applied >= index || this.closed) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const waiter = { index, resolve: () => { timer.cancel(); resolve(); } };
      const timer = this.o.timers.after(timeoutMs, () => {
        this.appliedWaiters.delete(waiter);
        resolve();
      });
      this.appliedWaiters.add(waiter);
    });
  }

  async propose(command: CatalogCommand, signal?: AbortSignal): Promise<ApplyResult> {
    const encoded = encodeCommand(command);
    const deadline = this.o.timers.nowMs() + WRITE_RETRY_MS;
    for (;;) {
      if (this.closed) throw new ClosedError("agent");
      throwIfAborted(signal);
      const server = this.nextServer();
      try {
        if (!server) throw new NoLeaderError("no server known");
        const answer = (await this.transport.request(server, { t: "forward", c: encoded } satisfies RpcRequest, { signal, timeoutMs: 20_000 })) as ProposeAnswer;
        // Read-your-writes: what this agent wrote is visible in its own replica before the call returns.
        await this.caughtUp(answer.i, CATCH_UP_WAIT_MS);
        return answer.r;
      } catch (err) {
        const code = err instanceof DiscoError ? err.code : undefined;
        // Only retry what surely did not apply: no server reachable, or none had a leader.
        // A timeout or a lost connection is not retried: the server may have applied it.
        const retry = code === "NO_LEADER" || code === "NOT_LEADER";
        if (!retry || this.o.timers.nowMs() > deadline) throw err;
        await new Promise<void>((resolve) => this.o.timers.after(100, resolve));
      }
    }
  }

  /**
   * Sends a request to one of the servers (the agent uses it to forward
   * requests for other datacenters).
   * @throws NoLeaderError when no server is known.
   */
  requestServer(body: unknown, options: { timeoutMs: number; signal?: AbortSignal }): Promise<unknown> {
    const server = this.nextServer();
    if (!server) return Promise.reject(new NoLeaderError("no server known"));
    return this.transport.request(server, body, options);
  }

  async readBarrier(consistency: Consistency, signal?: AbortSignal): Promise<void> {
    if (consistency === "stale") return;
    const server = this.nextServer();
    if (!server) throw new NoLeaderError("no server known");
    const index = (await this.transport.request(server, { t: "readIndex" } satisfies RpcRequest, { signal, timeoutMs: 10_000 })) as number;
    await this.caughtUp(index, CATCH_UP_WAIT_MS);
    if (this.applied < index) throw new TimeoutError("the local replica did not catch up in time for a consistent read");
  }

  leaderContact(): { knownLeader: boolean; lastContactMs: number } {
    if (this.lastFollowOkMs === undefined) return { knownLeader: false, lastContactMs: 0 };
    return { knownLeader: true, lastContactMs: Math.round(this.o.timers.nowMs() - this.lastFollowOkMs) };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stop.abort();
    this.retryTimer?.cancel();
    for (const w of this.appliedWaiters) w.resolve();
    this.appliedWaiters.clear();
    await this.transport.close();
    this.catalog.close();
  }
}
