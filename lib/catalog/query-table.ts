/**
 * The prepared-query table (Consul's /v1/query): stored service lookups that
 * clients run by ID or by name, over HTTP or DNS (`NAME.query.DOMAIN`). It
 * is part of the replicated state; running a query reads the catalog and
 * lives in the agent.
 *
 * @module
 */
import { StorageCorruptError } from "../util/errors.js";
import { canonicalMeta, compareStrings } from "./records.js";

/** Where a query looks when the local datacenter has no healthy instance. */
export interface QueryFailover {
  /** Try this many other datacenters, nearest (by round-trip time) first. 0 = none. */
  nearestN: number;
  /** Then these datacenters, in this order. */
  datacenters: string[];
}

/** The lookup a prepared query runs (Consul's `Service` block). */
export interface PreparedQueryService {
  /** Service name. */
  service: string;
  failover: QueryFailover;
  /** Leave out instances whose worst check is warning (critical ones are always left out). */
  onlyPassing: boolean;
  /** Every tag must be on the instance; `!tag` must not be. Compared case-insensitively, as Consul. */
  tags: string[];
  /** Checks that do not count when judging an instance's health. */
  ignoreCheckIds: string[];
  /** Node meta pairs an instance's node must carry. */
  nodeMeta: Record<string, string>;
  /** Service meta pairs an instance must carry. */
  serviceMeta: Record<string, string>;
}

/** A stored prepared query. Frozen; replaced, never mutated. */
export interface PreparedQueryRecord {
  /** UUID chosen by the proposer. */
  id: string;
  /** Optional unique name ("" for none); looked up case-insensitively. */
  name: string;
  service: PreparedQueryService;
  /** TTL of the DNS answers of this query in ms; 0 = the DNS server's own TTL. */
  dnsTtlMs: number;
  createIndex: number;
  modifyIndex: number;
}

/** Serialized form of {@link QueryTable}, part of the catalog snapshot. */
export interface QueryTableData {
  /** Index of the last change to the table. */
  index: number;
  /** Every query, sorted by ID. */
  records: PreparedQueryRecord[];
}

/** Freezes a record and everything in it, so reads can hand it out as is. */
export function freezeQuery(q: PreparedQueryRecord): PreparedQueryRecord {
  Object.freeze(q.service.failover.datacenters);
  Object.freeze(q.service.failover);
  Object.freeze(q.service.tags);
  Object.freeze(q.service.ignoreCheckIds);
  Object.freeze(q.service.nodeMeta);
  Object.freeze(q.service.serviceMeta);
  Object.freeze(q.service);
  return Object.freeze(q);
}

/** Names are unique regardless of case, as Consul's index on them. */
function nameKey(name: string): string {
  return name.toLowerCase();
}

/** Prepared queries by ID and by name, with the index of the last change (the `queries` watch scope). */
export class QueryTable {
  private readonly byId = new Map<string, PreparedQueryRecord>();
  private readonly idByName = new Map<string, string>();
  /** Index at which the table last changed; 1 before the first change, as every scope. */
  index = 1;

  /** Number of queries. */
  get size(): number {
    return this.byId.size;
  }

  /** The query with this ID, or undefined. */
  get(id: string): PreparedQueryRecord | undefined {
    return this.byId.get(id);
  }

  /** The query with this name (any case), or undefined. */
  byName(name: string): PreparedQueryRecord | undefined {
    const id = this.idByName.get(nameKey(name));
    return id === undefined ? undefined : this.byId.get(id);
  }

  /** The query with this ID, else the one with this name. */
  resolve(idOrName: string): PreparedQueryRecord | undefined {
    return this.byId.get(idOrName) ?? (idOrName === "" ? undefined : this.byName(idOrName));
  }

  /** Every query, sorted by ID. */
  all(): PreparedQueryRecord[] {
    return [...this.byId.values()].sort((a, b) => compareStrings(a.id, b.id));
  }

  /** Stores a query, replacing the one with its ID (the caller has checked name clashes). */
  put(q: PreparedQueryRecord, index: number): void {
    const old = this.byId.get(q.id);
    if (old && old.name !== "") this.idByName.delete(nameKey(old.name));
    this.byId.set(q.id, freezeQuery(q));
    if (q.name !== "") this.idByName.set(nameKey(q.name), q.id);
    this.index = index;
  }

