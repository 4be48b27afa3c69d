/**
 * Snapshot encoding of the catalog state.
 *
 * Layout: 4 magic bytes ("dcs" + format version 1), a CRC-32 of the body
 * (big-endian), then the body in msgpack. Records are tuples, sorted wherever
 * order carries no meaning, so equal states give equal bytes; tombstones and
 * retired scopes keep their reap order, which replicas must share.
 *
 * @module
 */
import { crc32 } from "node:zlib";
import { Packr } from "msgpackr";
import { StorageCorruptError } from "../util/errors.js";
import type { KvStoreData } from "./kv-store.js";
import { queriesFromTuple, queriesToTuple, type QueryTableData } from "./query-table.js";
import { canonicalMeta } from "./records.js";
import type { ScopeIndexesData } from "./scope-index.js";
import { CHECK_STATUSES, CHECK_TYPES } from "./validate.js";
import type {
  CheckRecord,
  CheckStatus,
  CheckType,
  KvEntry,
  NodeRecord,
  ServiceRecord,
  SessionBehavior,
  SessionRecord,
} from "./types.js";

/** Everything a snapshot holds. */
export interface SnapshotData {
  datacenter: string;
  lastIndex: number;
  nodes: NodeRecord[];
  services: ServiceRecord[];
  checks: CheckRecord[];
  sessions: SessionRecord[];
  kv: KvStoreData;
  scopes: ScopeIndexesData;
  /** Prepared queries; absent in snapshots written before they existed (read as none). */
  queries?: QueryTableData;
}

/** "dcs" and the format version; a reader refuses any other. */
const MAGIC = Uint8Array.of(0x64, 0x63, 0x73, 0x01);
/** Magic (4 bytes) and CRC-32 (4 bytes) before the body. */
const HEADER_BYTES = 8;
const packr = new Packr({ useRecords: false, mapsAsObjects: true, moreTypes: false });
/** Body tuple lengths: before prepared queries, and with them (the 15th element). */
const BODY_LENGTH_V1 = 14;
const BODY_LENGTH = 15;
const EMPTY_QUERIES: QueryTableData = { index: 1, records: [] };

type Pairs = Array<[string, string]>;
const pairs = (m: Record<string, string>): Pairs => Object.keys(m).map((k) => [k, m[k]!]);

/** Encodes the state; the bytes are a fresh copy. */
export function writeSnapshot(d: SnapshotData): Uint8Array {
  const body = packr.pack([
    d.datacenter,
    d.lastIndex,
    d.nodes.map((n) => [n.node, n.id, n.address, n.datacenter, pairs(n.meta), n.createIndex, n.modifyIndex]),
    d.services.map((s) => [
      s.node, s.id, s.service, s.tags, s.address, s.port, pairs(s.meta),
      s.weights.passing, s.weights.warning, s.createIndex, s.modifyIndex,
    ]),
    d.checks.map((c) => [
      c.node, c.checkId, c.name, c.serviceId, c.serviceName, c.status, c.output, c.notes, c.type,
      c.intervalMs, c.timeoutMs, c.ttlMs, c.deregisterCriticalAfterMs, c.createIndex, c.modifyIndex,
    ]),
    d.sessions.map((s) => [
      s.id, s.name, s.node, s.checks, s.ttlMs, s.behavior, s.lockDelayMs, s.createIndex, s.modifyIndex,
    ]),
    d.kv.entries.map((e) => [e.key, e.value, e.flags, e.createIndex, e.modifyIndex, e.lockIndex, e.session ?? null]),
    d.kv.tombstones,
    d.kv.floor,
    d.kv.lockDelays,
    [d.scopes.scalar.services, d.scopes.scalar.nodes, d.scopes.scalar.checks, d.scopes.scalar.sessions],
    d.scopes.named,
    d.scopes.retired,
    [d.scopes.floors.service, d.scopes.floors.node],
    queriesToTuple(d.queries ?? EMPTY_QUERIES),
  ]);
  const out = new Uint8Array(HEADER_BYTES + body.length);
  out.set(MAGIC, 0);
  new DataView(out.buffer).setUint32(4, crc32(body) >>> 0);
  out.set(body, HEADER_BYTES);
  return out;
}

function corrupt(what: string): never {
  throw new StorageCorruptError(`catalog snapshot: ${what}`);
}

