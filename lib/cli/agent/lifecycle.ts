/**
 * Running an agent from the command line: starting it (without DNS if the
 * agent cannot serve it yet), registering config-file services, the pid
 * file, and waiting for the reason to stop.
 *
 * @module
 */
import { rm, writeFile } from "node:fs/promises";
import type { Agent } from "../../agent/agent.js";
import type { AgentOptions } from "../../agent/options.js";
import { serviceFromConsul } from "../../api/http/consul-body.js";
import { InvalidConfigError, NotSupportedError } from "../../util/errors.js";

/**
 * How often the command checks whether the agent left on its own (a
 * `disco leave` over HTTP): fast enough that the process exits promptly,
 * rare enough to cost nothing. The timer also keeps the process alive,
 * since the agent's own handles are unref'd.
 */
export const AGENT_STATE_POLL_MS = 250;

/**
 * Starts the agent. When it refuses the `dns` option as not supported, starts
 * it again without DNS and says so through `warn`; any other error, or the same
 * refusal without DNS, is thrown.
 */
export async function startAgent(options: AgentOptions, warn: (line: string) => void): Promise<Agent> {
  const { Agent } = await import("../../agent/agent.js");
  // The agent's own handles are unref'd; a start that waits for its peers (bootstrap-expect, retry-join)
  // would otherwise let the process exit half-way with status 0. Held until the command's own poll takes over.
  const hold = setInterval(() => {}, AGENT_STATE_POLL_MS);
  try {
    return await Agent.start(options);
  } catch (err) {
    if (!(err instanceof NotSupportedError) || options.dns === undefined) throw err;
    const { dns: _dns, ...withoutDns } = options;
    const agent = await Agent.start(withoutDns);
    warn(`DNS is off: ${err.message}`);
    return agent;
  } finally {
    clearInterval(hold);
  }
}

/** The DNS server's port, when the agent exposes one (`agent.dnsAddress`, wired by the agent layer). */
export function dnsPortOf(agent: Agent): { known: boolean; port: number | undefined } {
  if (!("dnsAddress" in agent)) return { known: false, port: undefined };
  const addr = (agent as unknown as { dnsAddress?: { port: number } }).dnsAddress;
  return { known: true, port: addr?.port };
}

/**
 * Registers the services of config files, as Consul's agent does at start.
 * Their TTL checks are fed from outside (heartbeat off), as over HTTP.
 * @throws InvalidConfigError naming the service definition.
 */
export async function registerConfigServices(agent: Agent, services: Record<string, unknown>[]): Promise<void> {
  for (const [i, def] of services.entries()) {
    try {
      await agent.register(serviceFromConsul(def));
    } catch (err) {
      throw new InvalidConfigError(`services[${i}]`, (err as Error).message, { cause: err });
    }
  }
}

/** Writes the pid file (`PID\n`). */
export async function writePidFile(path: string, pid: number): Promise<void> {
  await writeFile(path, `${pid}\n`);
}

/** Removes the pid file; a file already gone is fine. */
export async function removePidFile(path: string): Promise<void> {
  await rm(path, { force: true });
}

/** Why the agent command stops. */
export type StopReason = { kind: "signal"; signal: string } | { kind: "left" };

/** Resolves when `interrupts` fires or the agent has left on its own. */
export function waitForStop(agent: Agent, interrupts: AbortSignal): Promise<StopReason> {
  return new Promise((resolve) => {
    const finish = (reason: StopReason): void => {
      clearInterval(poll);
      interrupts.removeEventListener("abort", onAbort);
      resolve(reason);
    };
    const onAbort = (): void => finish({ kind: "signal", signal: String(interrupts.reason ?? "interrupt") });
    const poll = setInterval(() => {
      if (agent.members()[0]?.status === "left") finish({ kind: "left" });
    }, AGENT_STATE_POLL_MS);
    if (interrupts.aborted) onAbort();
    else interrupts.addEventListener("abort", onAbort, { once: true });
  });
}
