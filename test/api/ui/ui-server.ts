/**
 * Test support: an agent with its HTTP API and the UI routes added, built the
 * way the agent's own startInterfaces does until the lead wires `ui: true`.
 */
import { Agent } from "../../../lib/index.js";
import type { HttpApiContext } from "../../../lib/api/http/context.js";
import { startHttpApi, type HttpApi } from "../../../lib/api/http/server.js";
import { uiRoutes } from "../../../lib/api/ui/routes.js";
import { silentLogger } from "../../../lib/util/logger.js";
import { SeededRng } from "../../../lib/util/rng.js";

export interface UiServer {
  agent: Agent;
  ctx: HttpApiContext;
  http: HttpApi;
  base: string;
  close(): Promise<void>;
}

/** Starts a dev agent named `node` and an HTTP API with the UI on 127.0.0.1, port 0. */
export async function startUiServer(node = "n1"): Promise<UiServer> {
  const agent = await Agent.start({ node });
  // The agent keeps these private; the test builds the context from them as startInterfaces does.
  const inner = agent as unknown as { backend: HttpApiContext["backend"]; local: HttpApiContext["local"]; timers: HttpApiContext["timers"] };
  const ctx: HttpApiContext = {
    agent, backend: inner.backend, local: inner.local, timers: inner.timers, rng: new SeededRng(1),
    logger: silentLogger, advertise: "127.0.0.1", rpcAddress: "127.0.0.1:8300", version: "test", ui: true,
    metrics: { requests: 0, errors: 0, blockingQueriesActive: 0 },
  };
  let http: HttpApi;
  try {
    http = await startHttpApi(ctx, { host: "127.0.0.1", port: 0 }, (r) => r.add(...uiRoutes()));
  } catch (err) {
    await agent.close();
    throw err;
  }
  return {
    agent, ctx, http, base: `http://127.0.0.1:${http.address.port}`,
    close: async () => {
      await http.close();
      await agent.close();
    },
  };
}
