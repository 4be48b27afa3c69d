/**
 * Snapshots of the catalog and KV for backups (Consul's /v1/snapshot): save
 * reads the local replica after the read barrier; restore commits one
 * `restore` command through the log, so every replica swaps to the snapshot
 * at the same index and nothing is half-applied.
 *
 * @module
 */
import { readSnapshot } from "../catalog/snapshot.js";
import { ConsensusRequiredError, DiscoError, InvalidArgumentError, ValueTooLargeError } from "../util/errors.js";
import type { CommandBackend, Consistency } from "./backend.js";
import { GossipBackend } from "./gossip-backend.js";

/**
 * Largest snapshot a restore accepts. The restore is one log entry: it must
 * fit one transport frame (16 MiB) next to a batch of other entries when a
 * leader replicates it or a client agent follows the log; half of that leaves
 * the room. A larger catalog is restored by a new cluster from its data dir.
 */
export const SNAPSHOT_RESTORE_BYTES_MAX = 8 * 1024 * 1024;

/** A saved snapshot: the bytes, and the log index they are consistent with. */
export interface SavedSnapshot {
  /** The last log index applied to the state these bytes describe (Consul's X-Consul-Index). */
  index: number;
  data: Uint8Array;
}

/**
 * The state of the local replica as snapshot bytes, once a read at
 * `consistency` may be served from it (`stale` reads whatever it has).
 */
export async function saveSnapshot(backend: CommandBackend, consistency: Consistency, signal?: AbortSignal): Promise<SavedSnapshot> {
  await backend.readBarrier(consistency, signal);
  const { catalog } = backend;
  // Both read in one turn, so the index is the one the bytes were taken at.
  return { index: catalog.state.lastIndex, data: catalog.snapshot() };
}

/**
 * Replaces the cluster's catalog and KV with a snapshot's, through the log.
 * @throws ValueTooLargeError over SNAPSHOT_RESTORE_BYTES_MAX; InvalidArgumentError
 *   (field `snapshot`) for bytes that are not a whole snapshot of this format —
 *   checked before anything is proposed; ConsensusRequiredError in gossip mode.
 *   Resolves once the restored state is applied to this agent's replica.
 */
export async function restoreSnapshot(backend: CommandBackend, data: Uint8Array, nowMs: number, signal?: AbortSignal): Promise<void> {
  // Each node of a gossip cluster owns its registrations: there is no shared log to restore into.
  if (backend instanceof GossipBackend) throw new ConsensusRequiredError("snapshot restore");
  if (!(data instanceof Uint8Array)) throw new InvalidArgumentError("snapshot", "must be bytes");
  if (data.length > SNAPSHOT_RESTORE_BYTES_MAX) throw new ValueTooLargeError("snapshot", data.length, SNAPSHOT_RESTORE_BYTES_MAX);
  try {
    readSnapshot(data);
  } catch (err) {
    if (err instanceof DiscoError) throw new InvalidArgumentError("snapshot", `is not a disco snapshot (${err.message})`, { cause: err });
    throw err;
  }
  const result = await backend.propose({ op: "restore", snapshot: data, nowMs }, signal);
  if (!result.ok) throw new InvalidArgumentError("snapshot", result.error);
}
