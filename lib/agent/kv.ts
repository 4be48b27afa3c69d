/**
 * The KV store API: get/put/delete/list/keys/watch with CAS, flags and
 * session locks, as Consul's /v1/kv.
 *
 * @module
 */
import type { KvEntry } from "../catalog/types.js";
import type { KvTxnOp } from "../catalog/commands.js";
import {
  ConsensusRequiredError, InvalidArgumentError, SessionInvalidError, ValueTooLargeError, throwIfAborted,
} from "../util/errors.js";
import { KV_KEY_BYTES_MAX, KV_VALUE_BYTES_MAX, TXN_OPS_MAX } from "../util/limits.js";
import type { CommandBackend, Consistency } from "./backend.js";

/** A KV entry as the API returns it. */
export interface KvPair {
  key: string;
  value: Buffer;
  flags: number;
  createIndex: number;
  modifyIndex: number;
  lockIndex: number;
  /** Session holding the key's lock, if any. */
  session: string | undefined;
}

/** Options of {@link Kv.get}, {@link Kv.list} and {@link Kv.keys}. */
export interface KvReadOptions {
  /** `"default"` (leader), `"consistent"` (confirmed leader), `"stale"` (any server). @defaultValue "default" */
  consistency?: Consistency;
  signal?: AbortSignal;
}

/** Options of {@link Kv.put}. */
export interface KvPutOptions {
  /** Write only if the key's ModifyIndex equals this; 0 writes only if the key does not exist. */
  cas?: number;
  /** Opaque number stored with the value (0 to 2^53-1). @defaultValue 0 */
  flags?: number;
  /** Acquire the key's lock for this session. */
  acquire?: string;
  /** Release the key's lock held by this session. */
  release?: string;
  signal?: AbortSignal;
}

/** Options of {@link Kv.delete}. */
export interface KvDeleteOptions {
  /** Delete every key under the prefix. */
  recurse?: boolean;
  /** Delete only if the key's ModifyIndex equals this. */
  cas?: number;
  signal?: AbortSignal;
}

/** Options of {@link Kv.watch}. */
export interface KvWatchOptions {
  /** Watch every key under the prefix; yields arrays. */
  prefix?: boolean;
  signal?: AbortSignal;
}

function toPair(e: KvEntry): KvPair {
  return {
    key: e.key, value: Buffer.from(e.value), flags: e.flags, createIndex: e.createIndex,
    modifyIndex: e.modifyIndex, lockIndex: e.lockIndex, session: e.session,
  };
}

/** Validates a key (non-empty unless `allowEmpty`, at most KV_KEY_BYTES_MAX bytes). */
export function checkKey(key: unknown, field = "key", allowEmpty = false): string {
  if (typeof key !== "string") throw new InvalidArgumentError(field, `must be a string, got ${typeof key}`);
  if (!allowEmpty && key.length === 0) throw new InvalidArgumentError(field, "must not be empty");
  const bytes = Buffer.byteLength(key);
  if (bytes > KV_KEY_BYTES_MAX) throw new ValueTooLargeError(field, bytes, KV_KEY_BYTES_MAX);
  return key;
}

/** Converts a value to bytes, refusing values over KV_VALUE_BYTES_MAX. */
export function valueBytes(value: unknown, field = "value"): Buffer {
  let buf: Buffer;
  if (typeof value === "string") buf = Buffer.from(value, "utf8");
  else if (value instanceof Uint8Array) buf = Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  else throw new InvalidArgumentError(field, "must be a string, Buffer or Uint8Array");
  if (buf.length > KV_VALUE_BYTES_MAX) throw new ValueTooLargeError(field, buf.length, KV_VALUE_BYTES_MAX);
  return buf;
}

function checkIndex(v: unknown, field: string): number | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 0) {
    throw new InvalidArgumentError(field, "must be a non-negative integer");
  }
  return v;
}

function checkSessionId(v: unknown, field: string): string | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== "string" || v.length === 0 || v.length > 64) throw new InvalidArgumentError(field, "must be a session ID");
  return v;
}

/** The agent's KV store. */
export class Kv {
  constructor(
    private readonly backend: CommandBackend,
    private readonly clock: { nowMs(): number },
    private readonly consensus: boolean,
  ) {}

  /** KV lives in the servers' replicated catalog; a serverless (gossip-mode) cluster has none. */
  private requireConsensus(): void {
    if (!this.consensus) throw new ConsensusRequiredError("the KV store (it needs servers: use mode \"raft\")");
  }

  /** Reads one key; undefined when it does not exist. */
  async get(key: string, options: KvReadOptions = {}): Promise<KvPair | undefined> {
    this.requireConsensus();
    checkKey(key);
    await this.backend.readBarrier(options.consistency ?? "default", options.signal);
    const e = this.backend.catalog.state.kvGet(key);
    return e ? toPair(e) : undefined;
  }

  /** Every key under a prefix ("" lists all), sorted. */
  async list(prefix: string, options: KvReadOptions = {}): Promise<KvPair[]> {
    this.requireConsensus();
    checkKey(prefix, "prefix", true);
    await this.backend.readBarrier(options.consistency ?? "default", options.signal);
    return this.backend.catalog.state.kvList(prefix).map(toPair);
  }

