/**
 * `agent.keyring`: the gossip encryption keys of the whole LAN pool, as
 * `consul keyring` and /v1/operator/keyring manage them. Every operation asks
 * every live member (see {@link GossipNode.installKey}); a member that refuses
 * or does not answer makes the operation fail with a
 * {@link KeyringOperationError} that still carries what was found.
 *
 * Rotation: `install(new)` → `use(new)` → `remove(old)`, each on the whole pool.
 *
 * @module
 */
import { join } from "node:path";
import { DiscoError } from "../util/errors.js";
import type { GossipNode } from "../membership/node.js";
import { EncryptionNotEnabledError, type KeyringStatus } from "../membership/cluster-keyring.js";

export { EncryptionNotEnabledError, type KeyringStatus };

/** Failing members named in a {@link KeyringOperationError}'s message; the rest are counted ("and N more"). */
export const KEYRING_ERRORS_LISTED_MAX = 5;

/** The pool's keyring. Each call resolves with the pool's key counts once every live member answered. */
export interface AgentKeyring {
  /**
   * The keys every member holds and how many hold each.
   * @throws EncryptionNotEnabledError without gossip or encryption; KeyringOperationError when a member failed.
   */
  list(): Promise<KeyringStatus>;
  /**
   * Installs a key (decryption only) on every member.
   * @throws InvalidArgumentError (`key`) for a malformed key; EncryptionNotEnabledError; KeyringOperationError.
   */
  install(key: string): Promise<KeyringStatus>;
  /**
   * Makes an installed key the primary (encrypting) key on every member.
   * @throws InvalidArgumentError (`key`) for a malformed key or one this agent lacks; EncryptionNotEnabledError; KeyringOperationError.
   */
  use(key: string): Promise<KeyringStatus>;
  /**
   * Removes a key from every member; refused everywhere it is the primary key.
   * @throws InvalidArgumentError (`key`) for a malformed key or this agent's primary; EncryptionNotEnabledError; KeyringOperationError.
   */
  remove(key: string): Promise<KeyringStatus>;
}

/**
 * Some members refused the operation or did not answer (Consul answers such
 * an operation with an error too). The members that answered applied it;
 * `status` says what each holds now and why the others failed. Code `TIMEOUT`
 * when a member did not answer, else `PROTOCOL` (a member refused).
 */
export class KeyringOperationError extends DiscoError {
  /** The pool's answers, failures included. */
  readonly status: KeyringStatus;
  constructor(status: KeyringStatus) {
    const failures = Object.entries(status.messages);
    const listed = failures.slice(0, KEYRING_ERRORS_LISTED_MAX).map(([node, why]) => `${node}: ${why}`);
    if (failures.length > listed.length) listed.push(`and ${failures.length - listed.length} more`);
    const silent = status.numResp < status.numNodes;
    super(silent ? "TIMEOUT" : "PROTOCOL", `${status.numErr}/${status.numNodes} members reported failure (${listed.join("; ")})`);
    this.status = status;
  }
}

/** Where an agent with a data directory keeps its keyring, as Consul's `data-dir/serf/local.keyring`. */
export function keyringFilePath(dataDir: string | undefined): string | undefined {
  return dataDir === undefined ? undefined : join(dataDir, "serf", "local.keyring");
}

/** The agent's keyring over its gossip node (undefined when the agent runs no gossip). */
export function agentKeyring(gossip: GossipNode | undefined): AgentKeyring {
  const run = async (op: (g: GossipNode) => Promise<KeyringStatus>): Promise<KeyringStatus> => {
    if (!gossip) throw new EncryptionNotEnabledError("gossip encryption is not enabled: this agent runs no gossip (set bind and encrypt)");
    const status = await op(gossip);
    if (status.numErr > 0) throw new KeyringOperationError(status);
    return status;
  };
  return {
    list: () => run((g) => g.listKeys()),
    install: (key) => run((g) => g.installKey(key)),
    use: (key) => run((g) => g.useKey(key)),
    remove: (key) => run((g) => g.removeKey(key)),
  };
}
