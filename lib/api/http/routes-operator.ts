/**
 * /v1/operator/raft: the Raft configuration and peer removal.
 *
 * @module
 */
import { HttpError } from "./errors.js";
import { sendJson, sendText } from "./request.js";
import type { Route } from "./router.js";

/** Operator routes. */
export const operatorRoutes: Route[] = [
  {
    method: "GET", pattern: "/v1/operator/raft/configuration",
    handler: async (ctx, _req, res) => {
      const leader = ctx.agent.raft.leader()?.address;
      sendJson(res, 200, {
        Servers: ctx.agent.raft.peers().map((p) => ({
          ID: p.address, Node: p.node, Address: p.address, Leader: p.address === leader, Voter: true, ProtocolVersion: "3",
        })),
        Index: ctx.backend.catalog.state.lastIndex,
      });
    },
  },
  {
    method: "DELETE", pattern: "/v1/operator/raft/peer",
    handler: async (ctx, req, res) => {
      const address = req.query.get("address") ?? req.query.get("id");
      if (!address) throw new HttpError(400, "Must specify ?address or ?id with the server's RPC address");
      const removed = await ctx.agent.raft.removePeer(address);
      if (!removed) throw new HttpError(404, `address "${address}" was not found in the Raft configuration`);
      sendText(res, 200, "");
    },
  },
];
