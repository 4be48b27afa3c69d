/**
 * `disco agent`'s answer to a reload (`disco reload`, PUT /v1/agent/reload):
 * re-read the -config-file services with their checks and bring the agent in
 * line — every one registered again (so changes apply), those gone from the
 * files deregistered — as Consul's agent reload does for its definitions.
 *
 * @module
 */
import type { Agent } from "../../agent/agent.js";
import type { ReloadRequest } from "../../agent/reload.js";
import { parseServiceInput, type ServiceRegistration } from "../../agent/service-input.js";
import { serviceFromConsul } from "../../api/http/consul-body.js";
import { InvalidConfigError } from "../../util/errors.js";

/** Address used only to validate definitions before anything is applied; the agent fills in its own. */
const VALIDATION_ADDRESS = "127.0.0.1";

/**
 * Config-file definitions as registrations, every one validated first.
 * @throws InvalidConfigError naming the first bad definition.
 */
function registrationsOf(defs: Record<string, unknown>[]): ServiceRegistration[] {
  return defs.map((def, i) => {
    try {
      const registration = serviceFromConsul(def);
      parseServiceInput(registration, VALIDATION_ADDRESS);
      return registration;
    } catch (err) {
      throw new InvalidConfigError(`services[${i}]`, (err as Error).message, { cause: err });
    }
  });
}

/**
 * Handles the agent's `reload` events from now on: `reread` gives the
 * service definitions the config files hold now; `initial` are those
 * registered at start. A reload whose files are bad fails with
 * InvalidConfigError and changes nothing.
 * @returns a function that stops handling reloads.
 */
export function reloadConfigServicesOnRequest(
  agent: Agent, initial: Record<string, unknown>[], reread: () => Promise<Record<string, unknown>[]>,
): () => void {
  let owned = new Set(registrationsOf(initial).map((r) => r.id ?? r.name));
  let running: Promise<void> = Promise.resolve();
  const apply = async (): Promise<void> => {
    const next = registrationsOf(await reread());
    const ids = new Set(next.map((r) => r.id ?? r.name));
    for (const id of owned) if (!ids.has(id)) await agent.deregister(id);
    for (const r of next) await agent.register(r);
    owned = ids;
  };
  // One reload at a time: a second waits for the first, then reads the files afresh.
  const onReload = (request: ReloadRequest): void => {
    running = running.catch(() => undefined).then(apply);
    request.waitUntil(running);
  };
  agent.on("reload", onReload);
  return () => void agent.off("reload", onReload);
}
