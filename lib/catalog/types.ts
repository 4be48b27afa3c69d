/**
 * The catalog's data model: Consul's nodes, services, checks, KV entries and
 * sessions, in camelCase. The HTTP API maps these to Consul's field names.
 *
 * @module
 */

/** Health of a check, and so of the instances it covers. */
export type CheckStatus = "passing" | "warning" | "critical";

/** A node (a machine or process running an agent). */
export interface NodeRecord {
  /** Node name, unique in the datacenter. */
  node: string;
  /** Node ID (UUID-shaped); defaults to a value derived from the name. */
  id: string;
  /** Address other nodes reach it at. */
  address: string;
  /** Datacenter name. */
  datacenter: string;
  /** Free-form metadata (served as DNS TXT records). */
  meta: Record<string, string>;
  createIndex: number;
  modifyIndex: number;
}

/** Load-balancing weights by health, as Consul's `Weights`. */
export interface ServiceWeights {
  /** Weight when all checks pass. @defaultValue 1 */
  passing: number;
  /** Weight when the worst check is warning. @defaultValue 1 */
  warning: number;
}

/** One registered service instance on one node. */
export interface ServiceRecord {
  /** The node the instance runs on. */
  node: string;
  /** Instance ID, unique on its node. Defaults to the service name. */
  id: string;
  /** Service name. */
  service: string;
  tags: string[];
  /** Address of the instance; empty means the node's address. */
  address: string;
  port: number;
  meta: Record<string, string>;
  weights: ServiceWeights;
  createIndex: number;
  modifyIndex: number;
}

/** Kinds of check. `serf` is the node-liveness check kept by gossip. */
export type CheckType = "ttl" | "http" | "tcp" | "function" | "serf" | "";

/** A health check, of a node (serviceId "") or of one service instance. */
export interface CheckRecord {
  node: string;
  /** Check ID, unique on its node; a service's single check is `service:<serviceId>`. */
  checkId: string;
  name: string;
  /** The instance it covers, or "" for a node-level check. */
  serviceId: string;
  /** The service name of that instance, or "". */
  serviceName: string;
  status: CheckStatus;
  /** Last output, capped at CHECK_OUTPUT_BYTES_MAX. */
  output: string;
  notes: string;
  type: CheckType;
  /** Run interval in ms for http/tcp/function checks, else 0. */
  intervalMs: number;
  /** Per-run timeout in ms, else 0. */
  timeoutMs: number;
  /** TTL in ms for ttl checks, else 0. */
  ttlMs: number;
  /** Deregister the instance after it has been critical this long (ms); 0 = never. */
  deregisterCriticalAfterMs: number;
  createIndex: number;
  modifyIndex: number;
}

/** A KV entry. */
export interface KvEntry {
  key: string;
  value: Buffer;
  /** Opaque 64-bit-ish number for the application (stored as a JS number). */
  flags: number;
  createIndex: number;
  modifyIndex: number;
  /** How many times the key's lock has been acquired. */
  lockIndex: number;
  /** The session holding the lock, if any. */
  session?: string;
}

/** What happens to a session's locks when it is invalidated. */
export type SessionBehavior = "release" | "delete";

/** A session: a lease tied to a node and its checks, used for locks. */
export interface SessionRecord {
  id: string;
  name: string;
  node: string;
  /** Check IDs on the node; a check going critical invalidates the session. */
  checks: string[];
  /** 0 = no TTL; else the agent destroys the session if not renewed within it. */
  ttlMs: number;
  behavior: SessionBehavior;
  /** After invalidation, its locks cannot be re-acquired for this long (ms). */
  lockDelayMs: number;
  createIndex: number;
  modifyIndex: number;
}

/** A service instance joined with its node and checks, as /v1/health/service answers. */
export interface HealthEntry {
  node: NodeRecord;
  service: ServiceRecord;
  /** The node's checks (e.g. serfHealth) and the instance's own checks. */
  checks: CheckRecord[];
  /** Worst status of `checks`. */
  status: CheckStatus;
}
