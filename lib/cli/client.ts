/**
 * A small client for the agent's Consul-compatible HTTP API, on the global
 * `fetch`. It finds the agent from -http-addr, DISCO_HTTP_ADDR or
 * CONSUL_HTTP_ADDR, and turns every failure into one typed error.
 *
 * @module
 */
import { AgentResponseError, AgentUnreachableError, EndpointMissingError, UsageError } from "./errors.js";

/** Where `disco agent` serves HTTP by default (Consul's port). */
export const DEFAULT_HTTP_ADDR = "127.0.0.1:8500";

/**
 * Deadline of one ordinary request. A local agent answers in milliseconds; a
 * minute covers a slow fsync on a loaded disk and still ends a hung call.
 */
export const REQUEST_TIMEOUT_MS = 60_000;

/**
 * Extra time a blocking query may take beyond its `wait`: the agent adds up
 * to wait/16 of jitter (Consul's rule), plus room for the answer to arrive.
 */
export const BLOCKING_TIMEOUT_MARGIN_MS = 5_000;

/** Query parameters: `true` sends a bare flag (`?recurse`), `false`/`undefined` are left out. */
export type Query = Record<string, string | number | boolean | undefined>;

/** An answer from the agent. */
export interface AgentResponse {
  status: number;
  /** X-Consul-Index, or 0 when absent. */
  index: number;
  body: Buffer;
  text(): string;
  json<T>(): T;
}

/** Options of one request. */
export interface RequestOptions {
  query?: Query;
  body?: string | Uint8Array;
  /** Statuses returned instead of thrown (e.g. 404 for a missing key). 2xx always are. */
  accept?: readonly number[];
  /** Deadline of this request. @defaultValue {@link REQUEST_TIMEOUT_MS} */
  timeoutMs?: number;
}

/**
 * The agent's base URL from the flag, then DISCO_HTTP_ADDR, then
 * CONSUL_HTTP_ADDR, then {@link DEFAULT_HTTP_ADDR}. Accepts `host:port` or
 * `http(s)://host:port`.
 * @throws UsageError for another scheme (unix sockets are not supported).
 */
export function resolveHttpAddress(flag: string | undefined, env: Readonly<Record<string, string | undefined>>): string {
  const raw = (flag || env["DISCO_HTTP_ADDR"] || env["CONSUL_HTTP_ADDR"] || DEFAULT_HTTP_ADDR).trim();
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : `http://${raw}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new UsageError(`invalid -http-addr "${raw}": must be host:port or http://host:port`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new UsageError(`invalid -http-addr "${raw}": only http:// and https:// are supported`);
  }
  return `${url.protocol}//${url.host}`;
}

/** Encodes a KV key or other path tail segment by segment, keeping its slashes. */
export function encodePath(path: string): string {
  return path.split("/").map(encodeURIComponent).join("/");
}

function describeFetchError(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  if (cause?.message) return cause.message;
  if (cause?.code) return cause.code;
  return err instanceof Error ? err.message : String(err);
}

/** Talks to one agent. */
export class AgentClient {
  /**
   * @param baseUrl - e.g. `http://127.0.0.1:8500` (see {@link resolveHttpAddress}).
   * @param options.signal - aborts every request (the user asked to stop).
   * @param options.datacenter - sent as `?dc=` on every request, as Consul's -datacenter.
   * @param options.token - sent as X-Consul-Token (accepted for compatibility; no ACLs here).
   */
  constructor(
    readonly baseUrl: string,
    private readonly options: { signal?: AbortSignal; datacenter?: string; token?: string } = {},
  ) {}

  /**
   * Sends one request.
   * @throws AgentUnreachableError when nothing answers; EndpointMissingError when
   *   the agent has no such endpoint; AgentResponseError for any other error status.
   */
  async request(method: string, path: string, options: RequestOptions = {}): Promise<AgentResponse> {
    const url = new URL(this.baseUrl + path);
    const query: Query = { dc: this.options.datacenter, ...options.query };
    for (const [k, v] of Object.entries(query)) {
      if (v === undefined || v === false) continue;
      url.searchParams.set(k, v === true ? "" : String(v));
    }
    const timeout = AbortSignal.timeout(options.timeoutMs ?? REQUEST_TIMEOUT_MS);
    const signal = this.options.signal ? AbortSignal.any([this.options.signal, timeout]) : timeout;
    const headers: Record<string, string> = {};
    if (this.options.token) headers["X-Consul-Token"] = this.options.token;
    let res: Response;
    try {
      res = await fetch(url, { method, body: options.body, headers, signal });
    } catch (err) {
      if (this.options.signal?.aborted) throw err;
      const detail = timeout.aborted ? `no answer within ${options.timeoutMs ?? REQUEST_TIMEOUT_MS} ms` : describeFetchError(err);
      throw new AgentUnreachableError(this.baseUrl, detail, { cause: err });
    }
    const body = Buffer.from(await res.arrayBuffer());
    const text = (): string => body.toString("utf8");
    if ((res.status < 200 || res.status > 299) && !options.accept?.includes(res.status)) {
      if (res.status === 404 && text().startsWith("404 page not found")) throw new EndpointMissingError(method, path);
      throw new AgentResponseError(res.status, text());
    }
    return {
      status: res.status,
      index: Number(res.headers.get("x-consul-index") ?? 0) || 0,
      body,
      text,
      json: <T>() => {
        try {
          return JSON.parse(text()) as T;
        } catch {
          throw new AgentResponseError(res.status, `the agent answered something that is not JSON: ${text().slice(0, 80)}`);
        }
      },
    };
  }

  /** GET and parse JSON. */
  async getJson<T>(path: string, query?: Query): Promise<T> {
    return (await this.request("GET", path, { query })).json<T>();
  }
}
