/**
 * Where templates get their data: a {@link TemplateSource} answers one
 * dependency at a time with a blocking read, as Consul's `?index=&wait=`
 * queries do. Two implementations: over HTTP (`httpTemplateSource`, used by
 * `disco template`) and in-process over an agent's catalog
 * (`catalogTemplateSource`).
 *
 * @module
 */
import { DiscoError } from "../util/errors.js";
import type { Dependency } from "./dependency.js";

/** Options of one blocking read. */
export interface FetchOptions {
  /**
   * The index of the last answer seen; 0 for the first read (answers at
   * once). With index > 0 the read waits until the data's index passes it, or
   * `waitMs` passes.
   */
  index: number;
  /** Longest wait in ms before answering unchanged. */
  waitMs: number;
  /** Aborts the read (rejects). */
  signal: AbortSignal;
}

/** One answer: the data and its index (Consul's X-Consul-Index). */
export interface FetchResult {
  /**
   * The data, in Consul's JSON shapes:
   * - `health-service`: the `/v1/health/service/:name` array (`[{Node, Service, Checks}]`);
   * - `catalog-services`: `{ name: [tags] }`;
   * - `catalog-nodes`: `[{ID, Node, Address, Datacenter, TaggedAddresses, Meta}]`;
   * - `catalog-node`: `{Node, Services: {id: service}}`, or undefined when there is no such node;
   * - `kv-get`: one entry `{Key, Value (base64 or null), Flags, CreateIndex, ModifyIndex, LockIndex, Session?}`,
   *   or undefined when the key does not exist;
   * - `kv-list`: an array of such entries (empty when none).
   */
  value: unknown;
  /** The data's index; > 0. A smaller index than before means the source was reset. */
  index: number;
}

/** Blocking reads of template dependencies. */
export interface TemplateSource {
  /**
   * Reads a dependency, waiting as {@link FetchOptions} says.
   * @throws ClosedError when the source (or its agent) is closed for good:
   *   watchers stop instead of retrying. Other errors are retried with backoff.
   */
  fetch(dep: Dependency, options: FetchOptions): Promise<FetchResult>;
  /** Releases what the source holds (connections). Optional. */
  close?(): void;
}

/** A source could not answer (unreachable agent, error status, malformed answer). Retried with backoff. */
export class TemplateSourceError extends DiscoError {
  /** The HTTP status, when the agent answered with one. */
  readonly status: number | undefined;
  constructor(message: string, status?: number, options?: { cause?: unknown }) {
    super(status === undefined ? "CLOSED" : "PROTOCOL", message, options);
    this.status = status;
  }
}
