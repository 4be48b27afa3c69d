/**
 * Every /v1 route of the HTTP API, in one list the server mounts.
 *
 * @module
 */
import { agentRoutes } from "./routes-agent.js";
import { catalogRoutes } from "./routes-catalog.js";
import { kvRoutes } from "./routes-kv.js";
import { operatorRoutes } from "./routes-operator.js";
import type { Route } from "./router.js";
import { sessionRoutes } from "./routes-session.js";

/** The API's routes (the UI's are added separately when enabled). */
export const apiRoutes: readonly Route[] = [
  ...agentRoutes, ...catalogRoutes, ...kvRoutes, ...sessionRoutes, ...operatorRoutes,
];
