/**
 * /v1/session and /v1/status.
 *
 * @module
 */
import { blockingJson, checkDatacenter } from "./blocking.js";
import { sessionJson } from "./consul-json.js";
import { HttpError } from "./errors.js";
import { readJson, sendJson } from "./request.js";
import type { Route } from "./router.js";
import { consulDurationMs } from "./routes-catalog.js";

/** Session and status routes. */
export const sessionRoutes: Route[] = [
  {
    method: "PUT", pattern: "/v1/session/create",
    handler: async (ctx, req, res) => {
      checkDatacenter(ctx, req);
      const body = ((await readJson(req.raw)) ?? {}) as Record<string, unknown>;
      if (typeof body !== "object" || Array.isArray(body)) throw new HttpError(400, "Request decode failed: body must be an object");
      if (body["Node"] !== undefined && body["Node"] !== ctx.agent.node) {
        throw new HttpError(400, `sessions can only be created for this agent's node "${ctx.agent.node}"`);
      }
      const checks = (body["NodeChecks"] ?? body["Checks"]) as string[] | undefined;
      const ttlMs = consulDurationMs(body["TTL"], "TTL");
      const lockDelayMs = consulDurationMs(body["LockDelay"], "LockDelay");
      const id = await ctx.agent.session.create({
        name: body["Name"] as string | undefined, behavior: body["Behavior"] as "release" | "delete" | undefined,
        ttl: ttlMs, lockDelay: lockDelayMs, checks, signal: req.signal,
      });
      sendJson(res, 200, { ID: id });
    },
  },
  {
    method: "PUT", pattern: "/v1/session/destroy/:id",
    handler: async (ctx, req, res) => {
      await ctx.agent.session.destroy(req.params["id"]!, req.signal);
      sendJson(res, 200, true);
    },
  },
  {
    method: "PUT", pattern: "/v1/session/renew/:id",
    handler: async (ctx, req, res) => {
      const record = ctx.backend.catalog.state.session(req.params["id"]!);
      if (!record) throw new HttpError(404, `Session id '${req.params["id"]}' not found`);
      sendJson(res, 200, [sessionJson(await ctx.agent.session.renew(record.id))]);
    },
  },
  {
    method: "GET", pattern: "/v1/session/info/:id",
    handler: (ctx, req, res) => blockingJson(ctx, req, res, { kind: "sessions" }, () => {
      const s = ctx.backend.catalog.state.session(req.params["id"]!);
      return s ? [sessionJson(s)] : [];
    }),
  },
  {
    method: "GET", pattern: "/v1/session/list",
    handler: (ctx, req, res) => blockingJson(ctx, req, res, { kind: "sessions" }, () =>
      ctx.backend.catalog.state.sessions().map(sessionJson)),
  },
  {
    method: "GET", pattern: "/v1/session/node/:node",
    handler: (ctx, req, res) => blockingJson(ctx, req, res, { kind: "sessions" }, () =>
      ctx.backend.catalog.state.nodeSessions(req.params["node"]!).map(sessionJson)),
  },
  {
    method: "GET", pattern: "/v1/status/leader",
    handler: async (ctx, _req, res) => sendJson(res, 200, ctx.agent.raft.leader()?.address ?? ""),
  },
  {
    method: "GET", pattern: "/v1/status/peers",
    handler: async (ctx, _req, res) => sendJson(res, 200, ctx.agent.raft.peers().map((p) => p.address)),
  },
];
