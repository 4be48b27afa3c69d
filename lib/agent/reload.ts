/**
 * Configuration reload (Consul's /v1/agent/reload, `disco reload`). An
 * embedded agent has no configuration files of its own, so the host decides
 * what a reload means by listening for the agent's `reload` event; `disco
 * agent` re-reads its -config-file services and checks.
 *
 * ```ts
 * agent.on("reload", (request) => request.waitUntil(reregisterFromConfig()));
 * ```
 *
 * @module
 */
import { DiscoError } from "../util/errors.js";

/** What a `reload` listener receives. */
export interface ReloadRequest {
  /**
   * Makes the reload wait for `work` before it is answered; a rejection
   * fails the reload (the HTTP API answers 500 with its message).
   */
  waitUntil(work: Promise<unknown>): void;
}

/** A reload asked of an agent that nothing listens to. Code `NOT_SUPPORTED` (HTTP 501). */
export class ReloadNotHandledError extends DiscoError {
  constructor() {
    super("NOT_SUPPORTED", "reloading configuration is not handled by this agent: it was started without configuration "
      + "files (no \"reload\" listener); `disco agent -config-file` reloads its services and checks");
  }
}

/** The emitter side of the agent a reload needs. */
export interface ReloadEmitter {
  listenerCount(event: "reload"): number;
  emit(event: "reload", request: ReloadRequest): boolean;
}

/**
 * Emits `reload` and waits for the work its listeners started.
 * @throws ReloadNotHandledError when nothing listens; whatever a listener
 *   throws or its work rejects with.
 */
export async function runReload(agent: ReloadEmitter): Promise<void> {
  if (agent.listenerCount("reload") === 0) throw new ReloadNotHandledError();
  const pending: Promise<unknown>[] = [];
  agent.emit("reload", { waitUntil: (work) => void pending.push(Promise.resolve(work)) });
  await Promise.all(pending);
}
