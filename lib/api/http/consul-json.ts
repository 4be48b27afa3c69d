/**
 * The catalog's records in Consul's JSON shapes, so Consul's clients and
 * tools read them unchanged.
 *
 * @module
 */
import type { Member } from "../../agent/agent.js";
import type { UserEvent } from "../../agent/events.js";
import type { CatalogState } from "../../catalog/state.js";
import type {
  CheckRecord, HealthEntry, KvEntry, NodeRecord, ServiceRecord, SessionRecord,
} from "../../catalog/types.js";
import { formatDuration } from "../../util/duration.js";

/** A node as /v1/catalog/nodes answers it. */
export function nodeJson(n: NodeRecord): Record<string, unknown> {
  return {
    ID: n.id, Node: n.node, Address: n.address, Datacenter: n.datacenter,
    TaggedAddresses: { lan: n.address, wan: n.address }, Meta: n.meta,
    CreateIndex: n.createIndex, ModifyIndex: n.modifyIndex,
  };
}

/** A service as /v1/health/service and /v1/agent/services nest it. */
export function serviceJson(s: ServiceRecord, datacenter?: string): Record<string, unknown> {
  const out: Record<string, unknown> = {
    ID: s.id, Service: s.service, Tags: s.tags, Address: s.address, Meta: s.meta, Port: s.port,
    Weights: { Passing: s.weights.passing, Warning: s.weights.warning }, EnableTagOverride: false,
    CreateIndex: s.createIndex, ModifyIndex: s.modifyIndex,
  };
  if (datacenter !== undefined) out["Datacenter"] = datacenter;
  return out;
}

/** A service with its node, flattened as /v1/catalog/service answers it. */
export function catalogServiceJson(node: NodeRecord, s: ServiceRecord): Record<string, unknown> {
  return {
    ID: node.id, Node: node.node, Address: node.address, Datacenter: node.datacenter,
    TaggedAddresses: { lan: node.address, wan: node.address }, NodeMeta: node.meta,
    ServiceID: s.id, ServiceName: s.service, ServiceTags: s.tags, ServiceAddress: s.address,
    ServicePort: s.port, ServiceMeta: s.meta, ServiceEnableTagOverride: false,
    ServiceWeights: { Passing: s.weights.passing, Warning: s.weights.warning }, ServiceKind: "",
    CreateIndex: s.createIndex, ModifyIndex: s.modifyIndex,
  };
}

/** A check, with its service's tags looked up. */
export function checkJson(c: CheckRecord, state: CatalogState): Record<string, unknown> {
  const service = c.serviceId ? state.service(c.node, c.serviceId) : undefined;
  return {
    Node: c.node, CheckID: c.checkId, Name: c.name, Status: c.status, Notes: c.notes, Output: c.output,
    ServiceID: c.serviceId, ServiceName: c.serviceName, ServiceTags: service?.tags ?? [], Type: c.type,
    Interval: c.intervalMs ? formatDuration(c.intervalMs) : "", Timeout: c.timeoutMs ? formatDuration(c.timeoutMs) : "",
    CreateIndex: c.createIndex, ModifyIndex: c.modifyIndex,
  };
}

/** A /v1/health/service entry. */
export function healthEntryJson(e: HealthEntry, state: CatalogState): Record<string, unknown> {
  return {
    Node: nodeJson(e.node),
    Service: serviceJson(e.service),
    Checks: e.checks.map((c) => checkJson(c, state)),
  };
}

/** A KV entry; the value is base64 (null when empty, as Consul). */
export function kvJson(e: KvEntry): Record<string, unknown> {
  const out: Record<string, unknown> = {
    LockIndex: e.lockIndex, Key: e.key, Flags: e.flags,
    Value: e.value.length === 0 ? null : Buffer.from(e.value).toString("base64"),
    CreateIndex: e.createIndex, ModifyIndex: e.modifyIndex,
  };
  if (e.session) out["Session"] = e.session;
  return out;
}

/** A session; LockDelay in nanoseconds as Consul encodes a Go duration. */
export function sessionJson(s: SessionRecord): Record<string, unknown> {
  return {
    ID: s.id, Name: s.name, Node: s.node, LockDelay: s.lockDelayMs * 1e6, Behavior: s.behavior,
    TTL: s.ttlMs ? formatDuration(s.ttlMs) : "", NodeChecks: s.checks, ServiceChecks: null, Checks: s.checks,
    CreateIndex: s.createIndex, ModifyIndex: s.modifyIndex,
  };
}

/** Serf's member status numbers, as /v1/agent/members encodes them (a suspect member is still alive to Serf). */
const MEMBER_STATUS = { alive: 1, leaving: 2, left: 3, failed: 4, suspect: 1 } as const;

/** A cluster member as /v1/agent/members and /v1/agent/self answer it (Serf's shape). */
export function memberJson(m: Member): Record<string, unknown> {
  return {
    Name: m.name, Addr: m.address, Port: m.port, Tags: m.tags, Status: MEMBER_STATUS[m.status],
    ProtocolMin: 1, ProtocolMax: 5, ProtocolCur: 2, DelegateMin: 2, DelegateMax: 5, DelegateCur: 4,
  };
}

/** A user event as /v1/event/fire and /v1/event/list answer it; the payload is base64, null when empty (as Consul). */
export function userEventJson(e: UserEvent): Record<string, unknown> {
  return {
    ID: e.id, Name: e.name, Payload: e.payload && e.payload.length > 0 ? e.payload.toString("base64") : null,
    NodeFilter: e.nodeFilter, ServiceFilter: e.serviceFilter, TagFilter: e.tagFilter, Version: e.version, LTime: e.ltime,
  };
}
