/**
 * /v1/query: Consul's prepared queries (create, list, read, update, delete,
 * execute, explain). `?dc=` naming another datacenter is forwarded there by
 * the server before these routes run, as for every endpoint.
 *
 * Not supported (refused with 501 rather than ignored, since they change what
 * a query returns): templates and session-bound queries. `Near` and `Token`
 * are ignored: instances come back shuffled, and there are no ACLs.
 *
 * @module
 */
import type { PreparedQueryDefinition, QueryResult } from "../../agent/prepared-query.js";
import type { PreparedQueryRecord } from "../../catalog/query-table.js";
import type { CatalogState } from "../../catalog/state.js";
import type { HealthEntry } from "../../catalog/types.js";
import { NotSupportedError } from "../../util/errors.js";
import { formatDuration } from "../../util/duration.js";
import { blockingJson, checkDatacenter, readHeaders } from "./blocking.js";
import { checkJson, nodeJson, serviceJson } from "./consul-json.js";
import { HttpError } from "./errors.js";
import { intParam, readJson, sendJson } from "./request.js";
import type { Route } from "./router.js";

type Obj = Record<string, unknown>;

function obj(v: unknown, what: string): Obj | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "object" || Array.isArray(v)) throw new HttpError(400, `Request decode failed: ${what} must be an object`);
  return v as Obj;
}

/** A definition from Consul's body; field types are checked by `agent.query`, which names the field. */
export function definitionFromConsul(body: unknown): PreparedQueryDefinition {
  const o = obj(body, "body");
  if (!o) throw new HttpError(400, "Request decode failed: missing body");
  if (typeof o["Session"] === "string" && o["Session"] !== "") throw new NotSupportedError("prepared queries bound to a session");
  const template = obj(o["Template"], "Template");
  if (template && typeof template["Type"] === "string" && template["Type"] !== "") throw new NotSupportedError("prepared query templates");
  const s = obj(o["Service"], "Service");
  if (!s) throw new HttpError(400, "Must provide a Service to query");
  const f = obj(s["Failover"], "Service.Failover");
  const dns = obj(o["DNS"], "DNS");
  const orUndefined = (v: unknown): unknown => (v === null ? undefined : v);
  const def = {
    name: orUndefined(o["Name"]),
    service: {
      service: s["Service"],
      failover: f ? { nearestN: orUndefined(f["NearestN"]), datacenters: orUndefined(f["Datacenters"]) } : undefined,
      onlyPassing: orUndefined(s["OnlyPassing"]),
      tags: orUndefined(s["Tags"]),
      ignoreCheckIds: orUndefined(s["IgnoreCheckIDs"]),
      nodeMeta: orUndefined(s["NodeMeta"]),
      serviceMeta: orUndefined(s["ServiceMeta"]),
    },
    dns: dns ? { ttl: orUndefined(dns["TTL"]) } : undefined,
  };
  return def as PreparedQueryDefinition;
}

/** A stored query in Consul's JSON shape. */
export function queryJson(q: PreparedQueryRecord): Obj {
  const s = q.service;
  return {
    ID: q.id, Name: q.name, Session: "", Token: "",
    Template: { Type: "", Regexp: "", RemoveEmptyTags: false },
    Service: {
      Service: s.service, Failover: { NearestN: s.failover.nearestN, Datacenters: s.failover.datacenters },
      OnlyPassing: s.onlyPassing, IgnoreCheckIDs: s.ignoreCheckIds, Near: "", Tags: s.tags,
      NodeMeta: s.nodeMeta, ServiceMeta: s.serviceMeta,
    },
    DNS: { TTL: q.dnsTtlMs > 0 ? formatDuration(q.dnsTtlMs) : "" },
    CreateIndex: q.createIndex, ModifyIndex: q.modifyIndex,
  };
}

/** A result entry as /v1/health/service's; tags of instance checks come from the entry itself (it may be remote). */
function entryJson(e: HealthEntry, state: CatalogState): Obj {
  return {
    Node: nodeJson(e.node),
    Service: serviceJson(e.service),
    Checks: e.checks.map((c) => ({ ...checkJson(c, state), ServiceTags: c.serviceId === e.service.id ? e.service.tags : [] })),
  };
}

/** An execution in Consul's JSON shape. */
export function executionJson(r: QueryResult, state: CatalogState): Obj {
  return {
    Service: r.service,
    Nodes: r.nodes.map((e) => entryJson(e, state)),
    DNS: { TTL: r.dnsTtlMs > 0 ? formatDuration(r.dnsTtlMs) : "" },
    Datacenter: r.datacenter,
    Failovers: r.failovers,
  };
}

/** Prepared-query routes. */
export const queryRoutes: Route[] = [
  {
    method: "POST", pattern: "/v1/query",
    handler: async (ctx, req, res) => {
      checkDatacenter(ctx, req);
      const id = await ctx.agent.query.create(definitionFromConsul(await readJson(req.raw)), { signal: req.signal });
      sendJson(res, 200, { ID: id });
    },
  },
  {
    method: "GET", pattern: "/v1/query",
    handler: (ctx, req, res) => blockingJson(ctx, req, res, { kind: "queries" }, () =>
      ctx.backend.catalog.state.queries().map(queryJson)),
  },
  {
    method: "GET", pattern: "/v1/query/:id",
    handler: async (ctx, req, res) => {
      await blockingJson(ctx, req, res, { kind: "queries" }, () => {
        const q = ctx.backend.catalog.state.query(req.params["id"]!);
        if (!q) throw new HttpError(404, "Query not found");
        return [queryJson(q)];
      });
    },
  },
  {
    method: "PUT", pattern: "/v1/query/:id",
    handler: async (ctx, req, res) => {
      checkDatacenter(ctx, req);
      await ctx.agent.query.update(req.params["id"]!, definitionFromConsul(await readJson(req.raw)), { signal: req.signal });
      sendJson(res, 200, null);
    },
  },
  {
    method: "DELETE", pattern: "/v1/query/:id",
    handler: async (ctx, req, res) => {
      checkDatacenter(ctx, req);
      await ctx.agent.query.delete(req.params["id"]!, { signal: req.signal });
      sendJson(res, 200, null);
    },
  },
  {
    method: "GET", pattern: "/v1/query/:id/execute",
    handler: async (ctx, req, res) => {
      checkDatacenter(ctx, req);
      const limit = intParam(req.query, "limit");
      const result = await ctx.agent.query.execute(req.params["id"]!, { limit, signal: req.signal });
      const state = ctx.backend.catalog.state;
      readHeaders(ctx, req, res, Math.max(state.scopeIndex({ kind: "queries" }), state.scopeIndex({ kind: "service", name: result.service })));
      sendJson(res, 200, executionJson(result, state));
    },
  },
  {
    method: "GET", pattern: "/v1/query/:id/explain",
    handler: async (ctx, req, res) => {
      checkDatacenter(ctx, req);
      const q = await ctx.agent.query.get(req.params["id"]!, { signal: req.signal });
      if (!q) throw new HttpError(404, "Query not found");
      readHeaders(ctx, req, res, ctx.backend.catalog.state.scopeIndex({ kind: "queries" }));
      sendJson(res, 200, { Query: queryJson(q) });
    },
  },
];
