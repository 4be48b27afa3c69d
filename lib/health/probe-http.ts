/**
 * One run of an HTTP check: a request on a fresh connection (no keep-alive
 * pool to hold the host's event loop), the body read up to the output cap,
 * then everything destroyed.
 *
 * @module
 */
import http from "node:http";
import https from "node:https";
import type { Socket } from "node:net";
import { CHECK_OUTPUT_BYTES_MAX } from "../util/limits.js";
import type { CheckResult, HttpCheckDefinition } from "./definition.js";
import { capOutput, decodePrefix } from "./output.js";
import type { Probe } from "./probe.js";
import { reasonText } from "./probe.js";

/** Sent unless the check sets its own, so health endpoints can tell probes from users (Consul does the same). */
const DEFAULT_HEADERS: Record<string, string> = {
  "user-agent": "disco Health Check",
  accept: "text/plain, text/*, */*",
};

/** Maps a status code to a check status as Consul does: 2xx passing, 429 warning, else critical. */
export function statusForHttpCode(code: number): CheckResult["status"] {
  if (code >= 200 && code <= 299) return "passing";
  if (code === 429) return "warning";
  return "critical";
}

/** The URL as shown in output, with any password hidden: output is readable by every catalog client. */
export function displayUrl(url: URL): string {
  if (url.password === "") return url.href;
  const shown = new URL(url.href);
  shown.password = "redacted";
  return shown.href;
}

/** Builds the probe for an HTTP check definition. */
export function createHttpProbe(def: HttpCheckDefinition): Probe {
  const prefix = `HTTP ${def.method} ${displayUrl(def.url)}`;
  const headers: Record<string, string | string[]> = { ...DEFAULT_HEADERS, ...def.headers };
  const transport = def.url.protocol === "https:" ? https : http;
  return (signal) => {
    let resolve!: (r: CheckResult) => void;
    const result = new Promise<CheckResult>((r) => (resolve = r));
    let done = false;
    let req: http.ClientRequest | undefined;
    const finish = (status: CheckResult["status"], text: string): void => {
      if (done) return;
      done = true;
      signal.removeEventListener("abort", onAbort);
      req?.destroy();
      resolve({ status, output: capOutput(`${prefix}: ${text}`) });
    };
    // Once the status line is in, a timeout only cuts the body short: the
    // status still comes from the code, as in Consul.
    let completeResponse: (() => void) | undefined;
    const onAbort = (): void => {
      if (completeResponse) completeResponse();
      else finish("critical", reasonText(signal.reason));
    };
    if (signal.aborted) {
      onAbort();
      return { result, settled: result.then(() => undefined) };
    }
    signal.addEventListener("abort", onAbort, { once: true });
    try {
      req = transport.request(def.url, {
        method: def.method,
        headers,
        agent: false,
        ...(def.url.protocol === "https:" ? { rejectUnauthorized: !def.tlsSkipVerify } : {}),
      });
    } catch (err) {
      finish("critical", reasonText(err));
      return { result, settled: result.then(() => undefined) };
    }
    // A probe in flight must not keep the host process alive by itself.
    req.on("socket", (socket: Socket) => socket.unref());
    // Kept for the request's whole life: errors after destroy() must never go unhandled.
    req.on("error", (err) => finish("critical", reasonText(err)));
    req.on("response", (res) => {
      res.on("error", () => {}); // an aborted body read ends the read below; the status is already known
      const code = res.statusCode ?? 0;
      const statusLine = `${code} ${res.statusMessage ?? ""}`.trimEnd();
      const chunks: Buffer[] = [];
      let bytes = 0;
      const complete = (): void => {
        const body = decodePrefix(Buffer.concat(chunks), CHECK_OUTPUT_BYTES_MAX);
        finish(statusForHttpCode(code), `${statusLine} Output: ${body}`);
      };
      completeResponse = complete;
      res.on("data", (chunk: Buffer) => {
        chunks.push(chunk);
        bytes += chunk.length;
        // Enough for the output: stop reading instead of downloading a large body.
        if (bytes >= CHECK_OUTPUT_BYTES_MAX) complete();
      });
      res.on("end", complete);
      res.on("close", complete);
    });
    req.end(def.body);
    return { result, settled: result.then(() => undefined) };
  };
}
