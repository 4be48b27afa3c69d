/**
 * KV transactions (Consul's /v1/txn, KV verbs): every op runs against a
 * private overlay of the KV table and the overlay is committed only if all of
 * them succeed, so a failed transaction changes nothing.
 *
 * @module
 */
import { KV_KEY_BYTES_MAX } from "../util/limits.js";
import { acquireRefusal, planAcquire, planRelease, planSet, valueTooLarge } from "./apply-kv.js";
import type { KvTxnCommand, KvTxnOp, KvTxnVerb } from "./commands.js";
import { compareStrings } from "./records.js";
import type { Changes } from "./scope-index.js";
import { ok, type ApplyResult, type Store } from "./store.js";
import type { KvEntry } from "./types.js";

/** One failed op of a transaction, as Consul's TxnError. */
export interface KvTxnError {
  /** Position of the op in the transaction. */
  opIndex: number;
  /** What went wrong. */
  what: string;
}

/**
 * The value of a kv-txn result: the entries the ops returned (get and get-tree
 * with values; set, cas, lock, unlock, check-index and check-session with an
 * empty value, as Consul blanks them), or the errors, in which case nothing was applied.
 */
export type KvTxnOutcome = { results: KvEntry[] } | { errors: KvTxnError[] };

const VERBS: ReadonlySet<string> = new Set<KvTxnVerb>([
  "set", "cas", "lock", "unlock", "get", "get-tree", "check-index",
  "check-session", "check-not-exists", "delete", "delete-tree", "delete-cas",
]);

const TREE_VERBS: ReadonlySet<string> = new Set(["get-tree", "delete-tree"]);
const INDEX_VERBS: ReadonlySet<string> = new Set(["cas", "check-index", "delete-cas"]);
const SESSION_VERBS: ReadonlySet<string> = new Set(["lock", "unlock", "check-session"]);

/** The limit or requirement an op breaks, or undefined. */
function opProblem(op: KvTxnOp): string | undefined {
  if (!VERBS.has(op.verb)) return `unknown verb "${op.verb}"`;
  if (op.key === "" && !TREE_VERBS.has(op.verb)) return "key must not be empty";
  if (Buffer.byteLength(op.key) > KV_KEY_BYTES_MAX) return `key is longer than ${KV_KEY_BYTES_MAX} bytes`;
  if (op.value) {
    const tooLarge = valueTooLarge(op.value);
    if (tooLarge) return tooLarge;
  }
  if (op.flags !== undefined && !(Number.isSafeInteger(op.flags) && op.flags >= 0)) return "flags must be an integer >= 0";
  if (INDEX_VERBS.has(op.verb) && op.index === undefined) return `${op.verb} needs an index`;
  if (op.index !== undefined && !(Number.isSafeInteger(op.index) && op.index >= 0)) return "index must be an integer >= 0";
  if (SESSION_VERBS.has(op.verb) && op.session === undefined) return `${op.verb} needs a session`;
  if ((op.verb === "lock" || op.verb === "unlock") && op.session === "") return `${op.verb} needs a session`;
  return undefined;
}

/** A private view of the KV table: reads see the transaction's own writes. */
class Overlay {
  readonly writes = new Map<string, KvEntry | null>();
  constructor(private readonly st: Store) {}

  get(key: string): KvEntry | undefined {
    return this.writes.has(key) ? (this.writes.get(key) ?? undefined) : this.st.kv.get(key);
  }

  tree(prefix: string): KvEntry[] {
    const byKey = new Map(this.st.kv.scan(prefix).map((e) => [e.key, e] as const));
    for (const [k, e] of this.writes) {
      if (!k.startsWith(prefix)) continue;
      if (e) byKey.set(k, e);
      else byKey.delete(k);
    }
    return [...byKey.values()].sort((a, b) => compareStrings(a.key, b.key));
  }
}

/** A copy of an entry for a result: with its value, or blanked. */
function resultEntry(e: KvEntry, withValue: boolean): KvEntry {
  const out: KvEntry = { ...e, value: withValue ? Buffer.from(e.value) : Buffer.alloc(0) };
  if (out.session === undefined) delete out.session;
  return out;
}

class TxnFailure extends Error {}