/** Typed readers of untrusted tuples; each throws StorageCorruptError naming what is wrong. */
const r = {
  arr(x: unknown, what: string, len?: number): unknown[] {
    if (!Array.isArray(x) || (len !== undefined && x.length !== len)) corrupt(`${what} is not a ${len ?? ""}-tuple`);
    return x;
  },
  str(x: unknown, what: string): string {
    if (typeof x !== "string") corrupt(`${what} is not a string`);
    return x;
  },
  num(x: unknown, what: string): number {
    if (typeof x !== "number" || !Number.isFinite(x) || x < 0) corrupt(`${what} is not a number >= 0`);
    return x;
  },
  int(x: unknown, what: string): number {
    if (!Number.isSafeInteger(x) || (x as number) < 0) corrupt(`${what} is not an integer >= 0`);
    return x as number;
  },
  strs(x: unknown, what: string): string[] {
    return r.arr(x, what).map((s, i) => r.str(s, `${what}[${i}]`));
  },
  meta(x: unknown, what: string): Record<string, string> {
    const m: Record<string, string> = {};
    for (const [i, p] of r.arr(x, what).entries()) {
      const [k, v] = r.arr(p, `${what}[${i}]`, 2);
      Object.defineProperty(m, r.str(k, what), { value: r.str(v, what), enumerable: true });
    }
    return canonicalMeta(m);
  },
  oneOf<T extends string>(x: unknown, values: readonly string[], what: string): T {
    if (typeof x !== "string" || !values.includes(x)) corrupt(`${what} is not one of ${values.join(", ")}`);
    return x as T;
  },
};

function readNode(x: unknown, i: number): NodeRecord {
  const w = `nodes[${i}]`;
  const t = r.arr(x, w, 7);
  return {
    node: r.str(t[0], w), id: r.str(t[1], w), address: r.str(t[2], w), datacenter: r.str(t[3], w),
    meta: r.meta(t[4], w), createIndex: r.int(t[5], w), modifyIndex: r.int(t[6], w),
  };
}

function readService(x: unknown, i: number): ServiceRecord {
  const w = `services[${i}]`;
  const t = r.arr(x, w, 11);
  return {
    node: r.str(t[0], w), id: r.str(t[1], w), service: r.str(t[2], w), tags: r.strs(t[3], w),
    address: r.str(t[4], w), port: r.int(t[5], w), meta: r.meta(t[6], w),
    weights: { passing: r.int(t[7], w), warning: r.int(t[8], w) },
    createIndex: r.int(t[9], w), modifyIndex: r.int(t[10], w),
  };
}

function readCheck(x: unknown, i: number): CheckRecord {
  const w = `checks[${i}]`;
  const t = r.arr(x, w, 15);
  return {
    node: r.str(t[0], w), checkId: r.str(t[1], w), name: r.str(t[2], w), serviceId: r.str(t[3], w),
    serviceName: r.str(t[4], w), status: r.oneOf<CheckStatus>(t[5], CHECK_STATUSES, w), output: r.str(t[6], w),
    notes: r.str(t[7], w), type: r.oneOf<CheckType>(t[8], CHECK_TYPES, w), intervalMs: r.num(t[9], w),
    timeoutMs: r.num(t[10], w), ttlMs: r.num(t[11], w), deregisterCriticalAfterMs: r.num(t[12], w),
    createIndex: r.int(t[13], w), modifyIndex: r.int(t[14], w),
  };
}

function readSession(x: unknown, i: number): SessionRecord {
  const w = `sessions[${i}]`;
  const t = r.arr(x, w, 9);
  return {
    id: r.str(t[0], w), name: r.str(t[1], w), node: r.str(t[2], w), checks: r.strs(t[3], w),
    ttlMs: r.num(t[4], w), behavior: r.oneOf<SessionBehavior>(t[5], ["release", "delete"], w),
    lockDelayMs: r.num(t[6], w), createIndex: r.int(t[7], w), modifyIndex: r.int(t[8], w),
  };
}

function readEntry(x: unknown, i: number): KvEntry {
  const w = `kv[${i}]`;
  const t = r.arr(x, w, 7);
  if (!(t[1] instanceof Uint8Array)) corrupt(`${w} value is not bytes`);
  const e: KvEntry = {
    key: r.str(t[0], w), value: Buffer.from(t[1]), flags: r.int(t[2], w),
    createIndex: r.int(t[3], w), modifyIndex: r.int(t[4], w), lockIndex: r.int(t[5], w),
  };
  if (t[6] !== null) e.session = r.str(t[6], w);
  return e;
}

function readPairs<V>(x: unknown, what: string, val: (v: unknown, w: string) => V): Array<[string, V]> {
  return r.arr(x, what).map((p, i) => {
    const t = r.arr(p, `${what}[${i}]`, 2);
    return [r.str(t[0], `${what}[${i}]`), val(t[1], `${what}[${i}]`)];
  });
}

