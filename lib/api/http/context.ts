/**
 * What the HTTP API needs from its agent. The agent builds this; handlers
 * never reach further into the agent than these fields.
 *
 * @module
 */
import type { Agent } from "../../agent/agent.js";
import type { CommandBackend } from "../../agent/backend.js";
import type { LocalServices } from "../../agent/local-services.js";
import type { Logger } from "../../util/logger.js";
import type { Timers } from "../../util/timers.js";
import type { Rng } from "../../util/rng.js";

/** @internal The agent's parts the HTTP API uses. */
export interface HttpApiContext {
  agent: Agent;
  backend: CommandBackend;
  local: LocalServices;
  timers: Timers;
  rng: Rng;
  logger: Logger;
  /** This node's advertise address. */
  advertise: string;
  /** The leader's RPC address as /v1/status/leader answers it. */
  rpcAddress: string;
  /** Package version for /v1/agent/self. */
  version: string;
  /** Serve the web UI at /ui/. */
  ui: boolean;
  /** Metrics the API counts. */
  metrics: HttpMetrics;
  /**
   * Sends a request naming another datacenter to a server there; undefined
   * when this agent has no path to other datacenters.
   * @throws NoPathToDatacenterError when that datacenter is unknown or unreachable.
   */
  forwardToDatacenter?: (dc: string, request: ForwardedRequest, signal: AbortSignal) => Promise<ForwardedResponse>;
}

/** An HTTP request carried to another datacenter. */
export interface ForwardedRequest {
  method: string;
  /** Path and query, as received. */
  url: string;
  body?: Uint8Array | undefined;
}

/** The other datacenter's answer. */
export interface ForwardedResponse {
  status: number;
  headers: Record<string, string>;
  body: Uint8Array;
}

/** Counters the HTTP layer keeps for /v1/agent/metrics. */
export interface HttpMetrics {
  requests: number;
  errors: number;
  blockingQueriesActive: number;
}
