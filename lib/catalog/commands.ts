/**
 * The commands the catalog state machine applies, and their wire form.
 *
 * Commands are what the Raft log carries. Anything that depends on time carries
 * `nowMs`, stamped once by the proposer, so every replica applying the same log
 * reaches the same state.
 *
 * @module
 */
import { Packr } from "msgpackr";
import { DiscoError, InvalidArgumentError, MalformedPacketError } from "../util/errors.js";
import type { CheckStatus, CheckType, SessionBehavior, ServiceWeights } from "./types.js";
import { checkCommand } from "./validate.js";
import type { QueryCommand } from "./query-commands.js";

/** The node part of a register command. */
export interface NodeInput {
  /** Node name, unique in the datacenter. */
  node: string;
  /** Node ID; when omitted a new node gets one derived from its name, an existing node keeps its own. */
  id?: string;
  /** Address other nodes reach it at (required, as in Consul). */
  address: string;
  /** Must be the catalog's datacenter when given. */
  datacenter?: string;
  /** Replaces the node's meta. @defaultValue `{}` */
  meta?: Record<string, string>;
}

/** The service part of a register command. */
export interface ServiceInput {
  /** Instance ID, unique on the node; "" means the service name. */
  id: string;
  /** Service name. */
  service: string;
  /** @defaultValue `[]` */
  tags?: string[];
  /** @defaultValue "" (use the node's address) */
  address?: string;
  port: number;
  /** @defaultValue `{}` */
  meta?: Record<string, string>;
  /** @defaultValue `{ passing: 1, warning: 1 }` */
  weights?: ServiceWeights;
}

/** One check of a register command. */
export interface CheckInput {
  checkId: string;
  /** @defaultValue the check ID */
  name?: string;
  /** The instance it covers; omitted or "" for a node-level check. Must name a service on the node. */
  serviceId?: string;
  status: CheckStatus;
  /** Truncated to CHECK_OUTPUT_BYTES_MAX bytes. @defaultValue "" */
  output?: string;
  notes?: string;
  /** @defaultValue "" */
  type?: CheckType;
  intervalMs?: number;
  timeoutMs?: number;
  ttlMs?: number;
  deregisterCriticalAfterMs?: number;
}

/** The session part of a session-create command. */
export interface SessionInput {
  /** Session ID, chosen by the proposer (a UUID), so apply stays deterministic. */
  id: string;
  /** @defaultValue "" */
  name?: string;
  /** The node the session is tied to; must exist. */
  node: string;
  /** Check IDs on the node; each must exist and not be critical. @defaultValue ["serfHealth"] if the node has it, else [] */
  checks?: string[];
  /** 0 = no TTL, else within [SESSION_TTL_MS_MIN, SESSION_TTL_MS_MAX]. @defaultValue 0 */
  ttlMs?: number;
  /** @defaultValue "release" */
  behavior?: SessionBehavior;
  /** @defaultValue 15000 (Consul's) */
  lockDelayMs?: number;
}

/** Consul /v1/txn KV verbs. */
export type KvTxnVerb =
  | "set"
  | "cas"
  | "lock"
  | "unlock"
  | "get"
  | "get-tree"
  | "check-index"
  | "check-session"
  | "check-not-exists"
  | "delete"
  | "delete-tree"
  | "delete-cas";

/** One KV operation of a transaction (Consul's TxnKVOp). */
export interface KvTxnOp {
  verb: KvTxnVerb;
  /** The key, or the prefix for get-tree and delete-tree. */
  key: string;
  /** For set, cas, lock, unlock. @defaultValue empty */
  value?: Uint8Array;
  /** For set, cas, lock, unlock. @defaultValue 0 */
  flags?: number;
  /** Expected ModifyIndex, for cas, check-index, delete-cas (0 = must not exist, for cas). */
  index?: number;
  /** Session, for lock, unlock, check-session. */
  session?: string;
}

/**
 * Upserts a node and optionally one service and some checks
 * (Consul's /v1/catalog/register). `nowMs`, when given, dates the lock delay
 * of sessions invalidated by a check registered critical; without it they get none.
 */
export interface RegisterCommand {
  op: "register";
  node: NodeInput;
  service?: ServiceInput;
  checks?: CheckInput[];
  nowMs?: number;
}

/**
 * Removes a whole node (with its services, checks and sessions), or one service
 * (with its checks), and/or one check. `nowMs` as for {@link RegisterCommand}.
 */
export interface DeregisterCommand {
  op: "deregister";
  node: string;
  serviceId?: string;
  checkId?: string;
  nowMs?: number;
}

/** Changes the status (and output, when given) of an existing check. */
export interface CheckUpdateCommand {
  op: "check-update";
  node: string;
  checkId: string;
  status: CheckStatus;
  output?: string;
  nowMs: number;
}

