/**
 * A {@link TemplateSource} over an agent's Consul-compatible HTTP API, with
 * blocking queries (`?index=&wait=`), as consul-template talks to Consul.
 *
 * @module
 */
import { InvalidConfigError } from "../util/errors.js";
import type { Dependency } from "./dependency.js";
import { TemplateSourceError, type FetchOptions, type FetchResult, type TemplateSource } from "./source.js";

/**
 * Time allowed for an answer beyond the blocking wait: the agent adds up to
 * wait/16 of jitter (Consul's rule), plus this margin for the answer to arrive.
 */
export const HTTP_ANSWER_MARGIN_MS = 5_000;

/** Largest answer read from the agent: a catalog of tens of thousands of instances fits. */
export const HTTP_ANSWER_BYTES_MAX = 64 * 1024 * 1024;

/** Options of {@link httpTemplateSource}. */
export interface HttpSourceOptions {
  /** The agent's base URL, `http://host:port` (the CLI resolves -http-addr / DISCO_HTTP_ADDR / CONSUL_HTTP_ADDR). */
  address: string;
  /** ACL token sent as X-Consul-Token (accepted for compatibility). */
  token?: string;
  /** The fetch implementation. @defaultValue the global fetch */
  fetch?: typeof fetch;
}

function encodePath(path: string): string {
  return path.split("/").map(encodeURIComponent).join("/");
}

/** The path and query of a dependency's blocking read. */
export function requestFor(dep: Dependency, nodeName: string): { path: string; query: URLSearchParams } {
  const query = new URLSearchParams();
  if (dep.dc) query.set("dc", dep.dc);
  switch (dep.kind) {
    case "health-service":
      if (dep.tag !== undefined) query.set("tag", dep.tag);
      if (dep.passingOnly) query.set("passing", "");
      return { path: `/v1/health/service/${encodeURIComponent(dep.name)}`, query };
    case "catalog-services":
      return { path: "/v1/catalog/services", query };
    case "catalog-nodes":
      return { path: "/v1/catalog/nodes", query };
    case "catalog-node":
      return { path: `/v1/catalog/node/${encodeURIComponent(dep.name || nodeName)}`, query };
    case "kv-get":
      return { path: `/v1/kv/${encodePath(dep.key)}`, query };
    case "kv-list":
      query.set("recurse", "");
      return { path: `/v1/kv/${encodePath(dep.prefix)}`, query };
  }
}

/**
 * A source reading an agent's HTTP API.
 * @throws InvalidConfigError when `address` is not an http(s) URL.
 */
export function httpTemplateSource(options: HttpSourceOptions): TemplateSource {
  let base: URL;
  try {
    base = new URL(options.address);
  } catch {
    throw new InvalidConfigError("address", `must be a URL such as http://127.0.0.1:8500, got "${options.address}"`);
  }
  if (base.protocol !== "http:" && base.protocol !== "https:") {
    throw new InvalidConfigError("address", `must be http:// or https://, got "${options.address}"`);
  }
  const doFetch = options.fetch ?? fetch;
  const headers: Record<string, string> = options.token ? { "X-Consul-Token": options.token } : {};
  let selfName: Promise<string> | undefined;

  const get = async (path: string, query: URLSearchParams, signal: AbortSignal): Promise<{ status: number; index: number; body: string }> => {
    const url = new URL(path, base);
    url.search = query.toString().replace(/=(?=&|$)/g, "");
    let res: Response;
    try {
      res = await doFetch(url, { headers, signal });
    } catch (err) {
      if (signal.aborted) throw err;
      const cause = (err as { cause?: { message?: string; code?: string } }).cause;
      throw new TemplateSourceError(`cannot reach the agent at ${base.origin}: ${cause?.message ?? cause?.code ?? (err as Error).message}`, undefined, { cause: err });
    }
    const declared = Number(res.headers.get("content-length") ?? "0");
    if (declared > HTTP_ANSWER_BYTES_MAX) {
      await res.body?.cancel();
      throw new TemplateSourceError(`answer of ${declared} bytes from ${path} is over ${HTTP_ANSWER_BYTES_MAX}`, res.status);
    }
    const body = await res.text();
    const index = Number(res.headers.get("x-consul-index") ?? "0");
    return { status: res.status, index: Number.isSafeInteger(index) && index > 0 ? index : 0, body };
  };

  const nodeName = (signal: AbortSignal): Promise<string> => {
    selfName ??= get("/v1/agent/self", new URLSearchParams(), signal).then((r) => {
      const name = (JSON.parse(r.body) as { Config?: { NodeName?: unknown } }).Config?.NodeName;
      if (r.status !== 200 || typeof name !== "string") throw new TemplateSourceError("cannot learn the agent's node name from /v1/agent/self", r.status);
      return name;
    }).catch((err: unknown) => {
      selfName = undefined;
      throw err;
    });
    return selfName;
  };

  return {
    async fetch(dep: Dependency, o: FetchOptions): Promise<FetchResult> {
      const name = dep.kind === "catalog-node" && dep.name === "" ? await nodeName(o.signal) : "";
      const { path, query } = requestFor(dep, name);
      if (o.index > 0) {
        query.set("index", String(o.index));
        query.set("wait", `${Math.max(1, Math.round(o.waitMs))}ms`);
      }
      const deadline = AbortSignal.timeout(Math.ceil(o.waitMs + o.waitMs / 16 + HTTP_ANSWER_MARGIN_MS));
      const r = await get(path, query, AbortSignal.any([o.signal, deadline]));
      if (r.status === 404 && (dep.kind === "kv-get" || dep.kind === "kv-list")) {
        return { value: dep.kind === "kv-get" ? undefined : [], index: r.index };
      }
      if (r.status !== 200) {
        throw new TemplateSourceError(`${path}: unexpected response code ${r.status}${r.body ? ` (${r.body.trim().split("\n")[0]})` : ""}`, r.status);
      }
      let value: unknown;
      try {
        value = JSON.parse(r.body) as unknown;
      } catch (err) {
        throw new TemplateSourceError(`${path}: answer is not JSON`, r.status, { cause: err });
      }
      if (dep.kind === "kv-get") value = Array.isArray(value) ? value[0] : undefined;
      if (value === null) value = undefined;
      return { value, index: r.index };
    },
  };
}
