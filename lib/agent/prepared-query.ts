/**
 * Prepared queries (`agent.query`, Consul's /v1/query): stored service
 * lookups, run by ID or name, that serve the local datacenter's healthy
 * instances and fail over to the nearest other datacenters that have some,
 * moving back as soon as the local ones recover. Also the asynchronous half of
 * the DNS source: `NAME.query.DOMAIN` and names of other datacenters.
 *
 * @module
 */
import { randomUUID } from "node:crypto";
import { checkCommand } from "../catalog/validate.js";
import type { PreparedQueryInput } from "../catalog/query-commands.js";
import { queryMatches } from "../catalog/query-filter.js";
import type { PreparedQueryRecord } from "../catalog/query-table.js";
import type { CheckRecord, CheckStatus, HealthEntry, NodeRecord, ServiceRecord } from "../catalog/types.js";
import type { DnsDeferred, DnsInstances, DnsRemoteLookup } from "../api/dns/source.js";
import { parseDuration, type Duration } from "../util/duration.js";
import { DiscoError, InvalidArgumentError, NotFoundError } from "../util/errors.js";
import type { Rng } from "../util/rng.js";
import type { CommandBackend } from "./backend.js";

/** A prepared query as `agent.query.create` and `update` take it (Consul's body, in camelCase). */
export interface PreparedQueryDefinition {
  /** Unique name (case-insensitive), usable instead of the ID and in DNS as `NAME.query.DOMAIN`. */
  name?: string;
  service: {
    /** The service to look up. */
    service: string;
    /**
     * Where to look when no local instance passes: the `nearestN` nearest other
     * datacenters (by the WAN round-trip time), then `datacenters` in order.
     */
    failover?: { nearestN?: number; datacenters?: string[] };
    /** Leave out instances with a warning check too. @defaultValue false (critical ones only) */
    onlyPassing?: boolean;
    /** Tags every instance must have; `!tag` for tags it must not have. */
    tags?: string[];
    /** Checks that do not count when judging health. */
    ignoreCheckIds?: string[];
    /** Node meta pairs the instance's node must carry. */
    nodeMeta?: Record<string, string>;
    /** Service meta pairs the instance must carry. */
    serviceMeta?: Record<string, string>;
  };
  /** TTL of this query's DNS answers ("10s", or ms). @defaultValue the DNS server's TTL */
  dns?: { ttl?: Duration };
}

/** What running a query found. */
export interface QueryResult {
  /** The service looked up. */
  service: string;
  /** The instances, shuffled, as /v1/health/service entries. */
  nodes: HealthEntry[];
  /** The query's DNS TTL in ms (0 = the DNS server's). */
  dnsTtlMs: number;
  /** Where the instances are (this datacenter when none were found anywhere). */
  datacenter: string;
  /** Other datacenters asked. */
  failovers: number;
  /** Of those, the ones that could not be reached. */
  unreachable: string[];
}

/** Options of {@link PreparedQueries.execute}. */
export interface ExecuteOptions {
  /** Run the query stored in that datacenter, there. @defaultValue this agent's */
  dc?: string;
  /** Most instances to return. @defaultValue all */
  limit?: number;
  signal?: AbortSignal;
}

/** What {@link PreparedQueries} needs from its agent. */
export interface PreparedQueryDeps {
  backend: Pick<CommandBackend, "catalog" | "propose" | "readBarrier">;
  datacenter: string;
  /** Known datacenters, this one first, then nearest first. */
  datacenters(): string[];
  /** A JSON read of another datacenter's HTTP API; rejects when it cannot be reached or answers an error. */
  remoteJson(dc: string, url: string, signal?: AbortSignal): Promise<{ index: number; body: unknown }>;
  /**
   * Whether a datacenter exists, when this agent can tell (servers and dev
   * agents know every datacenter they can reach; client agents ask a server).
   */
  knowsDatacenter(dc: string): boolean | undefined;
  rng: Rng;
}

/** Most instances a remote answer is read for: the most one DNS or HTTP answer may carry in practice. */
const REMOTE_ENTRIES_MAX = 10_000;

