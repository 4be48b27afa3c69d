/**
 * Applying the prepared-query commands: create, update, delete, with
 * Consul's rules on names (unique regardless of case, never another query's ID).
 *
 * @module
 */
import { PREPARED_QUERIES_MAX, type PreparedQueryInput, type QueryCommand } from "./query-commands.js";
import type { PreparedQueryRecord, QueryTable } from "./query-table.js";
import { canonicalMeta, sameMeta, sameStrings } from "./records.js";
import type { Changes } from "./scope-index.js";
import { fail, ok, type ApplyResult, type Store } from "./store.js";

/** The record a command's input describes, defaults filled in, at `createIndex`/`modifyIndex`. */
function recordOf(q: PreparedQueryInput, createIndex: number, modifyIndex: number): PreparedQueryRecord {
  const s = q.service;
  return {
    id: q.id,
    name: q.name ?? "",
    service: {
      service: s.service,
      failover: { nearestN: s.failover?.nearestN ?? 0, datacenters: [...(s.failover?.datacenters ?? [])] },
      onlyPassing: s.onlyPassing ?? false,
      tags: [...(s.tags ?? [])],
      ignoreCheckIds: [...(s.ignoreCheckIds ?? [])],
      nodeMeta: canonicalMeta(s.nodeMeta),
      serviceMeta: canonicalMeta(s.serviceMeta),
    },
    dnsTtlMs: q.dnsTtlMs ?? 0,
    createIndex,
    modifyIndex,
  };
}

/** Definition equality, indexes aside: an update that changes nothing moves no index. */
function sameQuery(a: PreparedQueryRecord, b: PreparedQueryRecord): boolean {
  const x = a.service;
  const y = b.service;
  return a.name === b.name && a.dnsTtlMs === b.dnsTtlMs && x.service === y.service && x.onlyPassing === y.onlyPassing
    && x.failover.nearestN === y.failover.nearestN && sameStrings(x.failover.datacenters, y.failover.datacenters)
    && sameStrings(x.tags, y.tags) && sameStrings(x.ignoreCheckIds, y.ignoreCheckIds)
    && sameMeta(x.nodeMeta, y.nodeMeta) && sameMeta(x.serviceMeta, y.serviceMeta);
}

/** Why `name` cannot be given to query `id`, or undefined when it can. */
function nameClash(table: QueryTable, id: string, name: string): string | undefined {
  if (name === "") return undefined;
  const holder = table.byName(name);
  if (holder && holder.id !== id) return `name "${name}" is already used by query "${holder.id}"`;
  if (name !== id && table.get(name)) return `name "${name}" is another query's ID`;
  return undefined;
}

/** Applies a query-* command; create's result value is the new query's ID. */
export function applyQuery(st: Store, cmd: QueryCommand, ch: Changes): ApplyResult {
  const table = st.queries;
  switch (cmd.op) {
    case "query-create": {
      const q = cmd.query;
      if (table.get(q.id)) return fail(`query "${q.id}" already exists`);
      if (table.byName(q.id)) return fail(`ID "${q.id}" is another query's name`);
      const clash = nameClash(table, q.id, q.name ?? "");
      if (clash) return fail(clash);
      if (table.size >= PREPARED_QUERIES_MAX) return fail(`there are already ${PREPARED_QUERIES_MAX} prepared queries`);
      table.put(recordOf(q, ch.index, ch.index), ch.index);
      ch.queries();
      return ok(q.id);
    }
    case "query-update": {
      const q = cmd.query;
      const old = table.get(q.id);
      if (!old) return fail(`query "${q.id}" does not exist`);
      const clash = nameClash(table, q.id, q.name ?? "");
      if (clash) return fail(clash);
      const next = recordOf(q, old.createIndex, ch.index);
      if (sameQuery(old, next)) return ok();
      table.put(next, ch.index);
      ch.queries();
      return ok();
    }
    case "query-delete":
      if (!table.delete(cmd.id, ch.index)) return fail(`query "${cmd.id}" does not exist`);
      ch.queries();
      return ok();
  }
}
