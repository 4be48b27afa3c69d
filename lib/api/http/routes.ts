/**
 * Every /v1 route of the HTTP API, in one list the server mounts.
 *
 * @module
 */
import { agentRoutes } from "./routes-agent.js";
import { agentOpsRoutes } from "./routes-agent-ops.js";
import { agentSelfRoutes } from "./routes-agent-self.js";
import { eventRoutes } from "./routes-event.js";
import { snapshotRoutes } from "./routes-snapshot.js";
import { catalogRoutes } from "./routes-catalog.js";
import { kvRoutes } from "./routes-kv.js";
import { keyringRoutes } from "./routes-keyring.js";
import { operatorRoutes } from "./routes-operator.js";
import { queryRoutes } from "./routes-query.js";
import type { Route } from "./router.js";
import { sessionRoutes } from "./routes-session.js";

/** The API's routes (the UI's are added separately when enabled). */
export const apiRoutes: readonly Route[] = [
  ...agentRoutes, ...catalogRoutes, ...kvRoutes, ...sessionRoutes, ...operatorRoutes,
  ...agentSelfRoutes, ...agentOpsRoutes, ...eventRoutes, ...snapshotRoutes, ...queryRoutes,
  ...keyringRoutes,
];
