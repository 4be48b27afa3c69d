/**
 * What the KV commands share: the entry shape, key normalisation, base64.
 *
 * @module
 */
import { UsageError } from "../errors.js";

/** A KV entry as /v1/kv answers it. */
export interface KvJson {
  Key: string;
  /** Base64, or null for an empty value. */
  Value: string | null;
  Flags: number;
  CreateIndex: number;
  ModifyIndex: number;
  LockIndex: number;
  Session?: string;
}

/** Drops one leading slash, as Consul's KV commands do (`/a/b` is `a/b`). */
export function normalizeKey(key: string): string {
  return key.startsWith("/") ? key.slice(1) : key;
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Decodes strict base64 (Node's decoder silently skips junk). @throws UsageError naming `field`. */
export function decodeBase64(text: string, field: string): Buffer {
  const compact = text.replace(/\s+/g, "");
  if (!BASE64.test(compact) || compact.length % 4 === 1) throw new UsageError(`${field}: not valid base64`);
  return Buffer.from(compact, "base64");
}

/** The entry's value bytes. */
export function entryValue(e: KvJson): Buffer {
  return e.Value ? Buffer.from(e.Value, "base64") : Buffer.alloc(0);
}
