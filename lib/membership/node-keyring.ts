/**
 * Start-up side of the saved keyring ({@link GossipNodeOptions.keyringFile}):
 * the file's keys win over `encrypt`, as in Consul, and a missing file is
 * created from `encrypt` so the next start finds it.
 *
 * @module
 */
import { InvalidConfigError } from "../util/errors.js";
import type { Logger } from "../util/logger.js";
import { Keyring } from "../transport/keyring.js";
import { readKeyringFile, writeKeyringFile } from "../transport/keyring-file.js";
import { resolveGossipNodeOptions, type GossipNodeOptions, type ResolvedGossipNodeOptions } from "./node-options.js";

/**
 * Validates options, then loads or creates the keyring file when one is set.
 * @throws InvalidConfigError naming the field (`keyringFile` for an unreadable,
 *   malformed or unwritable file); nothing has been opened.
 */
export async function resolveWithKeyringFile(options: GossipNodeOptions): Promise<ResolvedGossipNodeOptions> {
  const o = resolveGossipNodeOptions(options);
  if (o.keyringFile === undefined) return o;
  const saved = await readKeyringFile(o.keyringFile);
  if (saved) {
    if (options.encrypt !== undefined) warnIfDifferent(o.logger, o.crypto.keyring?.list() ?? [], saved, o.keyringFile);
    // A caller's own Keyring object stays the node's keyring, now holding the saved keys.
    const ring = options.encrypt instanceof Keyring ? options.encrypt : new Keyring(saved);
    ring.reset(saved);
    return resolveGossipNodeOptions({ ...options, encrypt: ring });
  }
  const ring = o.crypto.keyring;
  if (ring) {
    try {
      await writeKeyringFile(o.keyringFile, ring.list());
    } catch (err) {
      throw new InvalidConfigError("keyringFile", `cannot write ${o.keyringFile}: ${(err as Error).message}`, { cause: err });
    }
  }
  return o;
}

function warnIfDifferent(logger: Logger, given: readonly string[], saved: readonly string[], path: string): void {
  if (given.length === saved.length && given.every((k, i) => k === saved[i])) return;
  logger.warn({ component: "gossip", keyringFile: path }, "the saved keyring differs from the encrypt option; using the saved keyring");
}
