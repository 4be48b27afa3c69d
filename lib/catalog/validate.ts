/**
 * Command validation. Two depths:
 * - shape (types only), used by `decodeCommand`: a command that fails it cannot
 *   be applied at all, so it is a malformed packet;
 * - full (types, ranges, sizes, enums), used by apply: a command that fails it
 *   is an error result and changes nothing.
 * Keeping limits out of the shape check means every decodable log entry applies
 * to the same result on every replica, even if limits change between versions.
 *
 * @module
 */
import { InvalidArgumentError } from "../util/errors.js";
import {
  CHECK_OUTPUT_BYTES_MAX,
  KV_KEY_BYTES_MAX,
  META_KEY_LENGTH_MAX,
  META_PAIRS_MAX,
  META_VALUE_LENGTH_MAX,
  NAME_LENGTH_MAX,
  TAGS_COUNT_MAX,
  TXN_OPS_MAX,
} from "../util/limits.js";
import type { CatalogCommand } from "./commands.js";
import { checkQueryCommand } from "./query-commands.js";
import {
  PORT_MAX,
  REGISTER_CHECKS_MAX,
  SESSION_CHECKS_MAX,
  SESSION_LOCK_DELAY_MS_MAX,
  SESSION_TTL_MS_MAX,
  SESSION_TTL_MS_MIN,
  WEIGHT_MAX,
} from "./limits.js";

type Obj = Record<string, unknown>;

/** Check statuses a command may carry. */
export const CHECK_STATUSES: readonly string[] = Object.freeze(["passing", "warning", "critical"]);

/** Check types a command may carry. */
export const CHECK_TYPES: readonly string[] = Object.freeze(["ttl", "http", "tcp", "function", "serf", ""]);

function bad(path: string, msg: string): never {
  throw new InvalidArgumentError(path, msg);
}

function isObj(x: unknown): x is Obj {
  return typeof x === "object" && x !== null && !Array.isArray(x) && !ArrayBuffer.isView(x);
}

interface StrOpts {
  optional?: boolean;
  /** Must not be "" (full check only). */
  nonEmpty?: boolean;
  /** Length bound in UTF-16 units (full check only). */
  max?: number;
  /** Length bound in UTF-8 bytes (full check only). */
  maxBytes?: number;
  /** Allowed values (full check only). */
  oneOf?: readonly string[];
}

interface NumOpts {
  optional?: boolean;
  /** Must be a safe integer (full check only). */
  int?: boolean;
  min?: number;
  max?: number;
}

/** A validator at one depth; each method checks one field and returns it typed. Shared with query-commands.ts. */
export class Checker {
  constructor(readonly full: boolean) {}

  obj(x: unknown, path: string): Obj {
    if (!isObj(x)) bad(path, "must be an object");
    return x;
  }

  optObj(o: Obj, k: string, path: string): Obj | undefined {
    return o[k] === undefined ? undefined : this.obj(o[k], path);
  }

  str(o: Obj, k: string, path: string, opts: StrOpts = {}): string | undefined {
    const v = o[k];
    if (v === undefined && opts.optional) return undefined;
    if (typeof v !== "string") bad(path, "must be a string");
    if (!this.full) return v;
    if (opts.nonEmpty && v === "") bad(path, "must not be empty");
    if (opts.max !== undefined && v.length > opts.max) bad(path, `longer than ${opts.max} characters`);
    if (opts.maxBytes !== undefined && Buffer.byteLength(v) > opts.maxBytes) bad(path, `longer than ${opts.maxBytes} bytes`);
    if (opts.oneOf && !opts.oneOf.includes(v)) bad(path, `must be one of ${opts.oneOf.map((s) => JSON.stringify(s)).join(", ")}`);
    return v;
  }

  num(o: Obj, k: string, path: string, opts: NumOpts = {}): number | undefined {
    const v = o[k];
    if (v === undefined && opts.optional) return undefined;
    if (typeof v !== "number") bad(path, "must be a number");
    if (!this.full) return v;
    if (!Number.isFinite(v)) bad(path, "must be finite");
    if (opts.int && !Number.isSafeInteger(v)) bad(path, "must be an integer");
    if (opts.min !== undefined && v < opts.min) bad(path, `must be >= ${opts.min}`);
    if (opts.max !== undefined && v > opts.max) bad(path, `must be <= ${opts.max}`);
    return v;
  }

  bool(o: Obj, k: string, path: string): boolean | undefined {
    const v = o[k];
    if (v === undefined) return undefined;
    if (typeof v !== "boolean") bad(path, "must be a boolean");
    return v;
  }

