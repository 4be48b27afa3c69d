/**
 * The catalog state machine: Consul's catalog (nodes, services, checks), KV
 * and sessions, applied from the log, with an index per watchable answer.
 *
 * Pure and deterministic: no clock, no randomness, no I/O. Time enters only as
 * `nowMs` inside commands, so the same commands in the same order give the
 * same state and byte-identical snapshots on every replica.
 *
 * @module
 */
import { InvalidArgumentError } from "../util/errors.js";
import { applyCheckUpdate, applyDeregister, applyRegister } from "./apply-catalog.js";
import { applyKvDelete, applyKvSet } from "./apply-kv.js";
import { applySessionCreate, applySessionDestroy, applySessionRenew } from "./apply-session.js";
import { applyQuery } from "./apply-query.js";
import { QueryTable, type PreparedQueryRecord } from "./query-table.js";
import type { CatalogCommand, RestoreCommand } from "./commands.js";
import { restoreStore } from "./apply-restore.js";
import { KvStore } from "./kv-store.js";
import { applyKvTxn } from "./kv-txn.js";
import * as q from "./reads.js";
import { copyEntry } from "./records.js";
import { Changes, ScopeIndexes } from "./scope-index.js";
import { scopeKey, type WatchScope } from "./scope.js";
import { SessionTable } from "./session-table.js";
import { readSnapshot, writeSnapshot, type SnapshotData } from "./snapshot.js";
import { fail, type ApplyOutcome, type ApplyResult, type Store } from "./store.js";
import { CatalogTables } from "./tables.js";
import type {
  CheckRecord,
  CheckStatus,
  HealthEntry,
  KvEntry,
  NodeRecord,
  ServiceRecord,
  SessionRecord,
} from "./types.js";
import { checkCommand } from "./validate.js";

export type { ApplyOutcome, ApplyResult } from "./store.js";
export type { WatchScope } from "./scope.js";
export type { HealthQuery, ServiceNode, ServiceQuery } from "./reads.js";

/** Options of {@link CatalogState}. */
export interface CatalogStateOptions {
  /** The datacenter this catalog serves; stamped on every node. @defaultValue "dc1" */
  datacenter?: string;
}

/** The default datacenter name, as Consul's. */
export const DEFAULT_DATACENTER = "dc1";

function dispatch(st: Store, cmd: CatalogCommand, ch: Changes): ApplyResult {
  switch (cmd.op) {
    case "register":
      return applyRegister(st, cmd, ch);
    case "deregister":
      return applyDeregister(st, cmd, ch);
    case "check-update":
      return applyCheckUpdate(st, cmd, ch);
    case "kv-set":
      return applyKvSet(st, cmd, ch);
    case "kv-delete":
      return applyKvDelete(st, cmd, ch);
    case "kv-txn":
      return applyKvTxn(st, cmd, ch);
    case "session-create":
      return applySessionCreate(st, cmd, ch);
    case "session-destroy":
      return applySessionDestroy(st, cmd, ch);
    case "session-renew":
      return applySessionRenew(st, cmd, ch);
    case "restore":
      // Swaps the whole store, so CatalogState.apply handles it before dispatching.
      return fail("restore is applied by CatalogState.apply");
    case "query-create":
    case "query-update":
    case "query-delete":
      return applyQuery(st, cmd, ch);
  }
}

/**
 * The catalog's replicated state (the Raft FSM).
 *
 * Contract for the driver: call {@link apply} with strictly increasing log
 * indexes; it never throws for a bad command (that is an error result which
 * changes nothing), only for a broken invariant. Every scope answers index 1
 * before its first change, so commands should start at log index 2 or later
 * (Raft's first entry is its configuration; a single-node log should skip 1 too):
 * a change at index 1 cannot be told apart from the empty state by index
 * alone. The watch hub still wakes waiters on such a change, but a reader
 * that read the empty state and starts waiting only after it would miss it. A command that changes nothing
 * moves no index and returns `touched: []`, so watchers sleep through
 * heartbeats and anti-entropy re-registrations.
 *
 * Reads return frozen records or fresh copies; nothing a caller does to an
 * answer reaches the state.
 */
export class CatalogState {
  private last = 0;
  private store: Store;

