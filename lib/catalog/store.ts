/**
 * The parts of the catalog's state that apply and read functions share, and the
 * result types of apply.
 *
 * @module
 */
import type { KvStore } from "./kv-store.js";
import type { QueryTable } from "./query-table.js";
import type { WatchScope } from "./scope.js";
import type { ScopeIndexes } from "./scope-index.js";
import type { SessionTable } from "./session-table.js";
import type { CatalogTables } from "./tables.js";

/** Everything the state machine holds. */
export interface Store {
  readonly datacenter: string;
  readonly scopes: ScopeIndexes;
  readonly tables: CatalogTables;
  readonly kv: KvStore;
  readonly sessions: SessionTable;
  readonly queries: QueryTable;
}

/**
 * The answer of one command. `ok: false` means it was refused and changed
 * nothing; `value` depends on the command (a boolean for kv-set and kv-delete,
 * `{ results } | { errors }` for kv-txn, the session ID for session-create).
 */
export type ApplyResult = { ok: true; value?: unknown } | { ok: false; error: string };

/** What {@link ApplyResult} an apply gave and which scopes it moved (empty when nothing changed). */
export interface ApplyOutcome {
  result: ApplyResult;
  touched: WatchScope[];
}

/** The successful result, with an optional value. */
export function ok(value?: unknown): ApplyResult {
  return value === undefined ? { ok: true } : { ok: true, value };
}

/** A refusal; nothing may have been changed before it is returned. */
export function fail(error: string): ApplyResult {
  return { ok: false, error };
}