  bytes(o: Obj, k: string, path: string, optional: boolean): Uint8Array | undefined {
    const v = o[k];
    if (v === undefined && optional) return undefined;
    if (!(v instanceof Uint8Array)) bad(path, "must be bytes");
    return v;
  }

  arr(o: Obj, k: string, path: string, max: number): unknown[] | undefined {
    const v = o[k];
    if (v === undefined) return undefined;
    if (!Array.isArray(v)) bad(path, "must be an array");
    if (this.full && v.length > max) bad(path, `more than ${max} items`);
    return v;
  }

  strings(o: Obj, k: string, path: string, max: number, itemMax: number): string[] | undefined {
    const v = this.arr(o, k, path, max);
    if (v) for (let i = 0; i < v.length; i++) this.str(v as unknown as Obj, String(i), `${path}[${i}]`, { max: itemMax });
    return v as string[] | undefined;
  }

  meta(o: Obj, k: string, path: string): void {
    const m = this.optObj(o, k, path);
    if (!m) return;
    const keys = Object.keys(m);
    if (this.full && keys.length > META_PAIRS_MAX) bad(path, `more than ${META_PAIRS_MAX} pairs`);
    for (const key of keys) {
      if (this.full && (key === "" || key.length > META_KEY_LENGTH_MAX)) {
        bad(`${path}.${key}`, `keys must be 1..${META_KEY_LENGTH_MAX} characters`);
      }
      // msgpack decoders (msgpackr included) rename this key, so it would not survive the log.
      if (this.full && key === "__proto__") bad(`${path}.${key}`, "is a reserved key");
      this.str(m, key, `${path}.${key}`, { max: META_VALUE_LENGTH_MAX });
    }
  }

  /** Optional non-negative duration in ms. */
  ms(o: Obj, k: string, path: string, max = Number.MAX_SAFE_INTEGER): number | undefined {
    return this.num(o, k, path, { optional: true, min: 0, max });
  }
}

const NAME: StrOpts = { nonEmpty: true, max: NAME_LENGTH_MAX };
const OPT_NAME: StrOpts = { optional: true, max: NAME_LENGTH_MAX };

function checkRegister(v: Checker, c: Obj): void {
  const n = v.obj(c["node"], "node");
  v.str(n, "node", "node.node", NAME);
  v.str(n, "id", "node.id", OPT_NAME);
  v.str(n, "address", "node.address", NAME);
  v.str(n, "datacenter", "node.datacenter", OPT_NAME);
  v.meta(n, "meta", "node.meta");
  const s = v.optObj(c, "service", "service");
  if (s) {
    v.str(s, "id", "service.id", { max: NAME_LENGTH_MAX });
    v.str(s, "service", "service.service", NAME);
    v.strings(s, "tags", "service.tags", TAGS_COUNT_MAX, NAME_LENGTH_MAX);
    v.str(s, "address", "service.address", OPT_NAME);
    v.num(s, "port", "service.port", { int: true, min: 0, max: PORT_MAX });
    v.meta(s, "meta", "service.meta");
    const w = v.optObj(s, "weights", "service.weights");
    if (w) {
      v.num(w, "passing", "service.weights.passing", { int: true, min: 1, max: WEIGHT_MAX });
      v.num(w, "warning", "service.weights.warning", { int: true, min: 0, max: WEIGHT_MAX });
    }
  }
  const checks = v.arr(c, "checks", "checks", REGISTER_CHECKS_MAX);
  checks?.forEach((x, i) => checkCheckInput(v, v.obj(x, `checks[${i}]`), `checks[${i}]`));
  v.num(c, "nowMs", "nowMs", { optional: true });
}

function checkCheckInput(v: Checker, k: Obj, p: string): void {
  v.str(k, "checkId", `${p}.checkId`, NAME);
  v.str(k, "name", `${p}.name`, OPT_NAME);
  v.str(k, "serviceId", `${p}.serviceId`, OPT_NAME);
  v.str(k, "status", `${p}.status`, { oneOf: CHECK_STATUSES });
  // Output is truncated on apply rather than refused, as Consul's OutputMaxSize.
  v.str(k, "output", `${p}.output`, { optional: true });
  v.str(k, "notes", `${p}.notes`, { optional: true, maxBytes: CHECK_OUTPUT_BYTES_MAX });
  v.str(k, "type", `${p}.type`, { optional: true, oneOf: CHECK_TYPES });
  for (const f of ["intervalMs", "timeoutMs", "ttlMs", "deregisterCriticalAfterMs"]) v.ms(k, f, `${p}.${f}`);
}

