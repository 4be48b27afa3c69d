/**
 * /v1/kv and /v1/txn.
 *
 * @module
 */
import type { KvTxnOp } from "../../catalog/commands.js";
import { TXN_OPS_MAX } from "../../util/limits.js";
import { checkDatacenter, readHeaders, waitForScope } from "./blocking.js";
import { kvJson } from "./consul-json.js";
import { HttpError } from "./errors.js";
import { flag, intParam, readBody, readJson, sendJson, sendText } from "./request.js";
import type { Route } from "./router.js";

const TXN_VERBS = new Set([
  "set", "cas", "lock", "unlock", "get", "get-tree", "check-index", "check-session", "check-not-exists",
  "delete", "delete-tree", "delete-cas",
]);

/** KV and transaction routes. */
export const kvRoutes: Route[] = [
  {
    method: "GET", pattern: "/v1/kv/*",
    handler: async (ctx, req, res) => {
      const key = req.params["*"]!;
      const keysOnly = flag(req.query, "keys");
      const recurse = keysOnly || flag(req.query, "recurse");
      const index = await waitForScope(ctx, req, { kind: "kv", key, prefix: recurse });
      readHeaders(ctx, req, res, index);
      const state = ctx.backend.catalog.state;
      if (keysOnly) {
        const keys = state.kvKeys(key, req.query.get("separator") ?? undefined);
        if (keys.length === 0) return sendText(res, 404, "");
        return sendJson(res, 200, keys, req.query.has("pretty"));
      }
      if (recurse) {
        const entries = state.kvList(key);
        if (entries.length === 0) return sendText(res, 404, "");
        return sendJson(res, 200, entries.map(kvJson), req.query.has("pretty"));
      }
      const entry = state.kvGet(key);
      if (!entry) return sendText(res, 404, "");
      if (flag(req.query, "raw")) {
        res.statusCode = 200;
        res.setHeader("Content-Type", "application/octet-stream");
        res.setHeader("Content-Length", entry.value.length);
        res.end(Buffer.from(entry.value));
        return;
      }
      sendJson(res, 200, [kvJson(entry)], req.query.has("pretty"));
    },
  },
  {
    method: "PUT", pattern: "/v1/kv/*",
    handler: async (ctx, req, res) => {
      checkDatacenter(ctx, req);
      const key = req.params["*"]!;
      if (key === "") throw new HttpError(400, "Missing key name");
      const value = await readBody(req.raw);
      const ok = await ctx.agent.kv.put(key, value, {
        cas: intParam(req.query, "cas"), flags: intParam(req.query, "flags"),
        acquire: req.query.get("acquire") ?? undefined, release: req.query.get("release") ?? undefined,
        signal: req.signal,
      });
      sendJson(res, 200, ok);
    },
  },
  {
    method: "DELETE", pattern: "/v1/kv/*",
    handler: async (ctx, req, res) => {
      checkDatacenter(ctx, req);
      const key = req.params["*"]!;
      const recurse = flag(req.query, "recurse");
      if (key === "" && !recurse) throw new HttpError(400, "Missing key name");
      const ok = await ctx.agent.kv.delete(key, { recurse, cas: intParam(req.query, "cas"), signal: req.signal });
      sendJson(res, 200, ok);
    },
  },
  {
    method: "PUT", pattern: "/v1/txn",
    handler: async (ctx, req, res) => {
      checkDatacenter(ctx, req);
      const body = await readJson(req.raw);
      if (!Array.isArray(body)) throw new HttpError(400, "Request decode failed: body must be an array of operations");
      if (body.length > TXN_OPS_MAX) throw new HttpError(413, `Transaction contains too many operations (${body.length} > ${TXN_OPS_MAX})`);
      const ops: KvTxnOp[] = body.map((op: unknown, i) => {
        const kv = (op as { KV?: Record<string, unknown> } | null)?.KV;
        if (!kv) throw new HttpError(400, `operation ${i}: only KV operations are supported`);
        const verb = kv["Verb"];
        if (typeof verb !== "string" || !TXN_VERBS.has(verb)) throw new HttpError(400, `operation ${i}: unknown KV verb "${String(verb)}"`);
        const value = typeof kv["Value"] === "string" ? Buffer.from(kv["Value"], "base64") : undefined;
        return {
          verb, key: String(kv["Key"] ?? ""), value, flags: kv["Flags"] as number | undefined,
          index: kv["Index"] as number | undefined, session: kv["Session"] as string | undefined,
        } as KvTxnOp;
      });
      const result = await ctx.agent.kv.txn(ops, req.signal);
      if (!result.ok) {
        return sendJson(res, 409, { Results: null, Errors: result.errors.map((e) => ({ OpIndex: e.opIndex, What: e.what })) });
      }
      sendJson(res, 200, { Results: result.results.map((r) => ({ KV: kvJson({ ...r, session: r.session }) })), Errors: null });
    },
  },
];
