/**
 * Turns a user's check input (Consul-like, camelCase) into a validated
 * {@link CheckDefinition}. All fields are checked before anything is built, so
 * bad input changes nothing.
 *
 * @module
 */
import { InvalidArgumentError } from "../util/errors.js";
import { NAME_LENGTH_MAX } from "../util/limits.js";
import type { CheckDefinition, CheckDefinitionBase, CheckFunction } from "./definition.js";
import {
  CHECK_INTERVAL_MS_MIN,
  CHECK_NOTES_LENGTH_MAX,
  CHECK_TIMEOUT_MS_DEFAULT,
  CHECK_TIMER_MS_MAX,
} from "./limits.js";
import { isRecord, readBoolean, readDuration, readStatus, readString, typeName } from "./parse-fields.js";
import { readBody, readHeaders, readHttpUrl, readMethod, readTcpAddress } from "./parse-targets.js";

/** Where a check input sits: the service it belongs to and its place among that service's checks. */
export interface CheckParseContext {
  /** ID of the service instance the check covers. */
  serviceId: string;
  /** Name of that service, for the default check name. */
  serviceName: string;
  /** 0-based position in the service's `checks` list (0 for a lone `check`). */
  ordinal: number;
  /** True when the service has this one check only: its default ID is then `service:<serviceId>`. */
  single: boolean;
}

const KIND_KEYS = ["ttl", "http", "tcp", "fn"] as const;
type KindKey = (typeof KIND_KEYS)[number];

const COMMON_KEYS = ["id", "name", "notes", "status", "deregisterCriticalServiceAfter"];
const KEYS_BY_KIND: Record<KindKey, readonly string[]> = {
  ttl: ["ttl"],
  http: ["http", "interval", "timeout", "method", "header", "body", "tlsSkipVerify"],
  tcp: ["tcp", "interval", "timeout"],
  fn: ["fn", "interval", "timeout"],
};
const ALL_KEYS = new Set([...COMMON_KEYS, ...Object.values(KEYS_BY_KIND).flat()]);

/**
 * Validates one check input and fills in Consul's defaults.
 *
 * Accepts exactly one of `ttl`, `http`, `tcp` or `fn`, plus the fields that
 * kind takes (see the module README). Keys whose value is `undefined` count as
 * absent. Intervals must be at least CHECK_INTERVAL_MS_MIN (100 ms); timeouts
 * default to 10 s; the initial status defaults to "critical".
 *
 * @param input - the user's check object.
 * @param field - its path in the call, e.g. `"check"` or `"checks[1]"`; errors name `<field>.<key>`.
 * @param ctx - the service the check belongs to, for default ID and name.
 * @throws InvalidArgumentError naming the offending field.
 */
export function parseCheckInput(input: unknown, field: string, ctx: CheckParseContext): CheckDefinition {
  if (!isRecord(input)) throw new InvalidArgumentError(field, `must be an object, got ${typeName(input)}`);
  const fields = new Map(Object.entries(input).filter(([, v]) => v !== undefined));
  const kind = pickKind(fields, field);
  const allowed = new Set([...COMMON_KEYS, ...KEYS_BY_KIND[kind]]);
  for (const key of fields.keys()) {
    if (allowed.has(key)) continue;
    const why = ALL_KEYS.has(key) ? `does not apply to ${kind} checks` : `is not a check field`;
    throw new InvalidArgumentError(`${field}.${key}`, why);
  }
  const at = (key: string): string => `${field}.${key}`;
  const base = parseBase(fields, at, ctx);
  switch (kind) {
    case "ttl":
      return { ...base, kind: "ttl", ttlMs: readDuration(fields.get("ttl"), at("ttl"), 1, CHECK_TIMER_MS_MAX) };
    case "http": {
      const url = readHttpUrl(fields.get("http"), at("http"));
      const method = fields.has("method") ? readMethod(fields.get("method"), at("method")) : "GET";
      const headers = fields.has("header") ? readHeaders(fields.get("header"), at("header")) : {};
      const body = fields.has("body") ? readBody(fields.get("body"), at("body")) : undefined;
      const tlsSkipVerify = fields.has("tlsSkipVerify") ? readBoolean(fields.get("tlsSkipVerify"), at("tlsSkipVerify")) : false;
      const timing = parseTiming(fields, at);
      return { ...base, kind: "http", url, method, headers, ...(body === undefined ? {} : { body }), ...timing, tlsSkipVerify };
    }
    case "tcp": {
      const { host, port } = readTcpAddress(fields.get("tcp"), at("tcp"));
      return { ...base, kind: "tcp", host, port, ...parseTiming(fields, at) };
    }
    case "fn": {
      const fn = fields.get("fn");
      if (typeof fn !== "function") throw new InvalidArgumentError(at("fn"), `must be a function, got ${typeName(fn)}`);
      return { ...base, kind: "function", fn: fn as CheckFunction, ...parseTiming(fields, at) };
    }
  }
}

function pickKind(fields: Map<string, unknown>, field: string): KindKey {
  const present = KIND_KEYS.filter((k) => fields.has(k));
  if (present.length === 0) throw new InvalidArgumentError(field, "needs exactly one of ttl, http, tcp or fn");
  if (present.length > 1) {
    throw new InvalidArgumentError(`${field}.${present[1]}`, `cannot be combined with ${present[0]}; a check has one kind`);
  }
  return present[0]!;
}

function parseBase(fields: Map<string, unknown>, at: (key: string) => string, ctx: CheckParseContext): CheckDefinitionBase {
  const defaultId = ctx.single ? `service:${ctx.serviceId}` : `service:${ctx.serviceId}:${ctx.ordinal + 1}`;
  return {
    id: fields.has("id") ? readString(fields.get("id"), at("id"), NAME_LENGTH_MAX) : defaultId,
    name: fields.has("name") ? readString(fields.get("name"), at("name"), NAME_LENGTH_MAX) : `Service '${ctx.serviceName}' check`,
    notes: fields.has("notes") ? readString(fields.get("notes"), at("notes"), CHECK_NOTES_LENGTH_MAX, true) : "",
    initialStatus: fields.has("status") ? readStatus(fields.get("status"), at("status")) : "critical",
    deregisterCriticalAfterMs: fields.has("deregisterCriticalServiceAfter")
      ? readDuration(fields.get("deregisterCriticalServiceAfter"), at("deregisterCriticalServiceAfter"), 0, CHECK_TIMER_MS_MAX)
      : 0,
    serviceId: ctx.serviceId,
  };
}

function parseTiming(fields: Map<string, unknown>, at: (key: string) => string): { intervalMs: number; timeoutMs: number } {
  if (!fields.has("interval")) throw new InvalidArgumentError(at("interval"), "is required for http, tcp and fn checks");
  const intervalMs = readDuration(fields.get("interval"), at("interval"), CHECK_INTERVAL_MS_MIN, CHECK_TIMER_MS_MAX);
  const timeoutMs = fields.has("timeout")
    ? readDuration(fields.get("timeout"), at("timeout"), 1, CHECK_TIMER_MS_MAX)
    : CHECK_TIMEOUT_MS_DEFAULT;
  return { intervalMs, timeoutMs };
}
