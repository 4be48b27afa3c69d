/**
 * /v1/agent operations: maintenance mode (node and service), join,
 * force-leave and reload, with Consul's parameters and status codes.
 *
 * @module
 */
import { ReloadNotHandledError } from "../../agent/reload.js";
import { NotFoundError } from "../../util/errors.js";
import { HttpError } from "./errors.js";
import { flag, sendText } from "./request.js";
import type { ApiRequest } from "./request.js";
import type { Route } from "./router.js";

/** Go's strconv.ParseBool spellings, which Consul accepts for `enable`. */
const BOOLEAN_VALUES: Readonly<Record<string, boolean>> = {
  "1": true, t: true, T: true, TRUE: true, true: true, True: true,
  "0": false, f: false, F: false, FALSE: false, false: false, False: false,
};

/** The required `?enable=` of the maintenance endpoints. @throws HttpError 400 with Consul's reasons. */
function enableParam(req: ApiRequest): boolean {
  const raw = req.query.get("enable");
  if (raw === null) throw new HttpError(400, "Missing value for enable");
  const value = BOOLEAN_VALUES[raw];
  if (value === undefined) throw new HttpError(400, `Invalid value for enable: "${raw}"`);
  return value;
}

/** Maintenance, join, force-leave and reload routes. */
export const agentOpsRoutes: Route[] = [
  {
    method: "PUT", pattern: "/v1/agent/maintenance",
    handler: async (ctx, req, res) => {
      const m = ctx.agent.maintenance;
      if (enableParam(req)) await m.enableNode(req.query.get("reason") ?? "", req.signal);
      else await m.disableNode(req.signal);
      sendText(res, 200, "");
    },
  },
  {
    method: "PUT", pattern: "/v1/agent/service/maintenance",
    handler: async () => {
      throw new HttpError(400, "Missing service ID");
    },
  },
  {
    method: "PUT", pattern: "/v1/agent/service/maintenance/:id",
    handler: async (ctx, req, res) => {
      const id = req.params["id"]!;
      const enable = enableParam(req);
      const m = ctx.agent.maintenance;
      if (enable) await m.enableService(id, req.query.get("reason") ?? "", req.signal);
      else await m.disableService(id, req.signal);
      sendText(res, 200, "");
    },
  },
  {
    method: "PUT", pattern: "/v1/agent/join/:address",
    handler: async (ctx, req, res) => {
      await ctx.agent.join([req.params["address"]!], { wan: flag(req.query, "wan") });
      sendText(res, 200, "");
    },
  },
  {
    method: "PUT", pattern: "/v1/agent/force-leave/:node",
    handler: async (ctx, req, res) => {
      try {
        await ctx.agent.forceLeave(req.params["node"]!, { prune: flag(req.query, "prune") });
      } catch (err) {
        // Consul answers an unknown member with a plain error, so a 500.
        if (err instanceof NotFoundError) throw new HttpError(500, err.message);
        throw err;
      }
      sendText(res, 200, "");
    },
  },
  {
    method: "PUT", pattern: "/v1/agent/reload",
    handler: async (ctx, _req, res) => {
      try {
        await ctx.agent.reload();
      } catch (err) {
        // Consul answers a failed reload (a bad config file included) with a 500 and the reason.
        if (err instanceof ReloadNotHandledError || err instanceof HttpError) throw err;
        throw new HttpError(500, err instanceof Error ? err.message : String(err));
      }
      sendText(res, 200, "");
    },
  },
];
