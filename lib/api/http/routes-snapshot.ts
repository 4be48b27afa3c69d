/**
 * /v1/snapshot: GET saves the catalog and KV as one snapshot (with the index
 * it is consistent with); PUT restores one cluster-wide through the log.
 *
 * @module
 */
import { SNAPSHOT_RESTORE_BYTES_MAX } from "../../agent/snapshot.js";
import { DiscoError } from "../../util/errors.js";
import { checkDatacenter } from "./blocking.js";
import { HttpError } from "./errors.js";
import { consulHeaders, flag, readBody, sendText } from "./request.js";
import type { Route } from "./router.js";

/** Snapshot routes. */
export const snapshotRoutes: Route[] = [
  {
    method: "GET", pattern: "/v1/snapshot",
    handler: async (ctx, req, res) => {
      checkDatacenter(ctx, req);
      const stale = flag(req.query, "stale");
      const { index, data } = await ctx.agent.saveSnapshot({ consistency: stale ? "stale" : "default", signal: req.signal });
      consulHeaders(res, index, ctx.backend.leaderContact(), stale ? "stale" : "leader");
      res.statusCode = 200;
      res.setHeader("Content-Type", "application/octet-stream");
      res.setHeader("Content-Length", data.length);
      res.end(data);
    },
  },
  {
    method: "PUT", pattern: "/v1/snapshot",
    handler: async (ctx, req, res) => {
      checkDatacenter(ctx, req);
      const data = await readBody(req.raw, SNAPSHOT_RESTORE_BYTES_MAX);
      try {
        await ctx.agent.restoreSnapshot(data, { signal: req.signal });
      } catch (err) {
        // Consul answers a snapshot it cannot restore with a 500 and the reason.
        if (err instanceof DiscoError && err.code === "INVALID_ARGUMENT") throw new HttpError(500, err.message);
        throw err;
      }
      sendText(res, 200, "");
    },
  },
];
