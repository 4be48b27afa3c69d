/**
 * Dependencies: the data a template reads (`service "web"`, `key "a/b"` …),
 * each one watchable with blocking queries. The query strings follow
 * consul-template's syntax: `[tag.]name[@dc][~near][|filter]` for services,
 * `path[@dc]` for keys, `[@dc]` for catalog lists.
 *
 * @module
 */
import { FuncError } from "./values.js";

/** One watchable piece of data. `dc` undefined means the agent's own datacenter. */
export type Dependency =
  /** `/v1/health/service/:name`; `passingOnly` asks the agent for `?passing`. */
  | { kind: "health-service"; name: string; tag: string | undefined; dc: string | undefined; passingOnly: boolean }
  /** `/v1/catalog/services` */
  | { kind: "catalog-services"; dc: string | undefined }
  /** `/v1/catalog/nodes` */
  | { kind: "catalog-nodes"; dc: string | undefined }
  /** `/v1/catalog/node/:name`; `name` "" is the agent's own node. */
  | { kind: "catalog-node"; name: string; dc: string | undefined }
  /** `/v1/kv/:key` */
  | { kind: "kv-get"; key: string; dc: string | undefined }
  /** `/v1/kv/:prefix?recurse` */
  | { kind: "kv-list"; prefix: string; dc: string | undefined };

/** A health status a `service` filter may name. `maintenance` is a critical maintenance check. */
export type ServiceStatus = "passing" | "warning" | "critical" | "maintenance";

const STATUSES: ReadonlySet<string> = new Set(["passing", "warning", "critical", "maintenance"]);

/** A string that identifies a dependency: equal dependencies give equal keys. */
export function dependencyKey(dep: Dependency): string {
  const dc = dep.dc ?? "";
  switch (dep.kind) {
    case "health-service":
      return `health-service\0${dep.name}\0${dep.tag ?? ""}\0${dc}\0${dep.passingOnly ? "passing" : "any"}`;
    case "catalog-services":
    case "catalog-nodes":
      return `${dep.kind}\0${dc}`;
    case "catalog-node":
      return `catalog-node\0${dep.name}\0${dc}`;
    case "kv-get":
      return `kv-get\0${dep.key}\0${dc}`;
    case "kv-list":
      return `kv-list\0${dep.prefix}\0${dc}`;
  }
}

/** A short human description for logs, in consul-template's style: `health.service(web|passing)`. */
export function describeDependency(dep: Dependency): string {
  const dc = dep.dc ? `@${dep.dc}` : "";
  switch (dep.kind) {
    case "health-service":
      return `health.service(${dep.tag ? `${dep.tag}.` : ""}${dep.name}${dc}|${dep.passingOnly ? "passing" : "any"})`;
    case "catalog-services":
      return `catalog.services(${dc})`;
    case "catalog-nodes":
      return `catalog.nodes(${dc})`;
    case "catalog-node":
      return `catalog.node(${dep.name}${dc})`;
    case "kv-get":
      return `kv.get(${dep.key}${dc})`;
    case "kv-list":
      return `kv.list(${dep.prefix}${dc})`;
  }
}

const WORD = "A-Za-z0-9_";
// consul-template's grammar: the tag may hold dots, the name may not.
const SERVICE_QUERY = new RegExp(
  `^(?:([${WORD}=:.\\-]+)\\.)?([${WORD}\\-]+)(?:\\?([${WORD}\\-=&]+))?(?:@([${WORD}.\\-]+))?(?:~([${WORD}.\\-]+))?(?:\\|([${WORD},]+))?$`,
);
const DC_QUERY = new RegExp(`^(?:@([${WORD}.\\-]+))?(?:~([${WORD}.\\-]+))?$`);

/**
 * Parses a status filter: `"any"` (every instance) or a comma list of
 * statuses. Returns undefined for the default (passing only, filtered by the agent).
 * @throws FuncError on an unknown status.
 */
export function parseStatusFilter(text: string | undefined): ServiceStatus[] | "any" | undefined {
  if (text === undefined) return undefined;
  const parts = text.split(",").map((s) => s.trim()).filter((s) => s.length > 0);
  if (parts.length === 0) throw new FuncError(`empty health status filter`);
  if (parts.includes("any")) {
    if (parts.length > 1) throw new FuncError(`health status "any" cannot be combined with others`);
    return "any";
  }
  for (const p of parts) {
    if (!STATUSES.has(p)) throw new FuncError(`unknown health status "${p}" (use any, passing, warning, critical, maintenance)`);
  }
  // Exactly ["passing"] is the default query, answered by the agent's ?passing.
  if (parts.length === 1 && parts[0] === "passing") return undefined;
  return parts as ServiceStatus[];
}

/**
 * Parses `service`'s query `[tag.]name[@dc][~near][|filter]`. `~near` is
 * accepted and ignored (there are no network coordinates to sort by);
 * `?query` parameters (namespaces, peers) are refused.
 * @throws FuncError on a malformed query.
 */
export function parseServiceQuery(text: string): { name: string; tag: string | undefined; dc: string | undefined; filter: string | undefined } {
  const m = SERVICE_QUERY.exec(text);
  if (!m) throw new FuncError(`invalid service query "${text}" (want [tag.]name[@dc][|filter])`);
  if (m[3] !== undefined) throw new FuncError(`service query parameters ("?${m[3]}") are not supported`);
  return { tag: m[1], name: m[2]!, dc: m[4], filter: m[6] };
}

/** Parses `[@dc][~near]` of `services` and `nodes`. @throws FuncError */
export function parseDcQuery(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  const m = DC_QUERY.exec(text);
  if (!m) throw new FuncError(`invalid catalog query "${text}" (want @dc)`);
  return m[1];
}

/**
 * Parses a KV path `path[@dc]`; a leading `/` is dropped, as consul-template does.
 * @param allowEmpty - prefixes of `ls`/`tree` may be empty (the whole store).
 * @throws FuncError on an empty key.
 */
export function parseKeyQuery(text: string, allowEmpty: boolean): { key: string; dc: string | undefined } {
  const at = text.lastIndexOf("@");
  const dc = at >= 0 && /^[A-Za-z0-9_.-]+$/.test(text.slice(at + 1)) ? text.slice(at + 1) : undefined;
  const key = (dc === undefined ? text : text.slice(0, at)).replace(/^\/+/, "");
  if (key.length === 0 && !allowEmpty) throw new FuncError(`key must not be empty`);
  return { key, dc };
}
