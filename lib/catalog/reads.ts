/**
 * Catalog queries. Every answer is sorted (so replicas and restored states
 * answer byte for byte alike) and made of frozen records or fresh copies, so no
 * caller can change the state through it.
 *
 * @module
 */
import { compareStrings, copyEntry, worstStatus } from "./records.js";
import type { Store } from "./store.js";
import type { CheckRecord, CheckStatus, HealthEntry, NodeRecord, ServiceRecord } from "./types.js";

/** A service instance joined with its node, as /v1/catalog/service/:name answers. */
export interface ServiceNode {
  node: NodeRecord;
  service: ServiceRecord;
}

/** Filter of service queries. */
export interface ServiceQuery {
  /** Only instances carrying this tag (compared case-insensitively, as Consul does). */
  tag?: string;
}

/** Filter of health queries. */
export interface HealthQuery extends ServiceQuery {
  /** Only instances whose node and instance checks all pass (Consul's `?passing`). */
  passingOnly?: boolean;
}

function byCheck(a: CheckRecord, b: CheckRecord): number {
  return compareStrings(a.node, b.node) || compareStrings(a.checkId, b.checkId);
}

function hasTag(s: ServiceRecord, tag: string): boolean {
  const want = tag.toLowerCase();
  return s.tags.some((t) => t.toLowerCase() === want);
}

/** Instances of `name`, sorted by node then ID, filtered by tag. */
function instances(st: Store, name: string, tag: string | undefined): ServiceRecord[] {
  const m = st.tables.instancesOf(name);
  if (!m) return [];
  // Keys are node + NUL + id, and NUL sorts first, so key order is (node, id) order.
  const keys = [...m.keys()].sort(compareStrings);
  const out: ServiceRecord[] = [];
  for (const k of keys) {
    const s = m.get(k)!;
    if (tag === undefined || hasTag(s, tag)) out.push(s);
  }
  return out;
}

/** Every node, sorted by name. */
export function listNodes(st: Store): NodeRecord[] {
  return [...st.tables.allNodes()].sort((a, b) => compareStrings(a.node, b.node));
}

/** Service name → sorted union of its instances' tags, names sorted; a fresh prototype-less object. */
export function listServices(st: Store): Record<string, string[]> {
  const out = Object.create(null) as Record<string, string[]>;
  for (const [name, tags] of st.tables.serviceTags()) out[name] = tags;
  return out;
}

/** Instances of a service joined with their nodes. */
export function serviceNodes(st: Store, name: string, q: ServiceQuery = {}): ServiceNode[] {
  return instances(st, name, q.tag).map((service) => ({ node: st.tables.node(service.node)!, service }));
}

/** Instances of a service with their node's checks and their own, and the worst status of those. */
export function healthService(st: Store, name: string, q: HealthQuery = {}): HealthEntry[] {
  const out: HealthEntry[] = [];
  for (const service of instances(st, name, q.tag)) {
    const all = [...(st.tables.checksOn(service.node)?.values() ?? [])];
    // Node checks first (they gate every instance), then the instance's own, each by ID.
    const checks = all
      .filter((c) => c.serviceId === "" || c.serviceId === service.id)
      .sort((a, b) => (a.serviceId === "" ? 0 : 1) - (b.serviceId === "" ? 0 : 1) || compareStrings(a.checkId, b.checkId));
    const status = worstStatus(checks);
    if (q.passingOnly && status !== "passing") continue;
    out.push({ node: st.tables.node(service.node)!, service, checks, status });
  }
  return out;
}

/** The services on a node, sorted by ID ([] for an unknown node). */
export function nodeServices(st: Store, node: string): ServiceRecord[] {
  return [...(st.tables.servicesOn(node)?.values() ?? [])].sort((a, b) => compareStrings(a.id, b.id));
}

/** Every check on a node (node-level and instance checks), sorted by ID. */
export function nodeChecks(st: Store, node: string): CheckRecord[] {
  return [...(st.tables.checksOn(node)?.values() ?? [])].sort(byCheck);
}

/** The instance checks of every instance of a service, sorted by node then ID. */
export function serviceChecks(st: Store, name: string): CheckRecord[] {
  const out: CheckRecord[] = [];
  const nodes = new Set(instances(st, name, undefined).map((s) => s.node));
  for (const node of nodes) {
    for (const c of st.tables.checksOn(node)?.values() ?? []) if (c.serviceId !== "" && c.serviceName === name) out.push(c);
  }
  return out.sort(byCheck);
}

/** Checks in a state ("any" for all), sorted by node then ID. */
export function checksInState(st: Store, state: CheckStatus | "any"): CheckRecord[] {
  const out: CheckRecord[] = [];
  for (const c of st.tables.allChecks()) if (state === "any" || c.status === state) out.push(c);
  return out.sort(byCheck);
}