/** A remote datacenter's "not found" (the query does not exist there), as remoteJson reports it. */
function isRemoteNotFound(err: unknown): boolean {
  return err instanceof DiscoError && err.code === "NO_PATH_TO_DC" && /answered 404/.test(err.message);
}

/** `o` without its undefined fields: the log's msgpack would turn them into nulls. */
function defined<T extends object>(o: T): T {
  for (const k of Object.keys(o)) if ((o as Record<string, unknown>)[k] === undefined) delete (o as Record<string, unknown>)[k];
  return o;
}

function objectOrUndefined(x: unknown, field: string): Record<string, unknown> | undefined {
  if (x === undefined) return undefined;
  if (typeof x !== "object" || x === null || Array.isArray(x)) throw new InvalidArgumentError(field, "must be an object");
  return x as Record<string, unknown>;
}

/**
 * The library's definition as the command's input, known fields only; every
 * field is checked by the catalog's own validator before anything is proposed.
 */
function toInput(id: string, def: PreparedQueryDefinition): PreparedQueryInput {
  const d = objectOrUndefined(def, "query");
  const s = objectOrUndefined(d?.["service"], "query.service");
  if (!d || !s) throw new InvalidArgumentError("query.service", "must be an object such as { service: \"web\" }");
  const f = objectOrUndefined(s["failover"], "query.service.failover");
  const ttl = objectOrUndefined(d["dns"], "query.dns")?.["ttl"];
  const input = defined({
    id,
    name: d["name"],
    service: defined({
      service: s["service"], onlyPassing: s["onlyPassing"], tags: s["tags"], ignoreCheckIds: s["ignoreCheckIds"],
      nodeMeta: s["nodeMeta"], serviceMeta: s["serviceMeta"],
      failover: f ? defined({ nearestN: f["nearestN"], datacenters: f["datacenters"] }) : undefined,
    }),
    dnsTtlMs: ttl === undefined || ttl === "" ? undefined : Math.round(parseDuration(ttl, "query.dns.ttl")),
  }) as unknown as PreparedQueryInput;
  checkCommand({ op: "query-create", query: input }, true);
  return input;
}

function shuffle<T>(items: T[], rng: Rng): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}

/** The agent's prepared queries (`agent.query`). Needs consensus: in gossip mode writes raise ConsensusRequiredError. */
export class PreparedQueries {
  constructor(private readonly deps: PreparedQueryDeps) {}

  private get state() {
    return this.deps.backend.catalog.state;
  }

  private async propose(cmd: Parameters<CommandBackend["propose"]>[0], signal?: AbortSignal): Promise<unknown> {
    const result = await this.deps.backend.propose(cmd, signal);
    if (result.ok) return result.value;
    if (/does not exist/.test(result.error)) throw new NotFoundError(`prepared query: ${result.error}`);
    throw new InvalidArgumentError("query", result.error);
  }

  /**
   * Stores a query and resolves with its new ID.
   * @throws InvalidArgumentError naming a bad field, or when the name is taken;
   *   ConsensusRequiredError in gossip mode.
   */
  async create(definition: PreparedQueryDefinition, options: { signal?: AbortSignal } = {}): Promise<string> {
    const input = toInput(randomUUID(), definition);
    return (await this.propose({ op: "query-create", query: input }, options.signal)) as string;
  }

  /**
   * Replaces the definition of query `id`.
   * @throws NotFoundError when there is none; InvalidArgumentError as {@link create}.
   */
  async update(id: string, definition: PreparedQueryDefinition, options: { signal?: AbortSignal } = {}): Promise<void> {
    if (typeof id !== "string" || id === "") throw new InvalidArgumentError("id", "must be a query ID");
    await this.propose({ op: "query-update", query: toInput(id, definition) }, options.signal);
  }

  /** Deletes query `id`. @throws NotFoundError when there is none. */
  async delete(id: string, options: { signal?: AbortSignal } = {}): Promise<void> {
    if (typeof id !== "string" || id === "") throw new InvalidArgumentError("id", "must be a query ID");
    await this.propose({ op: "query-delete", id }, options.signal);
  }

  /** Every query, sorted by ID. */
  async list(options: { signal?: AbortSignal } = {}): Promise<PreparedQueryRecord[]> {
    await this.deps.backend.readBarrier("default", options.signal);
    return this.state.queries();
  }

