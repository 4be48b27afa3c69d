/**
 * The prepared-query commands of the catalog log (create, update, delete),
 * their limits, and their validation at both depths (see validate.ts).
 *
 * @module
 */
import { InvalidArgumentError } from "../util/errors.js";
import { NAME_LENGTH_MAX, TAGS_COUNT_MAX } from "../util/limits.js";
import { REGISTER_CHECKS_MAX } from "./limits.js";
import type { Checker } from "./validate.js";

/**
 * Prepared queries one catalog holds. Consul sets none; every query rides in
 * every snapshot and is listed whole by GET /v1/query, so the table is bounded.
 */
export const PREPARED_QUERIES_MAX = 10_000;

/**
 * Datacenters named in one query's failover list. Each is tried in turn on a
 * local miss, so a long list mostly makes a miss slow.
 */
export const QUERY_FAILOVER_DATACENTERS_MAX = 32;

/** Highest `NearestN`: more than the datacenters anyone runs, and the same bound as the explicit list. */
export const QUERY_NEAREST_N_MAX = QUERY_FAILOVER_DATACENTERS_MAX;

/** Check IDs one query may ignore (the same bound as checks on one instance). */
export const QUERY_IGNORE_CHECKS_MAX = REGISTER_CHECKS_MAX;

/** Longest DNS TTL a query may set (one day, the DNS server's own cap). */
export const QUERY_DNS_TTL_MS_MAX = 86_400_000;

/** A prepared query as a command carries it; defaults fill in on apply. */
export interface PreparedQueryInput {
  /** The query's ID, chosen by the proposer (a UUID), so apply stays deterministic. */
  id: string;
  /** Unique name, matched case-insensitively; must not be another query's ID. @defaultValue "" (none) */
  name?: string;
  service: {
    /** Service name (required). */
    service: string;
    /** @defaultValue `{ nearestN: 0, datacenters: [] }` */
    failover?: { nearestN?: number; datacenters?: string[] };
    /** @defaultValue false */
    onlyPassing?: boolean;
    /** @defaultValue [] */
    tags?: string[];
    /** @defaultValue [] */
    ignoreCheckIds?: string[];
    /** @defaultValue {} */
    nodeMeta?: Record<string, string>;
    /** @defaultValue {} */
    serviceMeta?: Record<string, string>;
  };
  /** DNS TTL of the query's answers in ms; 0 = the DNS server's TTL. @defaultValue 0 */
  dnsTtlMs?: number;
}

/** Creates a prepared query: result value is its ID. */
export interface QueryCreateCommand {
  op: "query-create";
  query: PreparedQueryInput;
}

/** Replaces the definition of an existing prepared query (by `query.id`). */
export interface QueryUpdateCommand {
  op: "query-update";
  query: PreparedQueryInput;
}

/** Deletes a prepared query. */
export interface QueryDeleteCommand {
  op: "query-delete";
  id: string;
}

/** The prepared-query commands. */
export type QueryCommand = QueryCreateCommand | QueryUpdateCommand | QueryDeleteCommand;

type Obj = Record<string, unknown>;

/** Checks a query-* command at the checker's depth. @throws InvalidArgumentError naming the field. */
export function checkQueryCommand(v: Checker, c: Obj): void {
  if (c["op"] === "query-delete") {
    v.str(c, "id", "id", { nonEmpty: true, max: NAME_LENGTH_MAX });
    return;
  }
  const q = v.obj(c["query"], "query");
  v.str(q, "id", "query.id", { nonEmpty: true, max: NAME_LENGTH_MAX });
  v.str(q, "name", "query.name", { optional: true, max: NAME_LENGTH_MAX });
  v.num(q, "dnsTtlMs", "query.dnsTtlMs", { optional: true, int: true, min: 0, max: QUERY_DNS_TTL_MS_MAX });
  const s = v.obj(q["service"], "query.service");
  v.str(s, "service", "query.service.service", { nonEmpty: true, max: NAME_LENGTH_MAX });
  v.bool(s, "onlyPassing", "query.service.onlyPassing");
  v.strings(s, "tags", "query.service.tags", TAGS_COUNT_MAX, NAME_LENGTH_MAX + 1);
  v.strings(s, "ignoreCheckIds", "query.service.ignoreCheckIds", QUERY_IGNORE_CHECKS_MAX, NAME_LENGTH_MAX);
  v.meta(s, "nodeMeta", "query.service.nodeMeta");
  v.meta(s, "serviceMeta", "query.service.serviceMeta");
  const f = v.optObj(s, "failover", "query.service.failover");
  if (f) {
    v.num(f, "nearestN", "query.service.failover.nearestN", { optional: true, int: true, min: 0, max: QUERY_NEAREST_N_MAX });
    const dcs = v.strings(f, "datacenters", "query.service.failover.datacenters", QUERY_FAILOVER_DATACENTERS_MAX, NAME_LENGTH_MAX);
    if (v.full && dcs?.includes("")) throw new InvalidArgumentError("query.service.failover.datacenters", "must not name an empty datacenter");
  }
}