  constructor(options: CatalogStateOptions = {}) {
    const datacenter = options.datacenter ?? DEFAULT_DATACENTER;
    if (typeof datacenter !== "string" || datacenter === "") {
      throw new InvalidArgumentError("datacenter", "must be a non-empty string");
    }
    const scopes = new ScopeIndexes();
    this.store = {
      datacenter,
      scopes,
      tables: new CatalogTables(scopes),
      kv: new KvStore(),
      sessions: new SessionTable(),
      queries: new QueryTable(),
    };
  }

  /** The datacenter this catalog serves. */
  get datacenter(): string {
    return this.store.datacenter;
  }

  /** The last applied log index (0 before the first apply). */
  get lastIndex(): number {
    return this.last;
  }

  /**
   * Applies one command at log index `index`.
   * @throws Error when `index` is not an integer greater than {@link lastIndex}: the
   *   driver broke the log order, and going on would fork the replicas.
   */
  apply(index: number, cmd: CatalogCommand): ApplyOutcome {
    if (!Number.isSafeInteger(index) || index <= this.last) {
      throw new Error(`catalog: apply index ${index} is not after the last applied index ${this.last}`);
    }
    this.last = index;
    if ((cmd as { op?: unknown }).op === "restore") return this.applyRestore(index, cmd as RestoreCommand);
    try {
      checkCommand(cmd, true);
    } catch (err) {
      if (err instanceof InvalidArgumentError) return { result: fail(err.message), touched: [] };
      throw err;
    }
    const ch = new Changes(index, this.store.scopes);
    const result = dispatch(this.store, cmd, ch);
    const touched = ch.touched();
    if (!result.ok && touched.length > 0) throw new Error(`catalog: ${cmd.op} failed after changing state`);
    if (result.ok && "nowMs" in cmd && typeof cmd.nowMs === "number") this.store.kv.sweepLockDelays(cmd.nowMs);
    return { result, touched };
  }

  /** Swaps in a snapshot's state stamped at `index` (see apply-restore.ts); a refused snapshot changes nothing. */
  private applyRestore(index: number, cmd: RestoreCommand): ApplyOutcome {
    if (!(cmd.snapshot instanceof Uint8Array)) return { result: fail("invalid snapshot: must be bytes"), touched: [] };
    const restored = restoreStore(this.store, cmd.snapshot, index);
    if ("error" in restored) return { result: fail(restored.error), touched: [] };
    this.store = restored.store;
    return { result: { ok: true }, touched: restored.touched };
  }

  /**
   * The index at which `scope`'s answer last changed: ≥ 1, never going back
   * (except across a restore of an older snapshot).
   * @throws InvalidArgumentError when `scope` is not a valid {@link WatchScope}.
   */
  scopeIndex(scope: WatchScope): number {
    scopeKey(scope);
    const st = this.store;
    switch (scope.kind) {
      case "services":
      case "nodes":
      case "checks":
      case "sessions":
        return st.scopes.scalarIndex(scope.kind);
      case "service":
      case "node":
        return st.scopes.namedIndex(scope.kind, scope.name);
      case "kv":
        return scope.prefix ? st.kv.prefixIndex(scope.key) : st.kv.keyIndex(scope.key);
      case "queries":
        return st.queries.index;
    }
  }

  /** A node, or undefined. */
  node(name: string): NodeRecord | undefined {
    return this.store.tables.node(name);
  }

  /** Every node, sorted by name. */
  nodes(): NodeRecord[] {
    return q.listNodes(this.store);
  }

  /** Service name → sorted union of its instances' tags (/v1/catalog/services). */
  services(): Record<string, string[]> {
    return q.listServices(this.store);
  }

  /** Instances of a service with their nodes, sorted by node then ID (/v1/catalog/service/:name). */
  serviceNodes(name: string, query: q.ServiceQuery = {}): q.ServiceNode[] {
    return q.serviceNodes(this.store, name, query);
  }

  /**
   * Instances with their node's and their own checks and the worst status of
   * those, sorted by node then ID (/v1/health/service/:name).
   */
  healthService(name: string, query: q.HealthQuery = {}): HealthEntry[] {
    return q.healthService(this.store, name, query);
  }

  /** Services on a node, sorted by ID; [] for an unknown node. */
  nodeServices(node: string): ServiceRecord[] {
    return q.nodeServices(this.store, node);
  }