  /** The query with this ID (or name), or undefined. */
  async get(idOrName: string, options: { signal?: AbortSignal } = {}): Promise<PreparedQueryRecord | undefined> {
    await this.deps.backend.readBarrier("default", options.signal);
    return typeof idOrName === "string" ? this.state.query(idOrName) : undefined;
  }

  /**
   * Runs a query: the local instances that pass its filters; when there are
   * none, the first failover datacenter that has some.
   * @throws NotFoundError when no query has this ID or name; InvalidArgumentError on bad options;
   *   NoPathToDatacenterError when `dc` cannot be reached.
   */
  async execute(idOrName: string, options: ExecuteOptions = {}): Promise<QueryResult> {
    if (typeof idOrName !== "string" || idOrName === "") throw new InvalidArgumentError("idOrName", "must be a query ID or name");
    const { dc, limit, signal } = options;
    if (limit !== undefined && (!Number.isSafeInteger(limit) || limit < 0)) throw new InvalidArgumentError("limit", "must be an integer >= 0");
    if (dc !== undefined && dc !== this.deps.datacenter) {
      const remote = await this.executeRemote(dc, idOrName, signal);
      if (!remote) throw new NotFoundError(`prepared query "${idOrName}" does not exist in datacenter "${dc}"`);
      return cut(remote, limit);
    }
    await this.deps.backend.readBarrier("default", signal);
    const q = this.state.query(idOrName);
    if (!q) throw new NotFoundError(`prepared query "${idOrName}" does not exist`);
    const local = this.runLocal(q);
    const result = local.length > 0 || this.failoverTargets(q).length === 0
      ? this.result(q, local, this.deps.datacenter, 0, [])
      : await this.failover(q, signal);
    shuffle(result.nodes, this.deps.rng);
    return cut(result, limit);
  }

  /** The local instances that pass the query's filters. */
  private runLocal(q: PreparedQueryRecord): HealthEntry[] {
    return this.state.healthService(q.service.service, {}).filter((e) => queryMatches(e, q.service));
  }

  /** Datacenters to try after this one: the nearest N (by RTT), then the listed ones, each once. */
  private failoverTargets(q: PreparedQueryRecord): string[] {
    const seen = new Set([this.deps.datacenter]);
    const out: string[] = [];
    const { nearestN, datacenters } = q.service.failover;
    if (nearestN > 0) {
      for (const dc of this.deps.datacenters()) {
        if (out.length >= nearestN) break;
        if (!seen.has(dc)) out.push(dc), seen.add(dc);
      }
    }
    for (const dc of datacenters) if (!seen.has(dc)) out.push(dc), seen.add(dc);
    return out;
  }

  private result(q: PreparedQueryRecord, nodes: HealthEntry[], datacenter: string, failovers: number, unreachable: string[]): QueryResult {
    return { service: q.service.service, nodes, dnsTtlMs: q.dnsTtlMs, datacenter, failovers, unreachable };
  }

  /** Tries the failover datacenters in order; the first with a matching instance wins. */
  private async failover(q: PreparedQueryRecord, signal: AbortSignal | undefined): Promise<QueryResult> {
    const unreachable: string[] = [];
    let failovers = 0;
    for (const dc of this.failoverTargets(q)) {
      failovers++;
      let entries: HealthEntry[];
      try {
        entries = await this.remoteService(dc, q.service.service, undefined, false, signal);
      } catch (err) {
        if (signal?.aborted) throw err;
        unreachable.push(dc);
        continue;
      }
      const matching = entries.filter((e) => queryMatches(e, q.service));
      if (matching.length > 0) return this.result(q, matching, dc, failovers, unreachable);
    }
    return this.result(q, [], this.deps.datacenter, failovers, unreachable);
  }

  /** Instances of a service in another datacenter (stale reads, as Consul's DNS). */
  private async remoteService(
    dc: string, service: string, tag: string | undefined, passingOnly: boolean, signal: AbortSignal | undefined,
  ): Promise<HealthEntry[]> {
    const q = new URLSearchParams({ stale: "" });
    if (passingOnly) q.set("passing", "");
    if (tag !== undefined) q.set("tag", tag);
    const { body } = await this.deps.remoteJson(dc, `/v1/health/service/${encodeURIComponent(service)}?${q}`, signal);
    return entriesFromJson(body, dc);
  }

