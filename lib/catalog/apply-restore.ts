/**
 * Snapshot restore applied from the log: the state a snapshot describes,
 * rebuilt beside the current one and swapped in whole.
 *
 * Every record of the restored state is stamped with the restore's log index
 * (creation indexes kept), every scope answers that index, and no tombstone
 * survives (the KV floor is that index). So no index goes back — a blocking
 * query waiting on anything before the restore wakes with a larger index and
 * the restored data, and a CAS against a pre-restore ModifyIndex fails, as it
 * should: the value was rewritten.
 *
 * @module
 */
import { DiscoError } from "../util/errors.js";
import { KvStore } from "./kv-store.js";
import { QueryTable } from "./query-table.js";
import { ScopeIndexes } from "./scope-index.js";
import type { WatchScope } from "./scope.js";
import { SessionTable } from "./session-table.js";
import { readSnapshot, type SnapshotData } from "./snapshot.js";
import type { Store } from "./store.js";
import { CatalogTables } from "./tables.js";

/** What a restore builds: the new store and every scope whose answer it may have changed. */
export interface RestoredStore {
  store: Store;
  touched: WatchScope[];
}

/** A record stamped as written at `index`; its creation index never exceeds that. */
function stamp<T extends { createIndex: number; modifyIndex: number }>(r: T, index: number): T {
  return { ...r, createIndex: Math.min(r.createIndex, index), modifyIndex: index };
}

/** Scopes the old and new state answer for: every name and key either one knows. */
function touchedBy(current: Store, d: SnapshotData): WatchScope[] {
  const nodes = new Set<string>([...current.tables.allNodes()].map((n) => n.node));
  for (const n of d.nodes) nodes.add(n.node);
  const services = new Set<string>(current.tables.serviceTags().map(([name]) => name));
  for (const s of d.services) services.add(s.service);
  const old = current.kv.toData();
  const keys = new Set<string>(old.entries.map((e) => e.key));
  for (const [k] of old.tombstones) keys.add(k);
  for (const e of d.kv.entries) keys.add(e.key);
  return [
    { kind: "services" }, { kind: "nodes" }, { kind: "checks" }, { kind: "sessions" }, { kind: "queries" },
    ...[...nodes].map((name): WatchScope => ({ kind: "node", name })),
    ...[...services].map((name): WatchScope => ({ kind: "service", name })),
    ...[...keys].map((key): WatchScope => ({ kind: "kv", key })),
  ];
}

/**
 * Builds the state `bytes` describe as of log index `index`, without touching
 * `current`. Pure: the same bytes at the same index give the same state on
 * every replica.
 * @returns the new store and the scopes to wake, or why the snapshot was refused.
 */
export function restoreStore(current: Store, bytes: Uint8Array, index: number): RestoredStore | { error: string } {
  let d: SnapshotData;
  try {
    d = readSnapshot(bytes);
  } catch (err) {
    if (err instanceof DiscoError) return { error: `snapshot refused: ${err.message}` };
    throw err;
  }
  const scopes = ScopeIndexes.fromData({
    scalar: { services: index, nodes: index, checks: index, sessions: index },
    named: [], retired: [], floors: { service: index, node: index },
  });
  const tables = new CatalogTables(scopes);
  // A snapshot of another datacenter becomes this one's (moving a catalog between datacenters).
  tables.load(
    d.nodes.map((n) => ({ ...stamp(n, index), datacenter: current.datacenter })),
    d.services.map((s) => stamp(s, index)),
    d.checks.map((c) => stamp(c, index)),
  );
  const sessions = new SessionTable();
  for (const s of d.sessions) sessions.put(stamp(s, index));
  const kv = KvStore.fromData({
    entries: d.kv.entries.map((e) => stamp(e, index)), tombstones: [], floor: index, lockDelays: d.kv.lockDelays,
  });
  const queries = QueryTable.fromData({ index, records: (d.queries?.records ?? []).map((q) => stamp(q, index)) });
  return {
    store: { datacenter: current.datacenter, scopes, tables, kv, sessions, queries },
    touched: touchedBy(current, d),
  };
}
