/**
 * `disco run`: what registrator did for containers, for any process. Starts a
 * command, registers it as a service on the agent, health-checks it, forwards
 * stop signals, and deregisters it when it exits, with the child's exit code
 * as its own.
 *
 * @module
 */
import { spawn } from "node:child_process";
import type { Command } from "../command.js";
import { UsageError } from "../errors.js";
import { parseDuration } from "../../util/duration.js";
import type { AgentClient } from "../client.js";

/** Exit code when the command could not be started or registered. */
const EXIT_SETUP_FAILED = 1;

function checkDefinition(flags: import("../flags.js").FlagValues, address: string, port: number): Record<string, unknown> | undefined {
  const http = flags.string("check-http");
  const tcp = flags.bool("check-tcp");
  const ttl = flags.string("ttl");
  const given = [http !== undefined, tcp, ttl !== undefined].filter(Boolean).length;
  if (given > 1) throw new UsageError("give at most one of -check-http, -check-tcp and -ttl");
  const interval = flags.string("interval") ?? "10s";
  try {
    parseDuration(interval, "interval");
    if (ttl !== undefined) parseDuration(ttl, "ttl");
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const deregister = flags.string("deregister-critical-after");
  const common = deregister ? { DeregisterCriticalServiceAfter: deregister } : {};
  if (http !== undefined) {
    const url = /^https?:\/\//.test(http) ? http : `http://${address}:${port}${http.startsWith("/") ? http : `/${http}`}`;
    return { HTTP: url, Interval: interval, ...common };
  }
  if (tcp) return { TCP: `${address}:${port}`, Interval: interval, ...common };
  if (ttl !== undefined) return { TTL: ttl, ...common };
  return undefined;
}

/** `disco run`. */
export const runCommand: Command = {
  path: ["run"],
  synopsis: "Runs a command registered as a service (registrator for any process)",
  usage: "-name NAME -port PORT [options] -- COMMAND [ARGS…]",
  help: "Starts COMMAND with PORT and DISCO_SERVICE_ID in its environment, registers it on the agent, checks it " +
    "(-check-http PATH, -check-tcp, or -ttl with heartbeats sent while it runs), forwards SIGINT/SIGTERM to it, and " +
    "deregisters it when it exits. Exits with the command's exit code (128 + signal number when it was killed).",
  http: true,
  flags: [
    { name: "name", kind: "string", placeholder: "<name>", usage: "Service name (required)." },
    { name: "id", kind: "string", placeholder: "<id>", usage: "Instance ID (default: NAME-PORT)." },
    { name: "port", kind: "int", placeholder: "<port>", usage: "Port the command listens on (required)." },
    { name: "address", kind: "string", placeholder: "<addr>", usage: "Address clients use (default: the agent's)." },
    { name: "tag", kind: "list", placeholder: "<tag>", usage: "A tag; repeatable." },
    { name: "check-http", kind: "string", placeholder: "<path|url>", usage: "HTTP check of PATH on the service (2xx passing)." },
    { name: "check-tcp", kind: "bool", usage: "TCP connect check of the service's port." },
    { name: "ttl", kind: "string", placeholder: "<duration>", usage: "TTL check, passed every TTL/3 while the command runs." },
    { name: "interval", kind: "string", placeholder: "<duration>", usage: "Interval of HTTP/TCP checks (default 10s)." },
    { name: "deregister-critical-after", kind: "string", placeholder: "<duration>", usage: "Deregister after being critical this long." },
  ],
  async run({ io, flags, args, client }) {
    const name = flags.string("name");
    const port = flags.int("port");
    if (!name) throw new UsageError("-name is required");
    if (port === undefined || port < 0 || port > 65535) throw new UsageError("-port is required, from 0 to 65535");
    if (args.length === 0) throw new UsageError("give the command to run after --");
    const id = flags.string("id") ?? `${name}-${port}`;
    const address = flags.string("address");
    const check = checkDefinition(flags, address ?? "127.0.0.1", port);
    const agent: AgentClient = client();

    const child = spawn(args[0]!, args.slice(1), {
      stdio: "inherit", env: { ...io.env, PORT: String(port), DISCO_SERVICE_ID: id },
    });
    const exited = new Promise<number>((resolve) => {
      child.once("exit", (code, signal) => resolve(code ?? 128 + (signal ? signalNumber(signal) : 1)));
      child.once("error", (err) => {
        io.stderr(`disco run: cannot start ${args[0]}: ${err.message}\n`);
        resolve(127);
      });
    });
    const interrupts = io.interrupts();
    const forward = (): void => void child.kill((interrupts.reason as NodeJS.Signals | undefined) ?? "SIGTERM");
    interrupts.addEventListener("abort", forward, { once: true });

    let heartbeat: NodeJS.Timeout | undefined;
    try {
      await agent.request("PUT", "/v1/agent/service/register", {
        body: JSON.stringify({ Name: name, ID: id, Port: port, Address: address, Tags: flags.list("tag"), Check: check }),
      });
      io.stderr(`==> registered ${id} (${name}) on port ${port}\n`);
      if (check && "TTL" in check) {
        const periodMs = parseDuration(check["TTL"], "ttl") / 3;
        const pass = (): void => {
          agent.request("PUT", `/v1/agent/check/pass/${encodeURIComponent(`service:${id}`)}`, { query: { note: "disco run: process alive" } })
            .catch((err: unknown) => io.stderr(`disco run: heartbeat failed: ${(err as Error).message}\n`));
        };
        pass();
        heartbeat = setInterval(pass, periodMs);
      }
    } catch (err) {
      io.stderr(`disco run: could not register ${id}: ${(err as Error).message}; stopping the command\n`);
      child.kill("SIGTERM");
      await exited;
      interrupts.removeEventListener("abort", forward);
      return EXIT_SETUP_FAILED;
    }
    const code = await exited;
    if (heartbeat) clearInterval(heartbeat);
    interrupts.removeEventListener("abort", forward);
    try {
      await agent.request("PUT", `/v1/agent/service/deregister/${encodeURIComponent(id)}`, { accept: [404] });
      io.stderr(`==> deregistered ${id}; the command exited with ${code}\n`);
    } catch (err) {
      io.stderr(`disco run: could not deregister ${id}: ${(err as Error).message}\n`);
    }
    return code;
  },
};

function signalNumber(signal: NodeJS.Signals): number {
  const numbers: Partial<Record<NodeJS.Signals, number>> = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGKILL: 9, SIGTERM: 15 };
  return numbers[signal] ?? 1;
}
