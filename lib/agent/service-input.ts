/**
 * What `register()` accepts, and its validation. Nothing is registered unless
 * the whole input is valid.
 *
 * @module
 */
import { InvalidArgumentError } from "../util/errors.js";
import {
  META_KEY_LENGTH_MAX, META_PAIRS_MAX, META_VALUE_LENGTH_MAX, NAME_LENGTH_MAX, TAGS_COUNT_MAX,
} from "../util/limits.js";
import type { ServiceWeights } from "../catalog/types.js";
import { parseCheckInput, type CheckDefinition, type CheckInput } from "../health/index.js";

/** A service to register, as `register()` takes it (Consul's agent service definition, camelCase). */
export interface ServiceRegistration {
  /** Service name; also the DNS label, so letters, digits and `-` are safest. */
  name: string;
  /** Instance ID, unique on this node. @defaultValue the name */
  id?: string;
  /** Address clients connect to. @defaultValue the agent's advertise address */
  address?: string;
  /** Port clients connect to (0-65535). */
  port: number;
  tags?: string[];
  meta?: Record<string, string>;
  /** Weights by health for the `weighted` policy. @defaultValue { passing: 1, warning: 1 } */
  weights?: Partial<ServiceWeights>;
  /** One health check. Use either `check` or `checks`. */
  check?: CheckInput;
  /** Several health checks. */
  checks?: CheckInput[];
  /**
   * For TTL checks, the SDK sends heartbeats itself (every third of the TTL)
   * and passes the check at once; `false` leaves that to you (`pass()`/`warn()`/`fail()`).
   * @defaultValue true
   */
  heartbeat?: boolean;
}

/** A validated registration. */
export interface ParsedService {
  id: string;
  name: string;
  address: string;
  port: number;
  tags: string[];
  meta: Record<string, string>;
  weights: ServiceWeights;
  checks: CheckDefinition[];
  heartbeat: boolean;
}

const KNOWN = new Set(["name", "id", "address", "port", "tags", "meta", "weights", "check", "checks", "heartbeat"]);

function checkName(value: unknown, field: string): string {
  if (typeof value !== "string") throw new InvalidArgumentError(field, `must be a string, got ${typeof value}`);
  if (value.length === 0) throw new InvalidArgumentError(field, "must not be empty");
  if (value.length > NAME_LENGTH_MAX) throw new InvalidArgumentError(field, `is longer than ${NAME_LENGTH_MAX} characters`);
  if (/[/\s]/.test(value)) throw new InvalidArgumentError(field, "must not contain '/' or white space");
  return value;
}

/** Validates a string map (meta) against Consul's limits. */
export function parseMeta(value: unknown, field: string): Record<string, string> {
  if (value === undefined) return {};
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new InvalidArgumentError(field, "must be an object of strings");
  }
  const entries = Object.entries(value);
  if (entries.length > META_PAIRS_MAX) throw new InvalidArgumentError(field, `has more than ${META_PAIRS_MAX} pairs`);
  const out: Record<string, string> = {};
  for (const [k, v] of entries) {
    if (k.length === 0 || k.length > META_KEY_LENGTH_MAX || !/^[A-Za-z0-9_-]+$/.test(k)) {
      throw new InvalidArgumentError(`${field}.${k}`, `keys must be 1-${META_KEY_LENGTH_MAX} of letters, digits, '_' or '-'`);
    }
    if (typeof v !== "string") throw new InvalidArgumentError(`${field}.${k}`, "must be a string");
    if (v.length > META_VALUE_LENGTH_MAX) throw new InvalidArgumentError(`${field}.${k}`, `is longer than ${META_VALUE_LENGTH_MAX}`);
    out[k] = v;
  }
  return out;
}

/**
 * Validates a registration and fills its defaults.
 * @throws InvalidArgumentError naming the first bad field (e.g. `service.port`).
 */
export function parseServiceInput(input: unknown, defaultAddress: string): ParsedService {
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    throw new InvalidArgumentError("service", "must be an object");
  }
  const o = input as Record<string, unknown>;
  for (const key of Object.keys(o)) {
    if (!KNOWN.has(key)) throw new InvalidArgumentError(`service.${key}`, "is not a known field");
  }
  const name = checkName(o["name"], "service.name");
  const id = o["id"] === undefined ? name : checkName(o["id"], "service.id");
  let address = defaultAddress;
  if (o["address"] !== undefined) {
    if (typeof o["address"] !== "string" || o["address"].length === 0 || o["address"].length > 255) {
      throw new InvalidArgumentError("service.address", "must be a non-empty host name or IP address");
    }
    address = o["address"];
  }
  const port = o["port"];
  if (typeof port !== "number" || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new InvalidArgumentError("service.port", `must be an integer from 0 to 65535, got ${String(port)}`);
  }
  const tagsRaw = o["tags"] ?? [];
  if (!Array.isArray(tagsRaw)) throw new InvalidArgumentError("service.tags", "must be an array of strings");
  if (tagsRaw.length > TAGS_COUNT_MAX) throw new InvalidArgumentError("service.tags", `has more than ${TAGS_COUNT_MAX} tags`);
  const tags = tagsRaw.map((t, i) => {
    if (typeof t !== "string" || t.length === 0 || t.length > NAME_LENGTH_MAX) {
      throw new InvalidArgumentError(`service.tags[${i}]`, "must be a non-empty string");
    }
    return t;
  });
  const meta = parseMeta(o["meta"], "service.meta");
  const weights: ServiceWeights = { passing: 1, warning: 1 };
  if (o["weights"] !== undefined) {
    const w = o["weights"];
    if (typeof w !== "object" || w === null) throw new InvalidArgumentError("service.weights", "must be an object");
    for (const k of Object.keys(w)) {
      if (k !== "passing" && k !== "warning") throw new InvalidArgumentError(`service.weights.${k}`, "is not a known field");
      const v = (w as Record<string, unknown>)[k];
      if (typeof v !== "number" || !Number.isInteger(v) || v < 0 || v > 65535) {
        throw new InvalidArgumentError(`service.weights.${k}`, "must be an integer from 0 to 65535");
      }
      weights[k] = v;
    }
    if (weights.passing < 1) throw new InvalidArgumentError("service.weights.passing", "must be at least 1");
  }
  const heartbeat = o["heartbeat"] ?? true;
  if (typeof heartbeat !== "boolean") throw new InvalidArgumentError("service.heartbeat", "must be a boolean");
  if (o["check"] !== undefined && o["checks"] !== undefined) {
    throw new InvalidArgumentError("service.checks", "give either check or checks, not both");
  }
  let checkInputs: unknown[] = [];
  if (o["check"] !== undefined) checkInputs = [o["check"]];
  else if (o["checks"] !== undefined) {
    if (!Array.isArray(o["checks"])) throw new InvalidArgumentError("service.checks", "must be an array");
    checkInputs = o["checks"];
  }
  const single = checkInputs.length === 1;
  const checks = checkInputs.map((c, i) =>
    parseCheckInput(c, single && o["check"] !== undefined ? "service.check" : `service.checks[${i}]`, {
      serviceId: id, serviceName: name, ordinal: i, single,
    }));
  const ids = new Set<string>();
  for (const c of checks) {
    if (ids.has(c.id)) throw new InvalidArgumentError("service.checks", `duplicate check id "${c.id}"`);
    ids.add(c.id);
  }
  return { id, name, address, port, tags, meta, weights, checks, heartbeat };
}
