/**
 * Request helpers: query parameters, bodies with a size limit, blocking-query
 * parameters, and the response writers that add Consul's headers.
 *
 * @module
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { BLOCKING_WAIT_MS_DEFAULT, BLOCKING_WAIT_MS_MAX } from "../../util/limits.js";
import { parseDuration } from "../../util/duration.js";
import { HttpError } from "./errors.js";

/** Largest request body read: a 512 KiB KV value plus room for a txn's base64 and JSON. */
export const HTTP_BODY_BYTES_MAX = 1024 * 1024;

/** A parsed request. */
export interface ApiRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  /** Path parameters from the route pattern, URL-decoded; `*` is the rest of the path. */
  params: Record<string, string>;
  raw: IncomingMessage;
  /** Fires when the client goes away (ends blocking queries early). */
  signal: AbortSignal;
  /**
   * The query string as received, without the `?` (it keys cached answers);
   * absent when the request was built by other means than {@link parseTarget}.
   */
  search?: string;
}

/**
 * A path whose characters WHATWG URL parsing keeps as they are: no dot
 * segments to resolve, no backslash, nothing to percent-encode, no `//`
 * that would read as a host.
 */
const PATH_VERBATIM = /^\/(?![/\\])[A-Za-z0-9\-._~!$&'()*+,;=:@%/]*$/;
/** `.` and `..` segments, plain or percent-encoded, which URL parsing resolves. */
const DOT_SEGMENT = /\/(?:\.|%2e){1,2}(?:\/|$)/i;
/** A query of printable ASCII without `#`: URLSearchParams reads it as URL would. */
const QUERY_VERBATIM = /^[\x21\x22\x24-\x7e]*$/;

/**
 * Splits a request target into its path and query as `new URL(target, base)`
 * would, without building a URL when the target needs no normalising (the
 * common case, and a measurable share of a cached read's cost).
 */
export function parseTarget(target: string): { path: string; query: URLSearchParams; search: string } {
  const q = target.indexOf("?");
  const path = q < 0 ? target : target.slice(0, q);
  const search = q < 0 ? "" : target.slice(q + 1);
  if (PATH_VERBATIM.test(path) && !DOT_SEGMENT.test(path) && QUERY_VERBATIM.test(search)) {
    return { path, query: new URLSearchParams(search), search };
  }
  const url = new URL(target, "http://agent");
  return { path: url.pathname, query: url.searchParams, search: url.search.slice(1) };
}

/** Whether a boolean query flag is present (`?recurse`, `?recurse=true`; `=false` is off). */
export function flag(query: URLSearchParams, name: string): boolean {
  if (!query.has(name)) return false;
  const v = query.get(name);
  return v !== "false" && v !== "0";
}

/** An integer query parameter, or undefined when absent. @throws HttpError 400 when malformed. */
export function intParam(query: URLSearchParams, name: string): number | undefined {
  const v = query.get(name);
  if (v === null || v === "") return undefined;
  if (!/^\d+$/.test(v) || !Number.isSafeInteger(Number(v))) throw new HttpError(400, `Invalid ${name} parameter: "${v}"`);
  return Number(v);
}

/** Blocking parameters: `index` (0 = answer at once) and `wait` (default 5 min, capped at 10 min). */
export function blockingParams(query: URLSearchParams): { index: number; waitMs: number } {
  const index = intParam(query, "index") ?? 0;
  let waitMs = BLOCKING_WAIT_MS_DEFAULT;
  const wait = query.get("wait");
  if (wait !== null && wait !== "") {
    try {
      waitMs = parseDuration(/^\d+$/.test(wait) ? `${wait}s` : wait, "wait");
    } catch {
      throw new HttpError(400, `Invalid wait time: "${wait}"`);
    }
  }
  return { index, waitMs: Math.min(waitMs, BLOCKING_WAIT_MS_MAX) };
}

/** Reads the body as bytes, refusing it before reading when it is declared too large. */
export async function readBody(req: IncomingMessage, limit = HTTP_BODY_BYTES_MAX): Promise<Buffer> {
  const declared = Number(req.headers["content-length"] ?? "0");
  if (declared > limit) throw new HttpError(413, `Request body too large: ${declared} bytes, the limit is ${limit}`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new HttpError(413, `Request body too large: over ${limit} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** Reads and parses a JSON body; an empty body is `undefined`. @throws HttpError 400 on bad JSON. */
export async function readJson(req: IncomingMessage): Promise<unknown> {
  const body = await readBody(req);
  if (body.length === 0) return undefined;
  try {
    return JSON.parse(body.toString("utf8"));
  } catch (err) {
    throw new HttpError(400, `Request decode failed: ${(err as Error).message}`);
  }
}

/** Consul's read headers. The index is never 0; LastContact is how stale a `?stale` read may be (ms). */
export function consulHeaders(
  res: ServerResponse, index: number,
  leader: { knownLeader: boolean; lastContactMs: number } = { knownLeader: true, lastContactMs: 0 },
  consistency = "leader",
): void {
  const list = consulHeaderList(index, leader, consistency);
  for (let i = 0; i < list.length; i += 2) res.setHeader(list[i]!, list[i + 1]!);
}

/** {@link consulHeaders} as a flat name, value, name, value… list, for one writeHead call. */
export function consulHeaderList(
  index: number, leader: { knownLeader: boolean; lastContactMs: number }, consistency: string,
): string[] {
  return [
    "X-Consul-Index", String(Math.max(1, index)),
    "X-Consul-KnownLeader", String(leader.knownLeader),
    "X-Consul-LastContact", String(leader.lastContactMs),
    "X-Consul-Effective-Consistency", consistency,
  ];
}

/** Writes a JSON body. */
export function sendJson(res: ServerResponse, status: number, body: unknown, pretty = false): void {
  const text = pretty ? JSON.stringify(body, null, 4) : JSON.stringify(body);
  res.statusCode = status;
  res.setHeader("Content-Type", "application/json");
  res.setHeader("Content-Length", Buffer.byteLength(text));
  res.end(text);
}

/** Writes a plain-text body. */
export function sendText(res: ServerResponse, status: number, text: string, contentType = "text/plain; charset=utf-8"): void {
  res.statusCode = status;
  res.setHeader("Content-Type", contentType);
  res.setHeader("Content-Length", Buffer.byteLength(text));
  res.end(text);
}
