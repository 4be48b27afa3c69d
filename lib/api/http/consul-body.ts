/**
 * Consul's request bodies (CamelCase or snake_case) turned into the
 * library's inputs. Unknown Consul fields that have no meaning here (Proxy,
 * Connect, TaggedAddresses …) are ignored, as an older Consul would.
 *
 * @module
 */
import type { ServiceRegistration } from "../../agent/service-input.js";
import type { CheckInput } from "../../health/index.js";
import { HttpError } from "./errors.js";

/** Reads a field by its CamelCase name or its snake_case twin. */
function field(o: Record<string, unknown>, camel: string): unknown {
  if (camel in o) return o[camel];
  const snake = camel.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toLowerCase();
  if (snake in o) return o[snake];
  const lower = camel.toLowerCase();
  return lower in o ? o[lower] : undefined;
}

function asObject(v: unknown, what: string): Record<string, unknown> {
  if (typeof v !== "object" || v === null || Array.isArray(v)) throw new HttpError(400, `Request decode failed: ${what} must be an object`);
  return v as Record<string, unknown>;
}

/** Drops undefined fields so the library's validation sees only what was sent. */
function defined<T extends object>(o: T): T {
  for (const k of Object.keys(o)) if ((o as Record<string, unknown>)[k] === undefined) delete (o as Record<string, unknown>)[k];
  return o;
}

/** A Consul check definition as the library's {@link CheckInput}. */
export function checkFromConsul(body: unknown): CheckInput {
  const o = asObject(body, "Check");
  const common = {
    id: field(o, "CheckID") ?? field(o, "ID"),
    name: field(o, "Name"),
    notes: field(o, "Notes"),
    status: field(o, "Status"),
    deregisterCriticalServiceAfter: field(o, "DeregisterCriticalServiceAfter"),
  };
  const ttl = field(o, "TTL");
  const http = field(o, "HTTP");
  const tcp = field(o, "TCP");
  if (field(o, "Args") !== undefined || field(o, "Script") !== undefined) throw new HttpError(400, "script checks are not supported");
  if (field(o, "GRPC") !== undefined) throw new HttpError(400, "gRPC checks are not supported yet");
  let input: Record<string, unknown>;
  if (ttl !== undefined) input = { ...common, ttl };
  else if (http !== undefined) {
    input = {
      ...common, http, interval: field(o, "Interval"), timeout: field(o, "Timeout"), method: field(o, "Method"),
      header: field(o, "Header"), body: field(o, "Body"), tlsSkipVerify: field(o, "TLSSkipVerify"),
    };
  } else if (tcp !== undefined) input = { ...common, tcp, interval: field(o, "Interval"), timeout: field(o, "Timeout") };
  else throw new HttpError(400, "check must have one of TTL, HTTP or TCP");
  return defined(input) as unknown as CheckInput;
}

/** A Consul agent service definition as the library's {@link ServiceRegistration}. */
export function serviceFromConsul(body: unknown): ServiceRegistration {
  const o = asObject(body, "body");
  const check = field(o, "Check");
  const checks = field(o, "Checks");
  const weights = field(o, "Weights");
  const w = weights === undefined || weights === null ? undefined : asObject(weights, "Weights");
  const registration = {
    name: field(o, "Name"),
    id: field(o, "ID"),
    address: field(o, "Address") === "" ? undefined : field(o, "Address"),
    port: field(o, "Port") ?? 0,
    tags: field(o, "Tags") ?? undefined,
    meta: field(o, "Meta") ?? undefined,
    weights: w ? defined({ passing: field(w, "Passing"), warning: field(w, "Warning") }) : undefined,
    check: check === undefined || check === null ? undefined : checkFromConsul(check),
    checks: checks === undefined || checks === null ? undefined
      : Array.isArray(checks) ? checks.map(checkFromConsul) : (() => { throw new HttpError(400, "Checks must be an array"); })(),
    // Whoever registers over HTTP heartbeats its own TTL checks.
    heartbeat: false,
  };
  if (registration.checks?.length === 0) registration.checks = undefined;
  return defined(registration) as unknown as ServiceRegistration;
}

/** Check statuses a check registration may start in. */
const CHECK_STATUSES: ReadonlySet<unknown> = new Set(["passing", "warning", "critical"]);

/**
 * A Consul check definition as /v1/agent/check/register takes it: the
 * check input (its ID defaulting to its name, as Consul's) and the service
 * it is added to ("" for a node-level check).
 * @throws HttpError 400 with Consul's reasons ("Missing check name", "Bad check status" …).
 */
export function checkRegistrationFromConsul(body: unknown): { input: CheckInput; serviceId: string } {
  const o = asObject(body, "body");
  const name = field(o, "Name");
  if (typeof name !== "string" || name === "") throw new HttpError(400, "Missing check name");
  const status = field(o, "Status");
  if (status !== undefined && status !== "" && !CHECK_STATUSES.has(status)) throw new HttpError(400, "Bad check status");
  const serviceId = field(o, "ServiceID") ?? "";
  if (typeof serviceId !== "string") throw new HttpError(400, "Request decode failed: ServiceID must be a string");
  const input = checkFromConsul(o) as unknown as Record<string, unknown>;
  input["id"] ??= name;
  if (status === "") delete input["status"];
  return { input: input as unknown as CheckInput, serviceId };
}