  /** Removes a query; false when there was none. */
  delete(id: string, index: number): boolean {
    const old = this.byId.get(id);
    if (!old) return false;
    this.byId.delete(id);
    if (old.name !== "") this.idByName.delete(nameKey(old.name));
    this.index = index;
    return true;
  }

  /** Serializes, sorted by ID. */
  toData(): QueryTableData {
    return { index: this.index, records: this.all() };
  }

  /** Rebuilds from {@link toData}'s output. */
  static fromData(data: QueryTableData): QueryTable {
    const t = new QueryTable();
    for (const q of data.records) t.put(q, data.index);
    t.index = data.index;
    return t;
  }
}

type Pairs = Array<[string, string]>;
const pairs = (m: Record<string, string>): Pairs => Object.keys(m).map((k) => [k, m[k]!]);

/** The snapshot tuple of a table: `[index, [record tuple, …]]`. */
export function queriesToTuple(d: QueryTableData): unknown[] {
  return [
    d.index,
    d.records.map((q) => {
      const s = q.service;
      return [
        q.id, q.name, s.service, s.failover.nearestN, s.failover.datacenters, s.onlyPassing, s.tags, s.ignoreCheckIds,
        pairs(s.nodeMeta), pairs(s.serviceMeta), q.dnsTtlMs, q.createIndex, q.modifyIndex,
      ];
    }),
  ];
}

function corrupt(what: string): never {
  throw new StorageCorruptError(`catalog snapshot: prepared queries: ${what}`);
}

function tuple(x: unknown, what: string, len?: number): unknown[] {
  if (!Array.isArray(x) || (len !== undefined && x.length !== len)) corrupt(`${what} is not a ${len ?? ""}-tuple`);
  return x;
}

function str(x: unknown, what: string): string {
  if (typeof x !== "string") corrupt(`${what} is not a string`);
  return x;
}

function int(x: unknown, what: string): number {
  if (!Number.isSafeInteger(x) || (x as number) < 0) corrupt(`${what} is not an integer >= 0`);
  return x as number;
}

function strs(x: unknown, what: string): string[] {
  return tuple(x, what).map((s) => str(s, what));
}

function meta(x: unknown, what: string): Record<string, string> {
  const m: Record<string, string> = {};
  for (const p of tuple(x, what)) {
    const [k, v] = tuple(p, what, 2);
    Object.defineProperty(m, str(k, what), { value: str(v, what), enumerable: true });
  }
  return canonicalMeta(m);
}

function readQuery(x: unknown, i: number): PreparedQueryRecord {
  const w = `queries[${i}]`;
  const t = tuple(x, w, 13);
  if (typeof t[5] !== "boolean") corrupt(`${w} onlyPassing is not a boolean`);
  return {
    id: str(t[0], w), name: str(t[1], w),
    service: {
      service: str(t[2], w), failover: { nearestN: int(t[3], w), datacenters: strs(t[4], w) }, onlyPassing: t[5],
      tags: strs(t[6], w), ignoreCheckIds: strs(t[7], w), nodeMeta: meta(t[8], w), serviceMeta: meta(t[9], w),
    },
    dnsTtlMs: int(t[10], w), createIndex: int(t[11], w), modifyIndex: int(t[12], w),
  };
}

/**
 * Reads {@link queriesToTuple}'s output, checking that IDs and names are unique.
 * @throws StorageCorruptError naming what is wrong.
 */
export function queriesFromTuple(x: unknown): QueryTableData {
  const t = tuple(x, "table", 2);
  const records = tuple(t[1], "records").map(readQuery);
  const ids = new Set<string>();
  const names = new Set<string>();
  for (const q of records) {
    if (ids.has(q.id)) corrupt(`query "${q.id}" appears twice`);
    ids.add(q.id);
    if (q.name === "") continue;
    if (names.has(nameKey(q.name))) corrupt(`name "${q.name}" is used twice`);
    names.add(nameKey(q.name));
  }
  return { index: int(t[0], "index"), records };
}
