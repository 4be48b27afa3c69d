/**
 * Sessions: create, destroy, and invalidation (a check going critical or
 * away, the node going away), with Consul's release/delete behaviours and
 * lock delay.
 *
 * @module
 */
import type { SessionCreateCommand, SessionDestroyCommand, SessionRenewCommand } from "./commands.js";
import { SESSION_LOCK_DELAY_MS_DEFAULT } from "./limits.js";
import type { Changes } from "./scope-index.js";
import { fail, ok, type ApplyResult, type Store } from "./store.js";
import type { KvEntry, SessionRecord } from "./types.js";

/** The node-liveness check a session depends on by default, as in Consul. */
export const SERF_HEALTH_CHECK = "serfHealth";

/** `entry` with its lock released at `index`: session cleared, value and lockIndex kept. */
export function released(entry: KvEntry, index: number): KvEntry {
  return {
    key: entry.key,
    value: entry.value,
    flags: entry.flags,
    createIndex: entry.createIndex,
    modifyIndex: index,
    lockIndex: entry.lockIndex,
  };
}

/** Creates a session; the result value is its ID. */
export function applySessionCreate(st: Store, cmd: SessionCreateCommand, ch: Changes): ApplyResult {
  const s = cmd.session;
  if (st.sessions.get(s.id)) return fail(`session "${s.id}" already exists`);
  if (!st.tables.node(s.node)) return fail(`node "${s.node}" does not exist`);
  const onNode = st.tables.checksOn(s.node);
  const checks = [...new Set(s.checks ?? (onNode?.has(SERF_HEALTH_CHECK) ? [SERF_HEALTH_CHECK] : []))];
  for (const id of checks) {
    const c = onNode?.get(id);
    if (!c) return fail(`check "${id}" does not exist on node "${s.node}"`);
    if (c.status === "critical") return fail(`check "${id}" is in critical state`);
  }
  const rec: SessionRecord = {
    id: s.id,
    name: s.name ?? "",
    node: s.node,
    checks,
    ttlMs: s.ttlMs ?? 0,
    behavior: s.behavior ?? "release",
    lockDelayMs: s.lockDelayMs ?? SESSION_LOCK_DELAY_MS_DEFAULT,
    createIndex: ch.index,
    modifyIndex: ch.index,
  };
  st.sessions.put(rec);
  ch.scalar("sessions");
  return ok(s.id);
}

/** Destroys a session (idempotent: an unknown ID is a successful no-op). */
export function applySessionDestroy(st: Store, cmd: SessionDestroyCommand, ch: Changes): ApplyResult {
  invalidateSession(st, cmd.id, cmd.nowMs, ch);
  return ok();
}

/** Notes a renewal at this entry's index; fails when the session is gone (the renewer must learn it lost it). */
export function applySessionRenew(st: Store, cmd: SessionRenewCommand, ch: Changes): ApplyResult {
  if (!st.sessions.get(cmd.id)) return fail(`session "${cmd.id}" not found`);
  st.sessions.noteRenewal(cmd.id, ch.index);
  return ok(cmd.id);
}

/**
 * Ends a session: its locks are released (or their keys deleted, for behavior
 * "delete"), each such key gets a lock delay until `nowMs + lockDelayMs` when
 * `nowMs` is known, and the session is removed.
 */
export function invalidateSession(st: Store, id: string, nowMs: number | undefined, ch: Changes): void {
  const s = st.sessions.get(id);
  if (!s) return;
  for (const key of st.kv.heldBy(id)) {
    const e = st.kv.get(key)!;
    st.kv.commit(key, s.behavior === "delete" ? null : released(e, ch.index), ch);
    if (nowMs !== undefined && s.lockDelayMs > 0) st.kv.setLockDelay(key, nowMs + s.lockDelayMs);
  }
  st.sessions.delete(id);
  ch.scalar("sessions");
}

/** Invalidates every session on `node` that depends on one of `checkIds`. */
export function invalidateForChecks(
  st: Store,
  node: string,
  checkIds: ReadonlySet<string>,
  nowMs: number | undefined,
  ch: Changes,
): void {
  if (checkIds.size === 0) return;
  for (const s of st.sessions.onNode(node)) {
    if (s.checks.some((c) => checkIds.has(c))) invalidateSession(st, s.id, nowMs, ch);
  }
}