function checkKvTxnOp(v: Checker, o: Obj, p: string): void {
  // Verb, key and value limits are per-op errors of the transaction, checked on apply.
  v.str(o, "verb", `${p}.verb`);
  v.str(o, "key", `${p}.key`);
  v.bytes(o, "value", `${p}.value`, true);
  if (o["flags"] !== undefined && typeof o["flags"] !== "number") bad(`${p}.flags`, "must be a number");
  if (o["index"] !== undefined && typeof o["index"] !== "number") bad(`${p}.index`, "must be a number");
  if (o["session"] !== undefined && typeof o["session"] !== "string") bad(`${p}.session`, "must be a string");
}

function checkSessionCreate(v: Checker, c: Obj): void {
  const s = v.obj(c["session"], "session");
  v.str(s, "id", "session.id", NAME);
  v.str(s, "name", "session.name", OPT_NAME);
  v.str(s, "node", "session.node", NAME);
  v.strings(s, "checks", "session.checks", SESSION_CHECKS_MAX, NAME_LENGTH_MAX);
  const ttl = v.ms(s, "ttlMs", "session.ttlMs", SESSION_TTL_MS_MAX);
  if (v.full && ttl !== undefined && ttl !== 0 && ttl < SESSION_TTL_MS_MIN) {
    bad("session.ttlMs", `must be 0 or between ${SESSION_TTL_MS_MIN} and ${SESSION_TTL_MS_MAX}`);
  }
  v.str(s, "behavior", "session.behavior", { optional: true, oneOf: ["release", "delete"] });
  v.ms(s, "lockDelayMs", "session.lockDelayMs", SESSION_LOCK_DELAY_MS_MAX);
  v.num(c, "nowMs", "nowMs");
}

const KEY: StrOpts = { nonEmpty: true, maxBytes: KV_KEY_BYTES_MAX };
const INDEX: NumOpts = { optional: true, int: true, min: 0 };

/**
 * Checks that `raw` is a command, at the given depth, and returns it typed.
 * Value sizes are left to apply (they are an error result with a size in it).
 * @param full - false: types only; true: also ranges, sizes and enums.
 * @throws InvalidArgumentError naming the offending field.
 */
export function checkCommand(raw: unknown, full: boolean): CatalogCommand {
  const v = new Checker(full);
  const c = v.obj(raw, "command");
  switch (c["op"]) {
    case "register":
      checkRegister(v, c);
      break;
    case "deregister":
      v.str(c, "node", "node", NAME);
      v.str(c, "serviceId", "serviceId", OPT_NAME);
      v.str(c, "checkId", "checkId", OPT_NAME);
      v.num(c, "nowMs", "nowMs", { optional: true });
      break;
    case "check-update":
      v.str(c, "node", "node", NAME);
      v.str(c, "checkId", "checkId", NAME);
      v.str(c, "status", "status", { oneOf: CHECK_STATUSES });
      v.str(c, "output", "output", { optional: true });
      v.num(c, "nowMs", "nowMs");
      break;
    case "kv-set":
      v.str(c, "key", "key", KEY);
      v.bytes(c, "value", "value", false);
      v.num(c, "flags", "flags", INDEX);
      v.num(c, "cas", "cas", INDEX);
      v.str(c, "acquire", "acquire", { optional: true, nonEmpty: true });
      v.str(c, "release", "release", { optional: true, nonEmpty: true });
      v.num(c, "nowMs", "nowMs");
      if (full && c["acquire"] !== undefined && c["release"] !== undefined) {
        bad("release", "cannot be combined with acquire");
      }
      break;
    case "kv-delete": {
      const recurse = v.bool(c, "recurse", "recurse");
      v.str(c, "key", "key", recurse ? { maxBytes: KV_KEY_BYTES_MAX } : KEY);
      v.num(c, "cas", "cas", INDEX);
      if (full && recurse && c["cas"] !== undefined) bad("cas", "cannot be combined with recurse");
      break;
    }
    case "kv-txn": {
      const ops = v.arr(c, "ops", "ops", TXN_OPS_MAX);
      if (!ops) bad("ops", "must be an array");
      ops.forEach((x, i) => checkKvTxnOp(v, v.obj(x, `ops[${i}]`), `ops[${i}]`));
      v.num(c, "nowMs", "nowMs");
      break;
    }
    case "session-create":
      checkSessionCreate(v, c);
      break;
    case "session-destroy":
    case "session-renew":
      v.str(c, "id", "id", NAME);
      v.num(c, "nowMs", "nowMs");
      break;
    case "query-create":
    case "query-update":
    case "query-delete":
      checkQueryCommand(v, c);
      break;
    default:
      bad("op", `unknown command ${typeof c["op"] === "string" ? JSON.stringify(c["op"]) : typeof c["op"]}`);
  }
  return c as unknown as CatalogCommand;
}