/** Consul's KV PUT: result value is a boolean. */
export interface KvSetCommand {
  op: "kv-set";
  key: string;
  value: Uint8Array;
  /** @defaultValue 0 */
  flags?: number;
  /** Write only if the key's ModifyIndex is this; 0 = only if absent. */
  cas?: number;
  /** Session acquiring the key's lock. */
  acquire?: string;
  /** Session releasing the key's lock. */
  release?: string;
  nowMs: number;
}

/** Consul's KV DELETE: result value is a boolean. */
export interface KvDeleteCommand {
  op: "kv-delete";
  key: string;
  /** Delete every key under `key` as a prefix. */
  recurse?: boolean;
  /** Delete only if the key's ModifyIndex is this (an absent key counts as deleted). */
  cas?: number;
}

/** Consul's /v1/txn (KV verbs only): all or nothing. */
export interface KvTxnCommand {
  op: "kv-txn";
  ops: KvTxnOp[];
  nowMs: number;
}

/** Creates a session: result value is its ID. */
export interface SessionCreateCommand {
  op: "session-create";
  session: SessionInput;
  nowMs: number;
}

/** Destroys a session, releasing or deleting its locks; idempotent. */
export interface SessionDestroyCommand {
  op: "session-destroy";
  id: string;
  nowMs: number;
}

/**
 * Renews a TTL session: the leader's TTL keeper restarts its clock when it
 * sees the renewal applied. Moves no watch index (nothing a reader sees
 * changes), as Consul's renew. Fails when the session no longer exists.
 */
export interface SessionRenewCommand {
  op: "session-renew";
  id: string;
  nowMs: number;
}

/**
 * Replaces the whole state with a snapshot's (Consul's snapshot restore). It
 * travels through the log like any write, so every replica swaps at the same
 * index and nothing is half-applied; everything the restored state holds is
 * stamped with this entry's index, so indexes keep going up (apply-restore.ts).
 */
export interface RestoreCommand {
  op: "restore";
  /** Bytes of `CatalogState.snapshot()`; a corrupt snapshot is an error result that changes nothing. */
  snapshot: Uint8Array;
  nowMs?: number;
}

/**
 * The restore command when `raw` is one, else undefined. Its snapshot bytes
 * are checked by apply (a corrupt snapshot is an error result), not here.
 * @throws InvalidArgumentError when it says "restore" without snapshot bytes.
 */
export function asRestoreCommand(raw: unknown): RestoreCommand | undefined {
  if (typeof raw !== "object" || raw === null || (raw as { op?: unknown }).op !== "restore") return undefined;
  const { snapshot, nowMs } = raw as { snapshot?: unknown; nowMs?: unknown };
  if (!(snapshot instanceof Uint8Array)) throw new InvalidArgumentError("snapshot", "must be bytes");
  if (nowMs !== undefined && typeof nowMs !== "number") throw new InvalidArgumentError("nowMs", "must be a number");
  return nowMs === undefined ? { op: "restore", snapshot } : { op: "restore", snapshot, nowMs };
}

/** Every command the catalog applies, discriminated on `op`. */
export type CatalogCommand =
  | RestoreCommand
  | RegisterCommand
  | DeregisterCommand
  | CheckUpdateCommand
  | KvSetCommand
  | KvDeleteCommand
  | KvTxnCommand
  | SessionCreateCommand
  | SessionDestroyCommand
  | SessionRenewCommand
  | QueryCommand;

// Plain maps, no record extension: the log must stay readable by any msgpack
// decoder, and encoding must not depend on what was encoded before.
const packr = new Packr({ useRecords: false, mapsAsObjects: true, moreTypes: false });

/** Encodes a command for the log (msgpack). The bytes are a fresh copy the caller owns. */
export function encodeCommand(cmd: CatalogCommand): Uint8Array {
  // pack() answers with a view into a shared scratch buffer; copy it out.
  return Uint8Array.prototype.slice.call(packr.pack(cmd));
}

/**
 * Decodes a command from the log or the wire.
 * @throws MalformedPacketError when the bytes are not msgpack or not a well-formed command;
 *   never anything else. Size limits and enum values are checked by apply (an error result),
 *   not here, so a decodable entry always applies.
 */
export function decodeCommand(bytes: Uint8Array): CatalogCommand {
  if (!(bytes instanceof Uint8Array)) throw new MalformedPacketError("catalog command: not bytes");
  let raw: unknown;
  try {
    raw = packr.unpack(bytes);
  } catch (err) {
    throw new MalformedPacketError("catalog command: not msgpack", { cause: err });
  }
  try {
    return asRestoreCommand(raw) ?? checkCommand(raw, false);
  } catch (err) {
    const why = err instanceof DiscoError ? err.message : "malformed";
    throw new MalformedPacketError(`catalog command: ${why}`, { cause: err });
  }
}
