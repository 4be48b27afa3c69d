/**
 * What `disco watch -type=…` queries: the endpoint, its parameters, and the
 * shape of the result handed to the handler (Consul's watch types).
 *
 * @module
 */
import type { AgentResponse, Query } from "../client.js";
import { encodePath } from "../client.js";
import { UsageError } from "../errors.js";
import type { FlagValues } from "../flags.js";

/** One watch: a blocking GET and how to read its answer. */
export interface WatchPlan {
  path: string;
  query: Query;
  /** Statuses that are a result rather than an error (404 for a missing key). */
  accept: number[];
  /** The value given to the handler. */
  result(res: AgentResponse): unknown;
}

/** The watch types, as Consul names them. */
export const WATCH_TYPES = ["key", "keyprefix", "services", "nodes", "service", "checks", "event"] as const;

/** Flags each type uses; any other type-specific flag is an error, as in Consul. */
const TYPE_FLAGS: Record<string, string[]> = {
  key: ["key"], keyprefix: ["prefix"], services: [], nodes: [], service: ["service", "tag", "passingonly"],
  checks: ["service", "state"], event: ["name"],
};
const SPECIFIC_FLAGS = ["key", "prefix", "service", "tag", "passingonly", "state", "name"];

const CHECK_STATES = new Set(["any", "passing", "warning", "critical"]);

function required(flags: FlagValues, name: string, type: string): string {
  const v = flags.string(name);
  if (!v && !(name === "prefix" && flags.has("prefix"))) throw new UsageError(`-type=${type} needs -${name}`);
  return v ?? "";
}

/**
 * The plan for the watch the flags describe.
 * @throws UsageError for a missing or unknown type, a missing required flag, or a flag the type does not use.
 */
export function watchPlan(flags: FlagValues): WatchPlan {
  const type = flags.string("type");
  if (!type) throw new UsageError(`-type is required (one of ${WATCH_TYPES.join(", ")})`);
  const allowed = TYPE_FLAGS[type];
  if (!allowed) throw new UsageError(`unknown -type "${type}" (one of ${WATCH_TYPES.join(", ")})`);
  const extra = SPECIFIC_FLAGS.find((f) => flags.has(f) && !allowed.includes(f));
  if (extra) throw new UsageError(`-${extra} cannot be used with -type=${type}`);
  const json = (res: AgentResponse): unknown => res.json();
  switch (type) {
    case "key": {
      const key = required(flags, "key", type);
      return {
        path: `/v1/kv/${encodePath(key)}`, query: {}, accept: [404],
        result: (res) => (res.status === 404 ? null : (res.json<unknown[]>()[0] ?? null)),
      };
    }
    case "keyprefix":
      return {
        path: `/v1/kv/${encodePath(required(flags, "prefix", type))}`, query: { recurse: true }, accept: [404],
        result: (res) => (res.status === 404 ? [] : res.json()),
      };
    case "services":
      return { path: "/v1/catalog/services", query: {}, accept: [], result: json };
    case "nodes":
      return { path: "/v1/catalog/nodes", query: {}, accept: [], result: json };
    case "service":
      return {
        path: `/v1/health/service/${encodeURIComponent(required(flags, "service", type))}`,
        query: { tag: flags.string("tag"), passing: flags.bool("passingonly") }, accept: [], result: json,
      };
    case "checks": {
      const service = flags.string("service");
      const state = flags.string("state");
      if (service !== undefined && state !== undefined) throw new UsageError("-service and -state cannot be used together");
      if (state !== undefined && !CHECK_STATES.has(state)) throw new UsageError(`-state must be one of any, passing, warning, critical`);
      const path = service !== undefined
        ? `/v1/health/checks/${encodeURIComponent(service)}`
        : `/v1/health/state/${state ?? "any"}`;
      return { path, query: {}, accept: [], result: json };
    }
    default:
      // "event": the events this agent kept, oldest first (Consul hands the handler the same list).
      return { path: "/v1/event/list", query: { name: flags.string("name") }, accept: [], result: json };
  }
}
