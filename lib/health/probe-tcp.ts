/**
 * One run of a TCP check: connect, then destroy the socket at once.
 *
 * @module
 */
import net from "node:net";
import type { CheckResult, TcpCheckDefinition } from "./definition.js";
import { capOutput } from "./output.js";
import type { Probe } from "./probe.js";
import { reasonText } from "./probe.js";
import { formatHostPort } from "./parse-targets.js";

/** Builds the probe for a TCP check definition. */
export function createTcpProbe(def: TcpCheckDefinition): Probe {
  const prefix = `TCP connect ${formatHostPort(def.host, def.port)}`;
  return (signal) => {
    let resolve!: (r: CheckResult) => void;
    const result = new Promise<CheckResult>((r) => (resolve = r));
    const settled = result.then(() => undefined);
    let done = false;
    let socket: net.Socket | undefined;
    const finish = (status: CheckResult["status"], text: string): void => {
      if (done) return;
      done = true;
      signal.removeEventListener("abort", onAbort);
      socket?.destroy();
      resolve({ status, output: capOutput(`${prefix}: ${text}`) });
    };
    const onAbort = (): void => finish("critical", reasonText(signal.reason));
    if (signal.aborted) {
      onAbort();
      return { result, settled };
    }
    signal.addEventListener("abort", onAbort, { once: true });
    try {
      socket = net.connect({ host: def.host, port: def.port });
    } catch (err) {
      finish("critical", reasonText(err));
      return { result, settled };
    }
    // A probe in flight must not keep the host process alive by itself.
    socket.unref();
    // Kept for the socket's whole life: errors after destroy() must never go unhandled.
    socket.on("error", (err) => finish("critical", reasonText(err)));
    socket.once("connect", () => finish("passing", "Success"));
    return { result, settled };
  };
}
