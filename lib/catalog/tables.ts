/**
 * The catalog tables proper: nodes, services and checks, with the secondary
 * indexes reads need, and the rules for which scopes each change moves.
 *
 * @module
 */
import { compareStrings, freezeCheck, freezeNode, freezeService } from "./records.js";
import type { Changes, ScopeIndexes } from "./scope-index.js";
import type { CheckRecord, NodeRecord, ServiceRecord } from "./types.js";

const SEP = "\u0000";

/**
 * Nodes, services and checks. Records are frozen and replaced, never mutated,
 * so reads can return them as they are.
 *
 * Scope rules (what each change moves):
 * - node record: `nodes`, `node:N`, and `service:S` for every S on N;
 * - service instance: `service:S` (old and new name), `node:N`, and `services`
 *   only when the name → tags answer changes;
 * - instance check: `checks`, `node:N`, `service:S` of its instance;
 * - node-level check: `checks`, `node:N`, and `service:S` for every S on N.
 */
export class CatalogTables {
  private readonly nodesByName = new Map<string, NodeRecord>();
  private readonly nodeIds = new Map<string, string>();
  private readonly svcByNode = new Map<string, Map<string, ServiceRecord>>();
  private readonly svcByName = new Map<string, Map<string, ServiceRecord>>();
  /** name → tag → number of instances carrying it: the services answer, kept incrementally. */
  private readonly tagCounts = new Map<string, Map<string, number>>();
  private readonly checksByNode = new Map<string, Map<string, CheckRecord>>();

  constructor(private readonly scopes: ScopeIndexes) {}

  /** The node record, or undefined. */
  node(name: string): NodeRecord | undefined {
    return this.nodesByName.get(name);
  }

  /** The name of the node holding `id`, or undefined. */
  nodeNameById(id: string): string | undefined {
    return this.nodeIds.get(id);
  }

  /** Every node record, in no particular order. */
  allNodes(): IterableIterator<NodeRecord> {
    return this.nodesByName.values();
  }

  /** Number of nodes. */
  get nodeCount(): number {
    return this.nodesByName.size;
  }

  /** The services on `node` by instance ID (live view: do not modify). */
  servicesOn(node: string): ReadonlyMap<string, ServiceRecord> | undefined {
    return this.svcByNode.get(node);
  }

  /** The instances of service `name` (live view: do not modify). */
  instancesOf(name: string): ReadonlyMap<string, ServiceRecord> | undefined {
    return this.svcByName.get(name);
  }

  /** The checks on `node` by check ID (live view: do not modify). */
  checksOn(node: string): ReadonlyMap<string, CheckRecord> | undefined {
    return this.checksByNode.get(node);
  }

  /** Every check, in no particular order. */
  *allChecks(): IterableIterator<CheckRecord> {
    for (const m of this.checksByNode.values()) yield* m.values();
  }

  /** Service names with at least one instance, sorted, each with its sorted tag union. */
  serviceTags(): Array<[string, string[]]> {
    return [...this.tagCounts.entries()]
      .map(([name, tags]): [string, string[]] => [name, [...tags.keys()].sort(compareStrings)])
      .sort((a, b) => compareStrings(a[0], b[0]));
  }

  /** Distinct service names on `node`, sorted. */
  hostedNames(node: string): string[] {
    const m = this.svcByNode.get(node);
    if (!m) return [];
    return [...new Set([...m.values()].map((s) => s.service))].sort(compareStrings);
  }

  /** Stores a node record (the caller has checked it differs). */
  putNode(rec: NodeRecord, ch: Changes): void {
    const prev = this.nodesByName.get(rec.node);
    if (prev) this.nodeIds.delete(prev.id);
    this.linkNode(rec);
    ch.scalar("nodes");
    ch.named("node", rec.node);
    for (const s of this.hostedNames(rec.node)) ch.named("service", s);
  }

  /** Removes a node record; its services and checks must already be gone. */
  deleteNode(name: string, ch: Changes): void {
    const prev = this.nodesByName.get(name);
    if (!prev) return;
    this.nodesByName.delete(name);
    this.nodeIds.delete(prev.id);
    ch.scalar("nodes");
    ch.named("node", name);
    this.scopes.retire("node", name);
  }

  /** Stores a service record (the caller has checked it differs). */
  putService(rec: ServiceRecord, ch: Changes): void {
    const prev = this.svcByNode.get(rec.node)?.get(rec.id);
    let servicesChanged = false;
    if (prev) servicesChanged = this.unlinkService(prev);
    servicesChanged = this.linkService(rec) || servicesChanged;
    if (servicesChanged) ch.scalar("services");
    ch.named("node", rec.node);
    ch.named("service", rec.service);
    if (prev && prev.service !== rec.service) {
      ch.named("service", prev.service);
      if (!this.svcByName.has(prev.service)) this.scopes.retire("service", prev.service);
    }
  }

