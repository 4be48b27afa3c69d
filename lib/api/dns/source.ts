/**
 * What the DNS interface reads: a narrow view of the catalog.
 *
 * @module
 */
import type { HealthEntry, NodeRecord } from "../../catalog/types.js";
import { InvalidArgumentError } from "../../util/errors.js";

/**
 * The catalog as the DNS server sees it. The agent builds one; keeping it
 * this narrow lets the server run against any catalog (local, Raft follower
 * with stale reads, a test double).
 *
 * Every call is synchronous and made on a cache miss only; `index()` is called
 * on every query and must be cheap.
 */
export interface DnsSource {
  /** This agent's datacenter; names for another one answer NXDOMAIN. */
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
}
