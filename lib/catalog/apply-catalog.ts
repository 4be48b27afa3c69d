/**
 * Catalog writes: register, deregister and check-update, with Consul's
 * /v1/catalog/register and /deregister semantics.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { CHECK_OUTPUT_BYTES_MAX } from "../util/limits.js";
import { invalidateForChecks, invalidateSession } from "./apply-session.js";
import type { CheckInput, CheckUpdateCommand, DeregisterCommand, RegisterCommand } from "./commands.js";
import { canonicalMeta, compareStrings, sameCheck, sameNode, sameService, truncateUtf8 } from "./records.js";
import type { Changes } from "./scope-index.js";
import { fail, ok, type ApplyResult, type Store } from "./store.js";
import type { CheckRecord, CheckType, NodeRecord, ServiceRecord } from "./types.js";

/**
 * A UUID-shaped node ID derived from the node name, for nodes registered
 * without one: stable across replicas and restarts, unlike a random one.
 */
export function deriveNodeId(node: string): string {
  const h = createHash("sha256").update("disco-node-id\u0000").update(node).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/** Checks a register command against the state; returns the refusal, or undefined when it can apply. */
function refuseRegister(st: Store, cmd: RegisterCommand, nodeId: string, serviceId: string | undefined): string | undefined {
  const n = cmd.node;
  if (n.datacenter !== undefined && n.datacenter !== st.datacenter) {
    return `node.datacenter "${n.datacenter}" is not this catalog's datacenter "${st.datacenter}"`;
  }
  const owner = st.tables.nodeNameById(nodeId);
  if (owner !== undefined && owner !== n.node) return `node.id "${nodeId}" is already in use by node "${owner}"`;
  const seen = new Set<string>();
  const onNode = st.tables.servicesOn(n.node);
  for (const [i, c] of (cmd.checks ?? []).entries()) {
    if (seen.has(c.checkId)) return `checks[${i}].checkId "${c.checkId}" appears twice`;
    seen.add(c.checkId);
    const sid = c.serviceId ?? "";
    if (sid !== "" && sid !== serviceId && !onNode?.has(sid)) {
      return `checks[${i}].serviceId "${sid}" is not a service on node "${n.node}"`;
    }
  }
  return undefined;
}

/** Upserts node, service and checks; a check registered critical invalidates the sessions on it. */
export function applyRegister(st: Store, cmd: RegisterCommand, ch: Changes): ApplyResult {
  const n = cmd.node;
  const prevNode = st.tables.node(n.node);
  const nodeId = n.id || prevNode?.id || deriveNodeId(n.node);
  const svc = cmd.service;
  const serviceId = svc ? svc.id || svc.service : undefined;
  const refusal = refuseRegister(st, cmd, nodeId, serviceId);
  if (refusal !== undefined) return fail(refusal);

  const idx = ch.index;
  const node: NodeRecord = {
    node: n.node,
    id: nodeId,
    address: n.address,
    datacenter: st.datacenter,
    meta: canonicalMeta(n.meta),
    createIndex: prevNode?.createIndex ?? idx,
    modifyIndex: idx,
  };
  if (!prevNode || !sameNode(prevNode, node)) st.tables.putNode(node, ch);

  if (svc && serviceId !== undefined) {
    const prev = st.tables.servicesOn(n.node)?.get(serviceId);
    const rec: ServiceRecord = {
      node: n.node,
      id: serviceId,
      service: svc.service,
      tags: [...(svc.tags ?? [])],
      address: svc.address ?? "",
      port: svc.port,
      meta: canonicalMeta(svc.meta),
      weights: { passing: svc.weights?.passing ?? 1, warning: svc.weights?.warning ?? 1 },
      createIndex: prev?.createIndex ?? idx,
      modifyIndex: idx,
    };
    if (!prev || !sameService(prev, rec)) st.tables.putService(rec, ch);
    if (prev && prev.service !== rec.service) renameChecks(st, n.node, serviceId, rec.service, ch);
  }

  const critical = new Set<string>();
  for (const c of cmd.checks ?? []) {
    const rec = checkRecord(st, n.node, c, idx);
    const prev = st.tables.checksOn(n.node)?.get(c.checkId);
    if (!prev || !sameCheck(prev, rec)) st.tables.putCheck(rec, ch);
    if (rec.status === "critical") critical.add(rec.checkId);
  }
  invalidateForChecks(st, n.node, critical, cmd.nowMs, ch);
  return ok();
}

function checkRecord(st: Store, node: string, c: CheckInput, idx: number): CheckRecord {
  const prev = st.tables.checksOn(node)?.get(c.checkId);
  const serviceId = c.serviceId ?? "";
  const serviceName = serviceId === "" ? "" : st.tables.servicesOn(node)!.get(serviceId)!.service;
  return {
    node,
    checkId: c.checkId,
    name: c.name ?? c.checkId,
    serviceId,
    serviceName,
    status: c.status,
    output: truncateUtf8(c.output ?? "", CHECK_OUTPUT_BYTES_MAX),
    notes: c.notes ?? "",
    type: c.type ?? ("" as CheckType),
    intervalMs: c.intervalMs ?? 0,
    timeoutMs: c.timeoutMs ?? 0,
    ttlMs: c.ttlMs ?? 0,
    deregisterCriticalAfterMs: c.deregisterCriticalAfterMs ?? 0,
    createIndex: prev?.createIndex ?? idx,
    modifyIndex: idx,
  };
}

/** An instance re-registered under a new service name carries its checks along. */
function renameChecks(st: Store, node: string, serviceId: string, name: string, ch: Changes): void {
  const checks = [...(st.tables.checksOn(node)?.values() ?? [])].filter((c) => c.serviceId === serviceId);
  for (const c of checks) st.tables.putCheck({ ...c, serviceName: name, modifyIndex: ch.index }, ch);
}

function checksOf(st: Store, node: string, serviceId: string): CheckRecord[] {
  return [...(st.tables.checksOn(node)?.values() ?? [])]
    .filter((c) => c.serviceId === serviceId)
    .sort((a, b) => compareStrings(a.checkId, b.checkId));
}

/**
 * Deregisters a whole node, or one service and/or one check. Unknown targets
 * are a successful no-op, as in Consul. Removing a check a session depends on
 * invalidates the session.
 */
export function applyDeregister(st: Store, cmd: DeregisterCommand, ch: Changes): ApplyResult {
  const t = st.tables;
  if (!t.node(cmd.node)) return ok();
  if (cmd.serviceId === undefined && cmd.checkId === undefined) {
    for (const s of st.sessions.onNode(cmd.node)) invalidateSession(st, s.id, cmd.nowMs, ch);
    const checks = [...(t.checksOn(cmd.node)?.keys() ?? [])].sort(compareStrings);
    for (const id of checks) t.deleteCheck(cmd.node, id, ch);
    const services = [...(t.servicesOn(cmd.node)?.keys() ?? [])].sort(compareStrings);
    for (const id of services) t.deleteService(cmd.node, id, ch);
    t.deleteNode(cmd.node, ch);
    return ok();
  }
  const gone: string[] = [];
  if (cmd.serviceId !== undefined && t.servicesOn(cmd.node)?.has(cmd.serviceId)) {
    gone.push(...checksOf(st, cmd.node, cmd.serviceId).map((c) => c.checkId));
  }
  if (cmd.checkId !== undefined && t.checksOn(cmd.node)?.has(cmd.checkId) && !gone.includes(cmd.checkId)) {
    gone.push(cmd.checkId);
  }
  invalidateForChecks(st, cmd.node, new Set(gone), cmd.nowMs, ch);
  for (const id of gone) t.deleteCheck(cmd.node, id, ch);
  if (cmd.serviceId !== undefined) t.deleteService(cmd.node, cmd.serviceId, ch);
  return ok();
}

/** Changes a check's status and output; unchanged values move nothing; critical invalidates its sessions. */
export function applyCheckUpdate(st: Store, cmd: CheckUpdateCommand, ch: Changes): ApplyResult {
  const prev = st.tables.checksOn(cmd.node)?.get(cmd.checkId);
  if (!prev) return fail(`check "${cmd.checkId}" does not exist on node "${cmd.node}"`);
  const output = cmd.output === undefined ? prev.output : truncateUtf8(cmd.output, CHECK_OUTPUT_BYTES_MAX);
  if (prev.status === cmd.status && prev.output === output) return ok();
  st.tables.putCheck({ ...prev, status: cmd.status, output, modifyIndex: ch.index }, ch);
  if (cmd.status === "critical") invalidateForChecks(st, cmd.node, new Set([cmd.checkId]), cmd.nowMs, ch);
  return ok();
}
