/**
 * /v1/agent: the local agent's services, checks, members and self.
 *
 * @module
 */
import type { CheckStatus } from "../../catalog/types.js";
import { NotSupportedError } from "../../util/errors.js";
import { blockingJson } from "./blocking.js";
import { checkJson, serviceJson } from "./consul-json.js";
import { serviceFromConsul } from "./consul-body.js";
import type { HttpApiContext } from "./context.js";
import { HttpError } from "./errors.js";
import { metricsJson, metricsPrometheus } from "./metrics.js";
import { flag, readJson, sendJson, sendText } from "./request.js";
import type { Route } from "./router.js";

/** Serf's member status numbers, as /v1/agent/members encodes them. */
const MEMBER_STATUS = { alive: 1, leaving: 2, left: 3, failed: 4, suspect: 1 } as const;

function membersJson(ctx: HttpApiContext): unknown[] {
  return ctx.agent.members().map((m) => ({
    Name: m.name, Addr: m.address, Port: m.port, Tags: m.tags, Status: MEMBER_STATUS[m.status],
    ProtocolMin: 1, ProtocolMax: 5, ProtocolCur: 2, DelegateMin: 2, DelegateMax: 5, DelegateCur: 4,
  }));
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
    method: "GET", pattern: "/v1/agent/members",
    handler: async (ctx, req, res) => {
      if (flag(req.query, "wan")) throw new NotSupportedError("the WAN pool (multiple datacenters)");
      sendJson(res, 200, membersJson(ctx));
    },
  },
  {
    method: "GET", pattern: "/v1/agent/self",
    handler: async (ctx, _req, res) => {
      const state = ctx.backend.catalog.state;
      const self = state.node(ctx.agent.node);
      sendJson(res, 200, {
        Config: {
          Datacenter: ctx.agent.datacenter, NodeName: ctx.agent.node, NodeID: self?.id ?? "",
          Server: true, Revision: "disco", Version: ctx.version,
        },
        Member: membersJson(ctx)[0],
        Meta: self?.meta ?? {},
        Stats: {
          agent: { checks: String(state.nodeChecks(ctx.agent.node).length), services: String(state.nodeServices(ctx.agent.node).length) },
          raft: { state: "Leader", num_peers: "0", applied_index: String(state.lastIndex), commit_index: String(state.lastIndex), last_log_index: String(state.lastIndex) },
          consul: { server: "true", leader: "true", known_datacenters: "1", bootstrap: "true" },
          runtime: { os: process.platform, arch: process.arch, version: process.version, goroutines: "0", max_procs: "1" },
          disco: { mode: ctx.agent.mode, version: ctx.version },
        },
      });
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
  {
    method: "PUT", pattern: "/v1/agent/join/:address",
    handler: async () => {
      throw new NotSupportedError("joining other agents (multi-node clusters)");
    },
  },
  {
    method: "PUT", pattern: "/v1/agent/force-leave/:node",
    handler: async () => {
      throw new NotSupportedError("force-leave (multi-node clusters)");
    },
  },
];