  /** Every check on a node, sorted by ID (/v1/health/node/:node). */
  nodeChecks(node: string): CheckRecord[] {
    return q.nodeChecks(this.store, node);
  }

  /** Instance checks of a service, sorted by node then ID (/v1/health/checks/:service). */
  serviceChecks(name: string): CheckRecord[] {
    return q.serviceChecks(this.store, name);
  }

  /** Checks in a state, or all with "any", sorted by node then ID (/v1/health/state/:state). */
  checksInState(state: CheckStatus | "any"): CheckRecord[] {
    return q.checksInState(this.store, state);
  }

  /** One check, or undefined. */
  check(node: string, checkId: string): CheckRecord | undefined {
    return this.store.tables.checksOn(node)?.get(checkId);
  }

  /** One service instance, or undefined. */
  service(node: string, serviceId: string): ServiceRecord | undefined {
    return this.store.tables.servicesOn(node)?.get(serviceId);
  }

  /** A copy of one KV entry, or undefined. */
  kvGet(key: string): KvEntry | undefined {
    const e = this.store.kv.get(key);
    return e && copyEntry(e);
  }

  /** Copies of every entry under `prefix`, sorted by key ("" lists all). */
  kvList(prefix: string): KvEntry[] {
    return this.store.kv.scan(prefix).map(copyEntry);
  }

  /**
   * Keys under `prefix`, sorted; with `separator`, each key is cut just after the
   * first separator past the prefix and duplicates dropped (Consul's `?keys&separator=`).
   */
  kvKeys(prefix: string, separator?: string): string[] {
    return this.store.kv.keys(prefix, separator);
  }

  /** A session, or undefined. */
  session(id: string): SessionRecord | undefined {
    return this.store.sessions.get(id);
  }

  /** Log index of a session's last renewal (its modify index when never renewed); undefined when it does not exist. */
  sessionRenewedAt(id: string): number | undefined {
    return this.store.sessions.renewedAt(id);
  }

  /** Every session, sorted by ID. */
  sessions(): SessionRecord[] {
    return this.store.sessions.all();
  }

  /** Sessions tied to a node, sorted by ID. */
  nodeSessions(node: string): SessionRecord[] {
    return this.store.sessions.onNode(node);
  }

  /** A prepared query by ID, else by name (case-insensitive), or undefined. */
  query(idOrName: string): PreparedQueryRecord | undefined {
    return this.store.queries.resolve(idOrName);
  }

  /** Every prepared query, sorted by ID (/v1/query). */
  queries(): PreparedQueryRecord[] {
    return this.store.queries.all();
  }

  /** When the lock delay on `key` ends (ms, on the proposers' clock), or 0 when it has none. */
  lockDelayUntil(key: string): number {
    return this.store.kv.lockDelayUntil(key);
  }

  /** The state as bytes (see snapshot.ts for the layout); deterministic. */
  snapshot(): Uint8Array {
    const { nodes, services, checks } = this.store.tables.toData();
    return writeSnapshot({
      datacenter: this.store.datacenter,
      lastIndex: this.last,
      nodes,
      services,
      checks,
      sessions: this.store.sessions.all(),
      kv: this.store.kv.toData(),
      scopes: this.store.scopes.toData(),
      queries: this.store.queries.toData(),
    });
  }

  /**
   * A state rebuilt from {@link snapshot}'s bytes; it answers every read and
   * scopeIndex as the original did.
   * @param options - `datacenter` overrides the snapshot's (for a renamed datacenter).
   * @throws StorageCorruptError when the bytes are not a whole, consistent snapshot.
   */
  static restore(bytes: Uint8Array, options: CatalogStateOptions = {}): CatalogState {
    const d: SnapshotData = readSnapshot(bytes);
    const state = new CatalogState({ datacenter: options.datacenter ?? d.datacenter });
    const scopes = ScopeIndexes.fromData(d.scopes);
    const tables = new CatalogTables(scopes);
    tables.load(d.nodes, d.services, d.checks);
    const sessions = new SessionTable();
    for (const s of d.sessions) sessions.put(s);
    const queries = d.queries ? QueryTable.fromData(d.queries) : new QueryTable();
    state.store = { datacenter: state.store.datacenter, scopes, tables, kv: KvStore.fromData(d.kv), sessions, queries };
    state.last = d.lastIndex;
    return state;
  }
}
