/**
 * Cluster-wide keyring operations (Consul's `consul keyring`, Serf's key
 * manager): one member asks every live member, itself included, to list,
 * install, use or remove a key, and sums up their answers. The requests go
 * over the gossip stream channel, sealed with the current keys, so only a
 * holder of a key can rotate them.
 *
 * This file holds the parts that do not touch a socket: the member's own
 * side of a request ({@link applyKeyringOp}) and the fan-out with its summary
 * ({@link fanOutKeyringOp}). The driver supplies the transport.
 *
 * @module
 */
import { DiscoError, InvalidArgumentError } from "../util/errors.js";
import { PRIMARY_REMOVAL_REFUSED, badKey, type Keyring } from "../transport/keyring.js";
import type { KeyringOp, KeyringReply } from "./stream-codec.js";

/**
 * How long one member may take to answer a keyring request, connection
 * included. Serf's key queries time out after a few gossip rounds; a member
 * that needs longer than this to change its keyring is as good as down.
 */
export const KEYRING_REQUEST_TIMEOUT_MS = 5_000;

/**
 * Keyring requests in flight at once during one operation, so a large
 * cluster is asked in waves rather than with one connection per member.
 */
export const KEYRING_REQUESTS_CONCURRENCY_MAX = 16;

/**
 * What a cluster-wide keyring operation found, in the shape of Consul's
 * keyring response.
 */
export interface KeyringStatus {
  /** Members asked: every live (alive or suspect) member, this one included. */
  numNodes: number;
  /** Members that answered, with success or with an error. */
  numResp: number;
  /** Members that refused, failed, or did not answer. */
  numErr: number;
  /** Why each failing member failed, by member name. */
  messages: Record<string, string>;
  /** Each key and how many answering members hold it. */
  keys: Record<string, number>;
  /** Each key and how many answering members use it as their primary. */
  primaryKeys: Record<string, number>;
}

/**
 * Gossip encryption is off (or there is no gossip at all), so there is no
 * keyring to manage. Code `NOT_SUPPORTED`.
 */
export class EncryptionNotEnabledError extends DiscoError {
  constructor(detail = "gossip encryption is not enabled on this member; start it with an encryption key") {
    super("NOT_SUPPORTED", detail);
  }
}

/**
 * Checks a caller's request before any member is asked, so a mistake this
 * member can see changes nothing anywhere: a malformed key, making primary a
 * key this member does not hold (it could no longer read the others), or
 * removing this member's primary key.
 * @throws InvalidArgumentError naming `key`.
 */
export function precheckKeyringOp(ring: Keyring, op: KeyringOp, key: string | undefined): void {
  if (op === "list") return;
  const reason = badKey(key);
  if (reason) throw new InvalidArgumentError("key", reason);
  if (op === "use" && !ring.list().includes(key!)) {
    throw new InvalidArgumentError("key", "is not installed on this member; install it first");
  }
  if (op === "remove" && ring.primaryKey === key) {
    throw new InvalidArgumentError("key", PRIMARY_REMOVAL_REFUSED);
  }
}

/**
 * Applies a keyring request to this member's own keyring and answers it.
 * `save` (when given) stores the changed keys; if it fails the change is
 * undone, so memory and disk never disagree. Never rejects: a refusal is the
 * reply's `error`.
 */
export async function applyKeyringOp(
  ring: Keyring | undefined,
  op: KeyringOp,
  key: string | undefined,
  save: ((keys: readonly string[]) => Promise<void>) | undefined,
): Promise<KeyringReply> {
  if (!ring) return { keys: [], primaryKey: undefined, error: { code: "NOT_SUPPORTED", message: new EncryptionNotEnabledError().message } };
  const before = ring.list();
  const refuse = (err: unknown): KeyringReply => ({
    keys: ring.list(), primaryKey: ring.primaryKey,
    error: { code: err instanceof DiscoError ? err.code : "PROTOCOL", message: err instanceof Error ? err.message : String(err) },
  });
  try {
    if (op === "install") ring.install(key!);
    else if (op === "use") ring.use(key!);
    else if (op === "remove") removeIfInstalled(ring, key);
  } catch (err) {
    return refuse(err);
  }
  const after = ring.list();
  if (save && (after.length !== before.length || after.some((k, i) => k !== before[i]))) {
    try {
      await save(after);
    } catch (err) {
      ring.reset(before);
      return refuse(new DiscoError("STORAGE_CORRUPT", `could not save the keyring, so the change was undone: ${(err as Error).message}`));
    }
  }
  return { keys: after, primaryKey: ring.primaryKey };
}

/**
 * Removes a key, doing nothing when it is not installed (memberlist's
 * RemoveKey): a retry after a partial failure then succeeds where the key is
 * already gone.
 * @throws InvalidArgumentError (`key`) for a malformed key or the primary key.
 */
function removeIfInstalled(ring: Keyring, key: string | undefined): void {
  const reason = badKey(key);
  if (reason) throw new InvalidArgumentError("key", reason);
  if (ring.list().includes(key!)) ring.remove(key!);
}

/** A member to ask. */
export interface KeyringTarget {
  name: string;
  address: string;
  port: number;
}

/**
 * Asks every target (bounded concurrency; `ask` must apply its own timeout),
 * then this member through `askSelf`, last: a remote member that answers
 * with a key we are about to drop can still be read. Resolves with the
 * summary; never rejects.
 */
export async function fanOutKeyringOp(
  self: string,
  targets: readonly KeyringTarget[],
  ask: (target: KeyringTarget) => Promise<KeyringReply>,
  askSelf: () => Promise<KeyringReply>,
): Promise<KeyringStatus> {
  const status: KeyringStatus = { numNodes: targets.length + 1, numResp: 0, numErr: 0, messages: {}, keys: {}, primaryKeys: {} };
  const record = (name: string, reply: KeyringReply | Error): void => {
    if (reply instanceof Error) {
      status.numErr++;
      status.messages[name] = `no answer: ${reply.message}`;
      return;
    }
    status.numResp++;
    // A refusing member still reports the keys it holds, which is what the counts describe.
    for (const k of reply.keys) status.keys[k] = (status.keys[k] ?? 0) + 1;
    if (reply.primaryKey !== undefined) status.primaryKeys[reply.primaryKey] = (status.primaryKeys[reply.primaryKey] ?? 0) + 1;
    if (reply.error) {
      status.numErr++;
      status.messages[name] = reply.error.message;
    }
  };
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < targets.length) {
      const target = targets[next++]!;
      record(target.name, await ask(target).catch((err: unknown) => (err instanceof Error ? err : new Error(String(err)))));
    }
  };
  await Promise.all(Array.from({ length: Math.min(KEYRING_REQUESTS_CONCURRENCY_MAX, targets.length) }, worker));
  record(self, await askSelf());
  return status;
}
