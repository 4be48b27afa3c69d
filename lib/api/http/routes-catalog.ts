/**
 * /v1/catalog and /v1/health.
 *
 * @module
 */
import type { CheckStatus } from "../../catalog/types.js";
import type { CheckInput as CatalogCheckInput } from "../../catalog/commands.js";
import { parseMeta } from "../../agent/service-input.js";
import { parseDuration } from "../../util/duration.js";
import { blockingJson, checkDatacenter } from "./blocking.js";
import { catalogServiceJson, checkJson, healthEntryJson, nodeJson, serviceJson } from "./consul-json.js";
import { HttpError } from "./errors.js";
import { flag, readJson, sendJson } from "./request.js";
import type { Route } from "./router.js";

const STATES = new Set(["passing", "warning", "critical", "any"]);

function str(o: Record<string, unknown>, k: string): string | undefined {
  const v = o[k];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "string") throw new HttpError(400, `${k} must be a string`);
  return v;
}

/** Catalog and health routes. */
export const catalogRoutes: Route[] = [
  {
    method: "GET", pattern: "/v1/catalog/datacenters",
    handler: async (ctx, _req, res) => sendJson(res, 200, ctx.agent.datacenters()),
  },
  {
    method: "GET", pattern: "/v1/catalog/services",
    handler: (ctx, req, res) => blockingJson(ctx, req, res, { kind: "services" }, () => ctx.backend.catalog.state.services()),
  },
  {
    method: "GET", pattern: "/v1/catalog/service/:name",
    handler: (ctx, req, res) => blockingJson(ctx, req, res, { kind: "service", name: req.params["name"]! }, () =>
      ctx.backend.catalog.state.serviceNodes(req.params["name"]!, { tag: req.query.get("tag") ?? undefined })
        .map((e) => catalogServiceJson(e.node, e.service))),
  },
  {
    method: "GET", pattern: "/v1/catalog/nodes",
    handler: (ctx, req, res) => blockingJson(ctx, req, res, { kind: "nodes" }, () => ctx.backend.catalog.state.nodes().map(nodeJson)),
  },
  {
    method: "GET", pattern: "/v1/catalog/node/:node",
    handler: (ctx, req, res) => blockingJson(ctx, req, res, { kind: "node", name: req.params["node"]! }, () => {
      const state = ctx.backend.catalog.state;
      const node = state.node(req.params["node"]!);
      if (!node) return null;
      return {
        Node: nodeJson(node),
        Services: Object.fromEntries(state.nodeServices(node.node).map((s) => [s.id, serviceJson(s)])),
      };
    }),
  },
  {
    method: "PUT", pattern: "/v1/catalog/register",
    handler: async (ctx, req, res) => {
      checkDatacenter(ctx, req);
      const body = await readJson(req.raw);
      if (typeof body !== "object" || body === null) throw new HttpError(400, "Request decode failed: body must be an object");
      const o = body as Record<string, unknown>;
      const node = str(o, "Node");
      const address = str(o, "Address");
      if (!node) throw new HttpError(400, "Missing node name");
      if (!address) throw new HttpError(400, "Missing node address");
      const meta = parseMeta(o["NodeMeta"] ?? undefined, "NodeMeta");
      const svc = o["Service"] as Record<string, unknown> | undefined | null;
      const service = svc ? {
        id: str(svc, "ID") ?? str(svc, "Service") ?? "",
        service: str(svc, "Service") ?? "",
        tags: (svc["Tags"] as string[] | undefined) ?? [],
        address: str(svc, "Address") ?? "",
        port: (svc["Port"] as number | undefined) ?? 0,
        meta: parseMeta(svc["Meta"] ?? undefined, "Service.Meta"),
      } : undefined;
      if (service && !service.service) throw new HttpError(400, "Missing service name");
      const rawChecks = [o["Check"], ...(Array.isArray(o["Checks"]) ? o["Checks"] : [])].filter((c) => c);
      const checks: CatalogCheckInput[] = rawChecks.map((c) => {
        const ck = c as Record<string, unknown>;
        const status = (str(ck, "Status") ?? "critical") as CheckStatus;
        if (!["passing", "warning", "critical"].includes(status)) throw new HttpError(400, `Invalid check status "${status}"`);
        return {
          checkId: str(ck, "CheckID") ?? str(ck, "Name") ?? "", name: str(ck, "Name") ?? "",
          serviceId: str(ck, "ServiceID") ?? "", status, output: str(ck, "Output") ?? "", notes: str(ck, "Notes") ?? "",
        };
      });
      const result = await ctx.backend.propose({
        op: "register",
        node: { node, address, datacenter: str(o, "Datacenter") ?? ctx.agent.datacenter, meta },
        ...(service ? { service } : {}),
        checks,
      }, req.signal);
      if (!result.ok) throw new HttpError(400, result.error);
      sendJson(res, 200, true);
    },
  },
  {
    method: "PUT", pattern: "/v1/catalog/deregister",
    handler: async (ctx, req, res) => {
      checkDatacenter(ctx, req);
      const o = (await readJson(req.raw)) as Record<string, unknown> | undefined;
      if (!o || typeof o !== "object") throw new HttpError(400, "Request decode failed: body must be an object");
      const node = str(o, "Node");
      if (!node) throw new HttpError(400, "Missing node name");
      const result = await ctx.backend.propose({
        op: "deregister", node, serviceId: str(o, "ServiceID"), checkId: str(o, "CheckID"),
      }, req.signal);
      if (!result.ok) throw new HttpError(400, result.error);
      sendJson(res, 200, true);
    },
  },
  {
    method: "GET", pattern: "/v1/health/service/:name",
    handler: (ctx, req, res) => blockingJson(ctx, req, res, { kind: "service", name: req.params["name"]! }, () => {
      const state = ctx.backend.catalog.state;
      return state.healthService(req.params["name"]!, {
        tag: req.query.get("tag") ?? undefined, passingOnly: flag(req.query, "passing"),
      }).map((e) => healthEntryJson(e, state));
    }),
  },
  {
    method: "GET", pattern: "/v1/health/checks/:service",
    handler: (ctx, req, res) => blockingJson(ctx, req, res, { kind: "service", name: req.params["service"]! }, () => {
      const state = ctx.backend.catalog.state;
      return state.serviceChecks(req.params["service"]!).map((c) => checkJson(c, state));
    }),
  },
  {
    method: "GET", pattern: "/v1/health/node/:node",
    handler: (ctx, req, res) => blockingJson(ctx, req, res, { kind: "node", name: req.params["node"]! }, () => {
      const state = ctx.backend.catalog.state;
      return state.nodeChecks(req.params["node"]!).map((c) => checkJson(c, state));
    }),
  },
  {
    method: "GET", pattern: "/v1/health/state/:state",
    handler: async (ctx, req, res) => {
      const s = req.params["state"]!;
      if (!STATES.has(s)) throw new HttpError(400, `Invalid check state "${s}"`);
      await blockingJson(ctx, req, res, { kind: "checks" }, () => {
        const state = ctx.backend.catalog.state;
        return state.checksInState(s as CheckStatus | "any").map((c) => checkJson(c, state));
      });
    },
  },
];

/** Parses a Consul duration field that may be a string or nanoseconds. */
export function consulDurationMs(v: unknown, field: string): number | undefined {
  if (v === undefined || v === null || v === "") return undefined;
  if (typeof v === "number") return v / 1e6;
  try {
    return parseDuration(v, field);
  } catch (err) {
    throw new HttpError(400, (err as Error).message);
  }
}