  /** A query run in another datacenter; undefined when it has no such query. */
  private async executeRemote(dc: string, idOrName: string, signal: AbortSignal | undefined): Promise<QueryResult | undefined> {
    let body: unknown;
    try {
      ({ body } = await this.deps.remoteJson(dc, `/v1/query/${encodeURIComponent(idOrName)}/execute`, signal));
    } catch (err) {
      if (isRemoteNotFound(err)) return undefined;
      throw err;
    }
    return executionFromJson(body, dc);
  }

  /**
   * `NAME.query.DOMAIN` for the DNS server: the local answer when there is one
   * (read from the local replica, stale as Consul's DNS), a deferred failover
   * otherwise, or undefined when no query has that name.
   * @internal Wired by the agent into its DNS server.
   */
  dnsQuery(name: string): DnsInstances | DnsDeferred | undefined {
    const q = this.state.query(name);
    if (!q) return undefined;
    const ttlSeconds = q.dnsTtlMs > 0 ? Math.floor(q.dnsTtlMs / 1000) : undefined;
    const local = this.runLocal(q);
    const { nearestN, datacenters } = q.service.failover;
    // Which datacenters to try is decided when loading: the WAN's view is not part of the local index.
    if (local.length > 0 || (nearestN === 0 && datacenters.length === 0)) return { entries: local, datacenter: this.deps.datacenter, ttlSeconds };
    return {
      // The definition's index is in the key, so an edited query never reuses an old answer.
      key: `query\u0000${q.id}\u0000${q.modifyIndex}`,
      load: async (signal) => {
        const r = await this.failover(q, signal);
        // Every datacenter tried was unreachable: say so (SERVFAIL), rather than that nothing exists.
        if (r.nodes.length === 0 && r.failovers > 0 && r.unreachable.length === r.failovers) throw new Error(`unreachable: ${r.unreachable.join(", ")}`);
        return { entries: r.nodes, datacenter: r.datacenter, ttlSeconds };
      },
    };
  }

  /**
   * A name of another datacenter for the DNS server (passing instances only, as every DNS answer).
   * @internal Wired by the agent into its DNS server.
   */
  dnsRemote(lookup: DnsRemoteLookup): DnsDeferred | undefined {
    if (this.deps.knowsDatacenter(lookup.dc) === false) return undefined;
    if (lookup.kind === "service") {
      return {
        key: `service\u0000${lookup.dc}\u0000${lookup.service}\u0000${lookup.tag ?? ""}`,
        load: async (signal) => ({
          entries: await this.remoteService(lookup.dc, lookup.service, lookup.tag, true, signal), datacenter: lookup.dc,
        }),
      };
    }
    return {
      key: `query\u0000${lookup.dc}\u0000${lookup.name}`,
      load: async (signal) => {
        const r = await this.executeRemote(lookup.dc, lookup.name, signal);
        if (!r) return undefined;
        return { entries: r.nodes, datacenter: r.datacenter, ttlSeconds: r.dnsTtlMs > 0 ? Math.floor(r.dnsTtlMs / 1000) : undefined };
      },
    };
  }
}

/** Keeps the first `limit` instances. */
function cut(r: QueryResult, limit: number | undefined): QueryResult {
  return limit === undefined || r.nodes.length <= limit ? r : { ...r, nodes: r.nodes.slice(0, limit) };
}

type Obj = Record<string, unknown>;
const isObj = (x: unknown): x is Obj => typeof x === "object" && x !== null && !Array.isArray(x);
const str = (o: Obj, k: string): string => (typeof o[k] === "string" ? (o[k] as string) : "");
const int = (o: Obj, k: string): number => (Number.isSafeInteger(o[k]) && (o[k] as number) >= 0 ? (o[k] as number) : 0);
const STATUSES = new Set(["passing", "warning", "critical"]);

function strMap(x: unknown): Record<string, string> {
  const out = Object.create(null) as Record<string, string>;
  if (isObj(x)) for (const [k, v] of Object.entries(x)) if (typeof v === "string") out[k] = v;
  return out;
}

