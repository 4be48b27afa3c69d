/**
 * What the DNS interface reads: a narrow view of the catalog.
 *
 * @module
 */
import type { HealthEntry, NodeRecord } from "../../catalog/types.js";
import { InvalidArgumentError } from "../../util/errors.js";

/** Instances to answer a name with, and where they are. */
export interface DnsInstances {
  /** The instances (already filtered: every one is answered). */
  entries: HealthEntry[];
  /** Their datacenter, which SRV target names carry. */
  datacenter: string;
  /** TTL of the records in seconds; undefined for the server's `ttlSeconds`. */
  ttlSeconds?: number | undefined;
}

/**
 * An answer that needs I/O (another datacenter, a prepared query's failover).
 * The server runs `load` at most once at a time per `key`, with a timeout, and
 * keeps its result briefly; `load` resolves undefined when the name does not
 * exist there (NXDOMAIN) and rejects when it cannot find out (SERVFAIL).
 */
export interface DnsDeferred {
  /** Names the data `load` fetches: equal keys share one load and its cached result. */
  key: string;
  load(signal: AbortSignal): Promise<DnsInstances | undefined>;
}

/** A name of another datacenter, as the DNS server asks {@link DnsSource.remote} about it. */
export type DnsRemoteLookup =
  | { kind: "service"; dc: string; service: string; tag: string | undefined }
  | { kind: "query"; dc: string; name: string };

/**
 * The catalog as the DNS server sees it. The agent builds one; keeping it
 * this narrow lets the server run against any catalog (local, Raft follower
 * with stale reads, a test double).
 *
 * Every call is synchronous and made on a cache miss only; `index()` is called
 * on every query and must be cheap. Only {@link DnsDeferred.load} may do I/O.
 */
export interface DnsSource {
  /** This agent's datacenter; names for another one go to {@link remote}, or answer NXDOMAIN without it. */
  readonly datacenter: string;
  /** Instances of a service with their node and checks (see CatalogState.healthService). */
  healthService(name: string, opts: { tag?: string; passingOnly: boolean }): HealthEntry[];
  /** A node by name, or undefined. */
  node(name: string): { node: NodeRecord } | undefined;
  /**
   * The catalog's global index. Encoded answers are reused until it moves,
   * so it must move whenever anything a DNS answer shows changes.
   */
  index(): number;
  /**
   * A prepared query by name or ID (`NAME.query.DOMAIN`): its instances when the
   * local catalog answers it, a deferred failover to other datacenters, or
   * undefined when there is no such query (NXDOMAIN). Optional: without it every
   * such name answers NXDOMAIN. Local answers are cached until `index()` moves.
   */
  query?(name: string): DnsInstances | DnsDeferred | undefined;
  /**
   * A name in another datacenter: a deferred lookup there, or undefined when
   * that datacenter is known not to exist (NXDOMAIN). Optional: without it such
   * names answer NXDOMAIN.
   */
  remote?(lookup: DnsRemoteLookup): DnsDeferred | undefined;
}

/** Whether a {@link DnsSource.query} answer needs a load. */
export function isDeferred(x: DnsInstances | DnsDeferred): x is DnsDeferred {
  return typeof (x as DnsDeferred).load === "function";
}

/** The catalog reads {@link catalogDnsSource} needs; `CatalogState` has them. */
export interface CatalogReads {
  healthService(name: string, query: { tag?: string; passingOnly?: boolean }): HealthEntry[];
  node(name: string): NodeRecord | undefined;
  readonly lastIndex: number;
}

/**
 * A {@link DnsSource} over a catalog state. `state` is called on every read, so
 * a state swapped by a snapshot restore is picked up (its index moves too).
 * @param datacenter this agent's datacenter.
 * @param state returns the current catalog state (e.g. `() => catalog.state`).
 */
export function catalogDnsSource(datacenter: string, state: () => CatalogReads): DnsSource {
  return {
    datacenter,
    healthService: (name, opts) => state().healthService(name, opts),
    node: (name) => {
      const node = state().node(name);
      return node ? { node } : undefined;
    },
    index: () => state().lastIndex,
  };
}

/**
 * Checks a source's shape once at start, so a wiring mistake fails loudly
 * instead of as SERVFAIL on every query.
 * @throws InvalidArgumentError naming the bad member.
 */
export function checkDnsSource(source: DnsSource): void {
  if (typeof source !== "object" || source === null) throw new InvalidArgumentError("source", "must be an object");
  if (typeof source.datacenter !== "string" || source.datacenter.length === 0) {
    throw new InvalidArgumentError("source.datacenter", "must be a non-empty string");
  }
  for (const fn of ["healthService", "node", "index"] as const) {
    if (typeof source[fn] !== "function") throw new InvalidArgumentError(`source.${fn}`, "must be a function");
  }
  for (const fn of ["query", "remote"] as const) {
    if (source[fn] !== undefined && typeof source[fn] !== "function") {
      throw new InvalidArgumentError(`source.${fn}`, "must be a function when given");
    }
  }
}
