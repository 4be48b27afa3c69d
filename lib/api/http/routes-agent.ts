/**
 * /v1/agent: the local agent's services, checks, members and metrics.
 * Self, maintenance and cluster operations are in routes-agent-self.ts and
 * routes-agent-ops.ts.
 *
 * @module
 */
import { isReservedCheckId } from "../../agent/maintenance.js";
import type { CheckStatus } from "../../catalog/types.js";
import { parseCheckInput, type CheckDefinition } from "../../health/index.js";
import { InvalidArgumentError } from "../../util/errors.js";
import { blockingJson } from "./blocking.js";
import { checkJson, memberJson, serviceJson } from "./consul-json.js";
import { checkRegistrationFromConsul, serviceFromConsul } from "./consul-body.js";
import type { HttpApiContext } from "./context.js";
import { HttpError } from "./errors.js";
import { metricsJson, metricsPrometheus } from "./metrics.js";
import { flag, readJson, sendJson, sendText } from "./request.js";
import type { Route } from "./router.js";

/** A /v1/agent/check/register body as a validated check of this agent. @throws HttpError 400/404 with Consul's reasons. */
function checkDefinitionFrom(ctx: HttpApiContext, body: unknown): CheckDefinition {
  const { input, serviceId } = checkRegistrationFromConsul(body);
  const service = serviceId === "" ? undefined : ctx.local.get(serviceId);
  if (serviceId !== "" && !service) throw new HttpError(404, `ServiceID "${serviceId}" does not exist`);
  const id = (input as { id?: unknown }).id;
  if (typeof id === "string" && isReservedCheckId(id)) {
    throw new HttpError(400, `Invalid check: check ID "${id}" is reserved`);
  }
  let def: CheckDefinition;
  try {
    def = parseCheckInput(input, "check", { serviceId, serviceName: service?.name ?? "", ordinal: 0, single: true });
  } catch (err) {
    if (err instanceof InvalidArgumentError) throw new HttpError(400, `Invalid check: ${err.message}`);
    throw err;
  }
  // Only a service's checks can take it out of the catalog (Consul ignores the field on node checks).
  return serviceId === "" ? { ...def, deregisterCriticalAfterMs: 0 } : def;
}

function ttlUpdate(status: CheckStatus): Route["handler"] {
  return async (ctx, req, res) => {
    await ctx.local.updateCheck(req.params["id"]!, status, req.query.get("note") ?? undefined);
    sendText(res, 200, "");
  };
}

/** Agent routes. */
export const agentRoutes: Route[] = [
  {
    method: "PUT", pattern: "/v1/agent/service/register",
    handler: async (ctx, req, res) => {
      const registration = serviceFromConsul(await readJson(req.raw));
      await ctx.agent.register(registration, { signal: req.signal });
      sendText(res, 200, "");
    },
  },
  {
    method: "PUT", pattern: "/v1/agent/service/deregister/:id",
    handler: async (ctx, req, res) => {
      const found = await ctx.agent.deregister(req.params["id"]!);
      if (!found) throw new HttpError(404, `Unknown service ID "${req.params["id"]}". Ensure that the service ID is passed, not the service name.`);
      sendText(res, 200, "");
    },
  },
  {
    method: "GET", pattern: "/v1/agent/services",
    handler: (ctx, req, res) => blockingJson(ctx, req, res, { kind: "node", name: ctx.agent.node }, () => {
      const state = ctx.backend.catalog.state;
      return Object.fromEntries(state.nodeServices(ctx.agent.node).map((s) => [s.id, serviceJson(s, ctx.agent.datacenter)]));
    }),
  },
  {
    method: "GET", pattern: "/v1/agent/service/:id",
    handler: async (ctx, req, res) => {
      const s = ctx.backend.catalog.state.service(ctx.agent.node, req.params["id"]!);
      if (!s) throw new HttpError(404, `unknown service ID: ${req.params["id"]}`);
      sendJson(res, 200, serviceJson(s, ctx.agent.datacenter));
    },
  },
  {
    method: "GET", pattern: "/v1/agent/checks",
    handler: (ctx, req, res) => blockingJson(ctx, req, res, { kind: "node", name: ctx.agent.node }, () => {
      const state = ctx.backend.catalog.state;
      return Object.fromEntries(state.nodeChecks(ctx.agent.node).map((c) => [c.checkId, checkJson(c, state)]));
    }),
  },
  { method: "PUT", pattern: "/v1/agent/check/pass/:id", handler: ttlUpdate("passing") },
  { method: "PUT", pattern: "/v1/agent/check/warn/:id", handler: ttlUpdate("warning") },
  { method: "PUT", pattern: "/v1/agent/check/fail/:id", handler: ttlUpdate("critical") },
  {
    method: "PUT", pattern: "/v1/agent/check/update/:id",
    handler: async (ctx, req, res) => {
      const body = (await readJson(req.raw)) as { Status?: unknown; Output?: unknown } | undefined;
      const status = body?.Status;
      if (status !== "passing" && status !== "warning" && status !== "critical") {
        throw new HttpError(400, `Invalid check status: "${String(status)}"`);
      }
      await ctx.local.updateCheck(req.params["id"]!, status, typeof body?.Output === "string" ? body.Output : undefined);
      sendText(res, 200, "");
    },
  },
  {
    method: "PUT", pattern: "/v1/agent/check/register",
    handler: async (ctx, req, res) => {
      const def = checkDefinitionFrom(ctx, await readJson(req.raw));
      await ctx.local.registerCheck(def, req.signal);
      sendText(res, 200, "");
    },
  },
  {
    method: "PUT", pattern: "/v1/agent/check/deregister/:id",
    handler: async (ctx, req, res) => {
      const id = req.params["id"]!;
      if (isReservedCheckId(id)) throw new HttpError(400, `check ID "${id}" is managed by the agent`);
      const found = await ctx.local.deregisterCheck(id, req.signal);
      if (!found) throw new HttpError(404, `Unknown check ID "${id}". Ensure that the check ID is passed, not the check name.`);
      sendText(res, 200, "");
    },
  },
  {
    method: "GET", pattern: "/v1/agent/members",
    handler: async (ctx, req, res) => {
      sendJson(res, 200, ctx.agent.members({ wan: flag(req.query, "wan") }).map(memberJson));
    },
  },
  {
    method: "GET", pattern: "/v1/agent/metrics",
    handler: async (ctx, req, res) => {
      if (req.query.get("format") === "prometheus") return sendText(res, 200, metricsPrometheus(ctx), "text/plain; version=0.0.4");
      sendJson(res, 200, metricsJson(ctx));
    },
  },
  {
    method: "PUT", pattern: "/v1/agent/leave",
    handler: async (ctx, _req, res) => {
      sendText(res, 200, "");
      // Answer first: leaving closes this listener.
      setImmediate(() => void ctx.agent.leave().catch((err: unknown) => ctx.logger.warn({ err }, "leave failed")));
    },
  },
];