/** Runs one op against the overlay; pushes its results or throws {@link TxnFailure}. */
function runOp(st: Store, view: Overlay, op: KvTxnOp, nowMs: number, index: number, out: KvEntry[]): void {
  const cur = view.get(op.key);
  const value = op.value ?? new Uint8Array(0);
  const flags = op.flags ?? 0;
  const put = (next: KvEntry): void => {
    view.writes.set(op.key, next);
    out.push(resultEntry(next, false));
  };
  switch (op.verb) {
    case "set":
      return put(planSet(op.key, cur, value, flags, index));
    case "cas":
      if (op.index === 0 ? cur !== undefined : cur?.modifyIndex !== op.index) {
        throw new TxnFailure(`failed to set key "${op.key}", index is stale`);
      }
      return put(planSet(op.key, cur, value, flags, index));
    case "lock": {
      const refusal = acquireRefusal(st, op.key, cur, op.session!, nowMs);
      if (refusal === "invalid-session") throw new TxnFailure(`invalid session "${op.session}"`);
      if (refusal === "held") throw new TxnFailure(`failed to lock key "${op.key}", lock is already held`);
      if (refusal) throw new TxnFailure(`failed to lock key "${op.key}", lock delay has not passed`);
      return put(planAcquire(op.key, cur, value, flags, op.session!, index));
    }
    case "unlock":
      if (!cur || cur.session !== op.session) {
        throw new TxnFailure(`failed to unlock key "${op.key}", lock isn't held, or is held by another session`);
      }
      return put(planRelease(cur, value, flags, index));
    case "get":
      if (!cur) throw new TxnFailure(`key "${op.key}" doesn't exist`);
      out.push(resultEntry(cur, true));
      return;
    case "get-tree":
      for (const e of view.tree(op.key)) out.push(resultEntry(e, true));
      return;
    case "check-index":
      if (!cur) throw new TxnFailure(`key "${op.key}" doesn't exist`);
      if (cur.modifyIndex !== op.index) {
        throw new TxnFailure(`current modify index ${cur.modifyIndex} of key "${op.key}" != ${op.index}`);
      }
      out.push(resultEntry(cur, false));
      return;
    case "check-session":
      if (!cur) throw new TxnFailure(`key "${op.key}" doesn't exist`);
      if ((cur.session ?? "") !== op.session) {
        throw new TxnFailure(`failed session check for key "${op.key}", current session "${cur.session ?? ""}" != "${op.session}"`);
      }
      out.push(resultEntry(cur, false));
      return;
    case "check-not-exists":
      if (cur) throw new TxnFailure(`key "${op.key}" exists`);
      return;
    case "delete":
      if (cur) view.writes.set(op.key, null);
      return;
    case "delete-tree":
      for (const e of view.tree(op.key)) view.writes.set(e.key, null);
      return;
    case "delete-cas":
      if (cur && cur.modifyIndex !== op.index) throw new TxnFailure(`failed to delete key "${op.key}", index is stale`);
      if (cur) view.writes.set(op.key, null);
      return;
  }
}

/**
 * Consul's /v1/txn for KV: all or nothing. The result is ok with a
 * {@link KvTxnOutcome}; `{ errors }` means nothing was applied.
 */
export function applyKvTxn(st: Store, cmd: KvTxnCommand, ch: Changes): ApplyResult {
  const errors: KvTxnError[] = [];
  cmd.ops.forEach((op, opIndex) => {
    const what = opProblem(op);
    if (what !== undefined) errors.push({ opIndex, what });
  });
  if (errors.length > 0) return ok({ errors } satisfies KvTxnOutcome);

  const view = new Overlay(st);
  const results: KvEntry[] = [];
  for (const [opIndex, op] of cmd.ops.entries()) {
    try {
      runOp(st, view, op, cmd.nowMs, ch.index, results);
    } catch (err) {
      if (!(err instanceof TxnFailure)) throw err;
      return ok({ errors: [{ opIndex, what: err.message }] } satisfies KvTxnOutcome);
    }
  }
  for (const [key, next] of view.writes) st.kv.commit(key, next, ch);
  return ok({ results } satisfies KvTxnOutcome);
}

