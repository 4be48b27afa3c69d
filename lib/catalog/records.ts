/**
 * Helpers over the immutable records the catalog stores: equality that ignores
 * indexes (so a write that changes nothing moves nothing), freezing (so reads
 * can hand out stored objects), ordering and health roll-up.
 *
 * @module
 */
import type { CheckRecord, CheckStatus, KvEntry, NodeRecord, ServiceRecord } from "./types.js";

/** Severity of each status, worst highest. */
export const STATUS_RANK: Readonly<Record<CheckStatus, number>> = Object.freeze({
  passing: 0,
  warning: 1,
  critical: 2,
});

/** The worst status of `checks`; "passing" when there are none (Consul's roll-up). */
export function worstStatus(checks: readonly CheckRecord[]): CheckStatus {
  let worst: CheckStatus = "passing";
  for (const c of checks) if (STATUS_RANK[c.status] > STATUS_RANK[worst]) worst = c.status;
  return worst;
}

/** Compares strings by UTF-16 code units, the order every catalog answer is sorted in. */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * A meta map with sorted keys and no prototype, so that a `__proto__` key is
 * plain data and two equal maps serialize to equal bytes.
 */
export function canonicalMeta(meta: Readonly<Record<string, string>> | undefined): Record<string, string> {
  const out = Object.create(null) as Record<string, string>;
  if (!meta) return out;
  for (const k of Object.keys(meta).sort(compareStrings)) out[k] = meta[k]!;
  return out;
}

/** True when two string arrays are equal element by element. */
export function sameStrings(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** True when two meta maps hold the same pairs. */
export function sameMeta(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  for (const k of ka) if (!Object.prototype.hasOwnProperty.call(b, k) || a[k] !== b[k]) return false;
  return true;
}

/** Node equality, indexes aside. */
export function sameNode(a: NodeRecord, b: NodeRecord): boolean {
  return (
    a.node === b.node && a.id === b.id && a.address === b.address && a.datacenter === b.datacenter && sameMeta(a.meta, b.meta)
  );
}

/** Service equality, indexes aside. */
export function sameService(a: ServiceRecord, b: ServiceRecord): boolean {
  return (
    a.node === b.node &&
    a.id === b.id &&
    a.service === b.service &&
    a.address === b.address &&
    a.port === b.port &&
    a.weights.passing === b.weights.passing &&
    a.weights.warning === b.weights.warning &&
    sameStrings(a.tags, b.tags) &&
    sameMeta(a.meta, b.meta)
  );
}

/** Check equality, indexes aside. */
export function sameCheck(a: CheckRecord, b: CheckRecord): boolean {
  return (
    a.node === b.node &&
    a.checkId === b.checkId &&
    a.name === b.name &&
    a.serviceId === b.serviceId &&
    a.serviceName === b.serviceName &&
    a.status === b.status &&
    a.output === b.output &&
    a.notes === b.notes &&
    a.type === b.type &&
    a.intervalMs === b.intervalMs &&
    a.timeoutMs === b.timeoutMs &&
    a.ttlMs === b.ttlMs &&
    a.deregisterCriticalAfterMs === b.deregisterCriticalAfterMs
  );
}

/** Freezes a node record and its meta; returns it. */
export function freezeNode(n: NodeRecord): NodeRecord {
  Object.freeze(n.meta);
  return Object.freeze(n);
}

/** Freezes a service record and its tags, meta and weights; returns it. */
export function freezeService(s: ServiceRecord): ServiceRecord {
  Object.freeze(s.tags);
  Object.freeze(s.meta);
  Object.freeze(s.weights);
  return Object.freeze(s);
}

/** Freezes a check record; returns it. */
export function freezeCheck(c: CheckRecord): CheckRecord {
  return Object.freeze(c);
}

/**
 * Cuts `text` to at most `bytesMax` UTF-8 bytes without splitting a character,
 * as Consul truncates check output to `OutputMaxSize`.
 */
export function truncateUtf8(text: string, bytesMax: number): string {
  if (text.length * 3 <= bytesMax || Buffer.byteLength(text) <= bytesMax) return text;
  const buf = Buffer.from(text);
  let end = bytesMax;
  // Step back over continuation bytes (10xxxxxx) so the cut lands on a boundary.
  while (end > 0 && (buf[end]! & 0xc0) === 0x80) end--;
  return buf.subarray(0, end).toString();
}

/** A copy of a KV entry the caller may keep and change. */
export function copyEntry(e: KvEntry): KvEntry {
  const out: KvEntry = {
    key: e.key,
    value: Buffer.from(e.value),
    flags: e.flags,
    createIndex: e.createIndex,
    modifyIndex: e.modifyIndex,
    lockIndex: e.lockIndex,
  };
  if (e.session !== undefined) out.session = e.session;
  return out;
}