/** Cross-record rules a snapshot of a real state always satisfies. */
function checkConsistency(d: SnapshotData): void {
  const nodes = new Set<string>();
  for (const n of d.nodes) {
    if (nodes.has(n.node)) corrupt(`node "${n.node}" appears twice`);
    nodes.add(n.node);
  }
  const services = new Map<string, string>();
  for (const s of d.services) {
    const k = `${s.node}\u0000${s.id}`;
    if (!nodes.has(s.node) || services.has(k)) corrupt(`service "${s.id}" on "${s.node}" is orphaned or repeated`);
    services.set(k, s.service);
  }
  const checks = new Map<string, CheckStatus>();
  for (const c of d.checks) {
    const k = `${c.node}\u0000${c.checkId}`;
    if (!nodes.has(c.node) || checks.has(k)) corrupt(`check "${c.checkId}" on "${c.node}" is orphaned or repeated`);
    if (c.serviceId !== "" && services.get(`${c.node}\u0000${c.serviceId}`) !== c.serviceName) {
      corrupt(`check "${c.checkId}" on "${c.node}" names a missing service`);
    }
    checks.set(k, c.status);
  }
  const sessions = new Set<string>();
  for (const s of d.sessions) {
    if (!nodes.has(s.node) || sessions.has(s.id)) corrupt(`session "${s.id}" is orphaned or repeated`);
    sessions.add(s.id);
  }
  const keys = new Set<string>();
  for (const e of d.kv.entries) {
    if (keys.has(e.key)) corrupt(`key "${e.key}" appears twice`);
    if (e.session !== undefined && !sessions.has(e.session)) corrupt(`key "${e.key}" is held by a missing session`);
    keys.add(e.key);
  }
  for (const [k] of d.kv.tombstones) {
    if (keys.has(k)) corrupt(`key "${k}" is both live and deleted`);
    keys.add(k);
  }
}

/**
 * Decodes a snapshot.
 * @throws StorageCorruptError on anything that is not a whole, consistent snapshot of this format.
 */
export function readSnapshot(bytes: Uint8Array): SnapshotData {
  if (!(bytes instanceof Uint8Array) || bytes.length < HEADER_BYTES) corrupt("too short");
  for (let i = 0; i < MAGIC.length; i++) if (bytes[i] !== MAGIC[i]) corrupt("bad magic or unknown format version");
  const body = bytes.subarray(HEADER_BYTES);
  const sum = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(4);
  if ((crc32(body) >>> 0) !== sum) corrupt("checksum mismatch");
  let raw: unknown;
  try {
    raw = packr.unpack(body);
  } catch (err) {
    throw new StorageCorruptError("catalog snapshot: body is not msgpack", { cause: err });
  }
  const t = r.arr(raw, "body");
  if (t.length !== BODY_LENGTH && t.length !== BODY_LENGTH_V1) corrupt(`body is not a ${BODY_LENGTH}-tuple`);
  const scalar = r.arr(t[10], "scalar scopes", 4).map((x) => r.int(x, "scalar scope"));
  const floors = r.arr(t[13], "scope floors", 2).map((x) => r.int(x, "scope floor"));
  const d: SnapshotData = {
    datacenter: r.str(t[0], "datacenter"),
    lastIndex: r.int(t[1], "lastIndex"),
    nodes: r.arr(t[2], "nodes").map(readNode),
    services: r.arr(t[3], "services").map(readService),
    checks: r.arr(t[4], "checks").map(readCheck),
    sessions: r.arr(t[5], "sessions").map(readSession),
    kv: {
      entries: r.arr(t[6], "kv").map(readEntry),
      tombstones: readPairs(t[7], "tombstones", r.int),
      floor: r.int(t[8], "kv floor"),
      lockDelays: readPairs(t[9], "lock delays", r.num),
    },
    scopes: {
      scalar: { services: scalar[0]!, nodes: scalar[1]!, checks: scalar[2]!, sessions: scalar[3]! },
      named: readPairs(t[11], "named scopes", r.int),
      retired: r.strs(t[12], "retired scopes"),
      floors: { service: floors[0]!, node: floors[1]! },
    },
    queries: t.length === BODY_LENGTH ? queriesFromTuple(t[14]) : { ...EMPTY_QUERIES, records: [] },
  };
  if (d.datacenter === "") corrupt("datacenter is empty");
  checkConsistency(d);
  return d;
}