function checkFromJson(c: Obj, node: string): CheckRecord | undefined {
  const status = str(c, "Status");
  if (!STATUSES.has(status)) return undefined;
  return {
    node, checkId: str(c, "CheckID"), name: str(c, "Name"), serviceId: str(c, "ServiceID"), serviceName: str(c, "ServiceName"),
    status: status as CheckStatus, output: str(c, "Output"), notes: str(c, "Notes"), type: "", intervalMs: 0, timeoutMs: 0,
    ttlMs: 0, deregisterCriticalAfterMs: 0, createIndex: int(c, "CreateIndex"), modifyIndex: int(c, "ModifyIndex"),
  };
}

/**
 * One /v1/health/service entry of another datacenter as a {@link HealthEntry},
 * or undefined when it is not shaped like one (the bytes came over the WAN).
 */
export function healthEntryFromJson(x: unknown, dc: string): HealthEntry | undefined {
  if (!isObj(x) || !isObj(x["Node"]) || !isObj(x["Service"])) return undefined;
  const n = x["Node"];
  const s = x["Service"];
  const port = s["Port"];
  if (!str(n, "Node") || !str(s, "Service") || !Number.isInteger(port) || (port as number) < 0 || (port as number) > 0xffff) return undefined;
  const node: NodeRecord = {
    node: str(n, "Node"), id: str(n, "ID"), address: str(n, "Address"), datacenter: str(n, "Datacenter") || dc,
    meta: strMap(n["Meta"]), createIndex: int(n, "CreateIndex"), modifyIndex: int(n, "ModifyIndex"),
  };
  const w = isObj(s["Weights"]) ? s["Weights"] : {};
  const service: ServiceRecord = {
    node: node.node, id: str(s, "ID") || str(s, "Service"), service: str(s, "Service"),
    tags: Array.isArray(s["Tags"]) ? (s["Tags"] as unknown[]).filter((t): t is string => typeof t === "string") : [],
    address: str(s, "Address"), port: port as number, meta: strMap(s["Meta"]),
    weights: { passing: int(w, "Passing") || 1, warning: int(w, "Warning") }, createIndex: int(s, "CreateIndex"),
    modifyIndex: int(s, "ModifyIndex"),
  };
  const checks: CheckRecord[] = [];
  for (const c of Array.isArray(x["Checks"]) ? x["Checks"] : []) {
    const check = isObj(c) ? checkFromJson(c, node.node) : undefined;
    // A check we cannot read might be the critical one: leave the whole instance out.
    if (!check) return undefined;
    checks.push(check);
  }
  const rank = { passing: 0, warning: 1, critical: 2 } as const;
  const status = checks.reduce<CheckStatus>((worst, c) => (rank[c.status] > rank[worst] ? c.status : worst), "passing");
  return { node, service, checks, status };
}

/** A /v1/health/service answer of another datacenter; malformed entries are left out. */
export function entriesFromJson(body: unknown, dc: string): HealthEntry[] {
  if (!Array.isArray(body)) throw new DiscoError("PROTOCOL", `datacenter "${dc}" answered a health query with a non-array`);
  const out: HealthEntry[] = [];
  for (const x of body.slice(0, REMOTE_ENTRIES_MAX)) {
    const e = healthEntryFromJson(x, dc);
    if (e) out.push(e);
  }
  return out;
}

/** A /v1/query/:id/execute answer of another datacenter. */
function executionFromJson(body: unknown, dc: string): QueryResult {
  if (!isObj(body)) throw new DiscoError("PROTOCOL", `datacenter "${dc}" answered a query execution with a non-object`);
  const dns = isObj(body["DNS"]) ? body["DNS"] : {};
  let dnsTtlMs = 0;
  try {
    dnsTtlMs = str(dns, "TTL") ? parseDuration(str(dns, "TTL"), "DNS.TTL") : 0;
  } catch {
    // An unreadable TTL is not worth failing the answer for: use the server's.
  }
  const datacenter = str(body, "Datacenter") || dc;
  return {
    service: str(body, "Service"), nodes: entriesFromJson(body["Nodes"] ?? [], datacenter), dnsTtlMs, datacenter,
    failovers: int(body, "Failovers"), unreachable: [],
  };
}
