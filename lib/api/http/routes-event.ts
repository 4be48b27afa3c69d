/**
 * /v1/event: fire a user event, and list the ones this agent kept (a
 * blocking read on the agent's own event index, as Consul's).
 *
 * @module
 */
import { DiscoError } from "../../util/errors.js";
import { checkDatacenter } from "./blocking.js";
import { userEventJson } from "./consul-json.js";
import { HttpError } from "./errors.js";
import { blockingParams, consulHeaders, readBody, sendJson } from "./request.js";
import type { Route } from "./router.js";

/** Event routes. */
export const eventRoutes: Route[] = [
  {
    method: "PUT", pattern: "/v1/event/fire",
    handler: async () => {
      throw new HttpError(400, "Missing name");
    },
  },
  {
    method: "PUT", pattern: "/v1/event/fire/:name",
    handler: async (ctx, req, res) => {
      checkDatacenter(ctx, req);
      const payload = await readBody(req.raw);
      const q = req.query;
      let event;
      try {
        event = ctx.agent.fireEvent(req.params["name"]!, payload, {
          node: q.get("node") ?? undefined, service: q.get("service") ?? undefined, tag: q.get("tag") ?? undefined,
        });
      } catch (err) {
        // Consul answers every refusal of an event (bad filter, too large) with a 500 and its reason.
        if (err instanceof DiscoError && (err.code === "INVALID_ARGUMENT" || err.code === "VALUE_TOO_LARGE")) throw new HttpError(500, err.message);
        throw err;
      }
      sendJson(res, 200, userEventJson(event));
    },
  },
  {
    method: "GET", pattern: "/v1/event/list",
    handler: async (ctx, req, res) => {
      checkDatacenter(ctx, req);
      const name = req.query.get("name") || undefined;
      const { index, waitMs } = blockingParams(req.query);
      const events = ctx.agent.userEvents;
      await events.wait(name, index, waitMs, req.signal);
      consulHeaders(res, events.index(name), ctx.backend.leaderContact());
      sendJson(res, 200, events.list(name).map(userEventJson), req.query.has("pretty"));
    },
  },
];
