/**
 * KV writes: Consul's PUT (with cas, acquire, release) and DELETE (with
 * recurse, cas), and the entry planners the transaction code shares.
 *
 * @module
 */
import { KV_VALUE_BYTES_MAX } from "../util/limits.js";
import type { KvDeleteCommand, KvSetCommand } from "./commands.js";
import { sameEntry } from "./kv-store.js";
import type { Changes } from "./scope-index.js";
import { fail, ok, type ApplyResult, type Store } from "./store.js";
import type { KvEntry } from "./types.js";

/** Why an acquire cannot proceed: no such session, another holder, or a lock delay still running. */
export type AcquireRefusal = "invalid-session" | "held" | "lock-delay";

/**
 * The entry a write of `value`/`flags` would leave at `key`, taking the lock
 * state from `session`/`lockIndex`; it is `cur` itself when nothing would
 * change, so no index moves.
 */
export function planEntry(
  key: string,
  cur: KvEntry | undefined,
  value: Uint8Array,
  flags: number,
  session: string | undefined,
  lockIndex: number,
  index: number,
): KvEntry {
  const next: KvEntry = {
    key,
    value: Buffer.from(value),
    flags,
    createIndex: cur?.createIndex ?? index,
    modifyIndex: index,
    lockIndex,
  };
  if (session !== undefined) next.session = session;
  return cur && sameEntry(cur, next) ? cur : next;
}

/** A plain set: the value changes, the lock (if any) stays with its holder. */
export function planSet(key: string, cur: KvEntry | undefined, value: Uint8Array, flags: number, index: number): KvEntry {
  return planEntry(key, cur, value, flags, cur?.session, cur?.lockIndex ?? 0, index);
}

/** An acquire by `session`: LockIndex counts acquisitions, so re-acquiring a held lock does not bump it. */
export function planAcquire(
  key: string,
  cur: KvEntry | undefined,
  value: Uint8Array,
  flags: number,
  session: string,
  index: number,
): KvEntry {
  const lockIndex = (cur?.lockIndex ?? 0) + (cur?.session === session ? 0 : 1);
  return planEntry(key, cur, value, flags, session, lockIndex, index);
}

/** A release: the value is written and the session cleared. */
export function planRelease(cur: KvEntry, value: Uint8Array, flags: number, index: number): KvEntry {
  return planEntry(cur.key, cur, value, flags, undefined, cur.lockIndex, index);
}

/** Why `session` may not acquire `key` now, or undefined when it may. */
export function acquireRefusal(
  st: Store,
  key: string,
  cur: KvEntry | undefined,
  session: string,
  nowMs: number,
): AcquireRefusal | undefined {
  if (!st.sessions.get(session)) return "invalid-session";
  if (cur?.session === session) return undefined;
  if (cur?.session !== undefined) return "held";
  if (nowMs < st.kv.lockDelayUntil(key)) return "lock-delay";
  return undefined;
}

/** The error text for a value over the limit, or undefined. */
export function valueTooLarge(value: Uint8Array): string | undefined {
  return value.byteLength > KV_VALUE_BYTES_MAX
    ? `value is ${value.byteLength} bytes; the limit is ${KV_VALUE_BYTES_MAX}`
    : undefined;
}

/**
 * Consul's KV PUT. Result value: true when written, false when a cas, acquire
 * or release condition did not hold. An acquire naming an unknown session is an
 * error result ("invalid session"), as in Consul.
 */
export function applyKvSet(st: Store, cmd: KvSetCommand, ch: Changes): ApplyResult {
  const tooLarge = valueTooLarge(cmd.value);
  if (tooLarge) return fail(tooLarge);
  const cur = st.kv.get(cmd.key);
  if (cmd.cas !== undefined && (cmd.cas === 0 ? cur !== undefined : cur?.modifyIndex !== cmd.cas)) return ok(false);
  const flags = cmd.flags ?? 0;
  let next: KvEntry;
  if (cmd.acquire !== undefined) {
    const refusal = acquireRefusal(st, cmd.key, cur, cmd.acquire, cmd.nowMs);
    if (refusal === "invalid-session") return fail(`invalid session "${cmd.acquire}"`);
    if (refusal) return ok(false);
    next = planAcquire(cmd.key, cur, cmd.value, flags, cmd.acquire, ch.index);
  } else if (cmd.release !== undefined) {
    if (!cur || cur.session !== cmd.release) return ok(false);
    next = planRelease(cur, cmd.value, flags, ch.index);
  } else {
    next = planSet(cmd.key, cur, cmd.value, flags, ch.index);
  }
  st.kv.commit(cmd.key, next, ch);
  return ok(true);
}

/**
 * Consul's KV DELETE. Result value: true, or false when the cas index did not
 * match. Deleting an absent key succeeds (with cas too, as Consul does).
 */
export function applyKvDelete(st: Store, cmd: KvDeleteCommand, ch: Changes): ApplyResult {
  if (cmd.recurse) {
    for (const e of st.kv.scan(cmd.key)) st.kv.commit(e.key, null, ch);
    return ok(true);
  }
  const cur = st.kv.get(cmd.key);
  if (cmd.cas !== undefined && cur && cur.modifyIndex !== cmd.cas) return ok(false);
  st.kv.commit(cmd.key, null, ch);
  return ok(true);
}
