/**
 * /v1/operator/keyring: the LAN pool's gossip encryption keys, as Consul
 * serves them. GET lists (a JSON array with one entry per pool; only the LAN
 * pool here), POST installs, PUT makes primary, DELETE removes; the three
 * writes take `{"Key": "<base64>"}` and answer 200 with an empty body.
 *
 * Errors: a malformed key 400; an agent without gossip encryption 501 (Consul
 * answers 500; the CLI prints the reason either way); a member that refused or
 * did not answer 500, naming it.
 *
 * @module
 */
import { InvalidArgumentError } from "../../util/errors.js";
import type { KeyringStatus } from "../../agent/keyring.js";
import { checkDatacenter } from "./blocking.js";
import type { HttpApiContext } from "./context.js";
import { readJson, sendJson, sendText, type ApiRequest } from "./request.js";
import type { Route } from "./router.js";

/** Consul's KeyringResponse for the LAN pool. */
function poolJson(ctx: HttpApiContext, s: KeyringStatus): Record<string, unknown> {
  return {
    WAN: false, Datacenter: ctx.agent.datacenter, Segment: "", Partition: "",
    Messages: s.messages, Keys: s.keys, PrimaryKeys: s.primaryKeys, NumNodes: s.numNodes,
  };
}

/** The `Key` of a write's body. @throws InvalidArgumentError (`key`) when it is missing or not a string. */
async function keyOf(req: ApiRequest): Promise<string> {
  const body = await readJson(req.raw);
  const key = typeof body === "object" && body !== null ? (body as Record<string, unknown>)["Key"] : undefined;
  if (typeof key !== "string") throw new InvalidArgumentError("key", 'the body must be {"Key": "<base64 key>"}');
  return key;
}

const write = (method: string, op: "install" | "use" | "remove"): Route => ({
  method, pattern: "/v1/operator/keyring",
  handler: async (ctx, req, res) => {
    checkDatacenter(ctx, req);
    await ctx.agent.keyring[op](await keyOf(req));
    sendText(res, 200, "");
  },
});

/** Keyring routes. */
export const keyringRoutes: Route[] = [
  {
    method: "GET", pattern: "/v1/operator/keyring",
    handler: async (ctx, req, res) => {
      checkDatacenter(ctx, req);
      sendJson(res, 200, [poolJson(ctx, await ctx.agent.keyring.list())]);
    },
  },
  write("POST", "install"),
  write("PUT", "use"),
  write("DELETE", "remove"),
];