  /** Key names under a prefix; with a separator, folds deeper keys into their next path segment (Consul's `?keys&separator=`). */
  async keys(prefix: string, options: KvReadOptions & { separator?: string } = {}): Promise<string[]> {
    this.requireConsensus();
    checkKey(prefix, "prefix", true);
    if (options.separator !== undefined && typeof options.separator !== "string") {
      throw new InvalidArgumentError("separator", "must be a string");
    }
    await this.backend.readBarrier(options.consistency ?? "default", options.signal);
    return this.backend.catalog.state.kvKeys(prefix, options.separator);
  }

  /**
   * Writes a value. Resolves true when written, false when a `cas`, `acquire`
   * or `release` condition was not met (nothing written).
   * @throws ValueTooLargeError over 512 KiB; InvalidArgumentError on bad options;
   *   SessionInvalidError when `acquire`/`release` names a session that does not exist.
   */
  async put(key: string, value: string | Uint8Array, options: KvPutOptions = {}): Promise<boolean> {
    this.requireConsensus();
    checkKey(key);
    const bytes = valueBytes(value);
    const cas = checkIndex(options.cas, "cas");
    const flags = checkIndex(options.flags, "flags") ?? 0;
    const acquire = checkSessionId(options.acquire, "acquire");
    const release = checkSessionId(options.release, "release");
    if (acquire && release) throw new InvalidArgumentError("acquire", "acquire and release cannot be combined");
    throwIfAborted(options.signal);
    const result = await this.backend.propose({
      op: "kv-set", key, value: bytes, flags, cas, acquire, release, nowMs: this.clock.nowMs(),
    }, options.signal);
    if (!result.ok) {
      if (/session/i.test(result.error)) throw new SessionInvalidError(acquire ?? release ?? "");
      throw new InvalidArgumentError("key", result.error);
    }
    return result.value === true;
  }

  /** Deletes a key (or a prefix with `recurse`). Resolves false when a `cas` did not match. */
  async delete(key: string, options: KvDeleteOptions = {}): Promise<boolean> {
    this.requireConsensus();
    checkKey(key, "key", options.recurse === true);
    const cas = checkIndex(options.cas, "cas");
    const result = await this.backend.propose({ op: "kv-delete", key, recurse: options.recurse, cas }, options.signal);
    if (!result.ok) throw new InvalidArgumentError("key", result.error);
    return result.value === true;
  }

  /**
   * Applies up to 128 KV operations atomically (Consul's /v1/txn verbs): all
   * apply, or none do and the errors say which failed.
   */
  async txn(ops: KvTxnOp[], signal?: AbortSignal): Promise<{ ok: true; results: KvPair[] } | { ok: false; errors: { opIndex: number; what: string }[] }> {
    this.requireConsensus();
    if (!Array.isArray(ops) || ops.length === 0) throw new InvalidArgumentError("ops", "must be a non-empty array");
    if (ops.length > TXN_OPS_MAX) throw new InvalidArgumentError("ops", `has more than ${TXN_OPS_MAX} operations`);
    const result = await this.backend.propose({ op: "kv-txn", ops, nowMs: this.clock.nowMs() }, signal);
    if (!result.ok) throw new InvalidArgumentError("ops", result.error);
    const value = result.value as { results?: KvEntry[]; errors?: { opIndex: number; what: string }[] };
    if (value.errors && value.errors.length > 0) return { ok: false, errors: value.errors };
    return { ok: true, results: (value.results ?? []).map(toPair) };
  }

  /** Time (ms, on the agent's clock) before which the key cannot be acquired after its holder's session ended. */
  lockDelayUntil(key: string): number {
    return this.backend.catalog.state.lockDelayUntil(checkKey(key));
  }

  /**
   * Watches a key (or a prefix): yields the current value first, then every
   * change, driven by blocking queries on the key's own index. Ends when the
   * signal aborts or the agent closes.
   */
  watch(key: string, options: KvWatchOptions & { prefix: true }): AsyncGenerator<KvPair[]>;
  watch(key: string, options?: KvWatchOptions): AsyncGenerator<KvPair | undefined>;
  async *watch(key: string, options: KvWatchOptions = {}): AsyncGenerator<KvPair | undefined | KvPair[]> {
    this.requireConsensus();
    checkKey(key, "key", options.prefix === true);
    const { catalog } = this.backend;
    const scope = { kind: "kv" as const, key, prefix: options.prefix === true };
    let index = 0;
    for (;;) {
      if (options.signal?.aborted || catalog.closed) return;
      const next = await catalog.hub.wait(scope, index, { timeoutMs: 5 * 60_000, signal: options.signal })
        .catch((err: unknown) => {
          if (options.signal?.aborted) return -1;
          throw err;
        });
      if (next < 0 || catalog.closed) return;
      if (next === index) continue;
      index = next;
      if (options.prefix) yield catalog.state.kvList(key).map(toPair);
      else {
        const e = catalog.state.kvGet(key);
        yield e ? toPair(e) : undefined;
      }
    }
  }
}