  /** Removes a service instance; its checks must already be gone. */
  deleteService(node: string, id: string, ch: Changes): void {
    const prev = this.svcByNode.get(node)?.get(id);
    if (!prev) return;
    if (this.unlinkService(prev)) ch.scalar("services");
    ch.named("node", node);
    ch.named("service", prev.service);
    if (!this.svcByName.has(prev.service)) this.scopes.retire("service", prev.service);
  }

  /** Stores a check record (the caller has checked it differs). */
  putCheck(rec: CheckRecord, ch: Changes): void {
    const prev = this.checksByNode.get(rec.node)?.get(rec.checkId);
    this.linkCheck(rec);
    if (prev) this.touchCheck(prev, ch);
    this.touchCheck(rec, ch);
  }

  /** Removes a check. */
  deleteCheck(node: string, checkId: string, ch: Changes): void {
    const m = this.checksByNode.get(node);
    const prev = m?.get(checkId);
    if (!m || !prev) return;
    m.delete(checkId);
    if (m.size === 0) this.checksByNode.delete(node);
    this.touchCheck(prev, ch);
  }

  private touchCheck(c: CheckRecord, ch: Changes): void {
    ch.scalar("checks");
    ch.named("node", c.node);
    if (c.serviceId !== "") ch.named("service", c.serviceName);
    else for (const s of this.hostedNames(c.node)) ch.named("service", s);
  }

  private linkNode(rec: NodeRecord): void {
    this.nodesByName.set(rec.node, freezeNode(rec));
    this.nodeIds.set(rec.id, rec.node);
  }

  /** @returns whether the services answer (names and tag unions) changed. */
  private linkService(rec: ServiceRecord): boolean {
    freezeService(rec);
    let onNode = this.svcByNode.get(rec.node);
    if (!onNode) this.svcByNode.set(rec.node, (onNode = new Map()));
    onNode.set(rec.id, rec);
    let named = this.svcByName.get(rec.service);
    if (!named) this.svcByName.set(rec.service, (named = new Map()));
    named.set(rec.node + SEP + rec.id, rec);
    let tags = this.tagCounts.get(rec.service);
    let changed = false;
    if (!tags) {
      this.tagCounts.set(rec.service, (tags = new Map()));
      changed = true;
    }
    for (const t of new Set(rec.tags)) {
      const n = tags.get(t) ?? 0;
      tags.set(t, n + 1);
      if (n === 0) changed = true;
    }
    return changed;
  }

  /** @returns whether the services answer (names and tag unions) changed. */
  private unlinkService(rec: ServiceRecord): boolean {
    const onNode = this.svcByNode.get(rec.node)!;
    onNode.delete(rec.id);
    if (onNode.size === 0) this.svcByNode.delete(rec.node);
    const named = this.svcByName.get(rec.service)!;
    named.delete(rec.node + SEP + rec.id);
    const tags = this.tagCounts.get(rec.service)!;
    let changed = false;
    for (const t of new Set(rec.tags)) {
      const n = tags.get(t)! - 1;
      if (n === 0) {
        tags.delete(t);
        changed = true;
      } else tags.set(t, n);
    }
    if (named.size === 0) {
      this.svcByName.delete(rec.service);
      this.tagCounts.delete(rec.service);
      changed = true;
    }
    return changed;
  }

  private linkCheck(rec: CheckRecord): void {
    let m = this.checksByNode.get(rec.node);
    if (!m) this.checksByNode.set(rec.node, (m = new Map()));
    m.set(rec.checkId, freezeCheck(rec));
  }

  /** Serializes, sorted so equal tables give equal bytes. */
  toData(): { nodes: NodeRecord[]; services: ServiceRecord[]; checks: CheckRecord[] } {
    const nodes = [...this.nodesByName.values()].sort((a, b) => compareStrings(a.node, b.node));
    const services: ServiceRecord[] = [];
    const checks: CheckRecord[] = [];
    for (const n of nodes) {
      const svcs = this.svcByNode.get(n.node);
      if (svcs) services.push(...[...svcs.values()].sort((a, b) => compareStrings(a.id, b.id)));
      const chks = this.checksByNode.get(n.node);
      if (chks) checks.push(...[...chks.values()].sort((a, b) => compareStrings(a.checkId, b.checkId)));
    }
    return { nodes, services, checks };
  }

  /** Loads records from a snapshot (already checked for shape and consistency). */
  load(nodes: NodeRecord[], services: ServiceRecord[], checks: CheckRecord[]): void {
    for (const n of nodes) this.linkNode(n);
    for (const s of services) this.linkService(s);
    for (const c of checks) this.linkCheck(c);
  }
}
