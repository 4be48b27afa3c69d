/**
 * The seam between the agent and its peer layer. The agent only ever changes
 * the catalog through {@link CommandBackend.propose}; in dev mode the backend
 * is a local write-ahead log, in raft mode it is the Raft cluster.
 *
 * @module
 */
import type { CatalogCommand } from "../catalog/commands.js";
import type { ApplyResult } from "../catalog/state.js";
import type { Catalog } from "../catalog/catalog.js";

/** Read consistency, as Consul's `?consistent` / `?stale`. */
export type Consistency = "default" | "consistent" | "stale";

/** Commits catalog commands and keeps a local catalog replica up to date. */
export interface CommandBackend {
  /** The local replica. Reads go here after {@link CommandBackend.readBarrier}. */
  readonly catalog: Catalog;
  /**
   * Commits a command and resolves with its result once it is durable and
   * applied to {@link CommandBackend.catalog}. Rejects without applying on failure.
   */
  propose(command: CatalogCommand, signal?: AbortSignal): Promise<ApplyResult>;
  /** Resolves when a read at this consistency may be served from the local replica. */
  readBarrier(consistency: Consistency, signal?: AbortSignal): Promise<void>;
  /**
   * For Consul's X-Consul-KnownLeader / X-Consul-LastContact headers: whether
   * a leader is known, and ms since this replica last heard from it (0 on the
   * leader itself). A `stale` read may be that far behind.
   */
  leaderContact(): { knownLeader: boolean; lastContactMs: number };
  /** Releases files, sockets and timers. Pending proposals reject with ClosedError. */
  close(): Promise<void>;
}
