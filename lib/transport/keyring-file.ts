/**
 * The keyring saved to disk, so a restarted member keeps the keys installed
 * at run time (Consul keeps `data-dir/serf/local.keyring`). The file is a JSON
 * array of base64 keys, primary first, as Consul writes it, readable only by
 * its owner (it holds secrets). Writes are atomic: a temporary file in the
 * same directory, fsynced, then renamed over the old one, so a crash leaves
 * either the old or the new keyring, never a torn one.
 *
 * @module
 */
import { mkdir, open, readFile, rename, rm } from "node:fs/promises";
import { dirname } from "node:path";
import { randomBytes } from "node:crypto";
import { InvalidConfigError } from "../util/errors.js";
import { KEYRING_KEYS_MAX, badKey } from "./keyring.js";

/** Largest keyring file read: KEYRING_KEYS_MAX keys of ≤ 44 base64 characters, quoted, with room for whitespace. */
export const KEYRING_FILE_BYTES_MAX = 64 * 1024;

/** Owner read/write only: the file holds the cluster's encryption keys. */
const FILE_MODE = 0o600;

/**
 * Reads a keyring file; undefined when it does not exist.
 * @throws InvalidConfigError (`keyringFile`) when it cannot be read or is not a list of 1 to KEYRING_KEYS_MAX keys.
 */
export async function readKeyringFile(path: string): Promise<string[] | undefined> {
  let text: string;
  try {
    const bytes = await readFile(path);
    if (bytes.length > KEYRING_FILE_BYTES_MAX) throw new Error(`is ${bytes.length} bytes; the limit is ${KEYRING_FILE_BYTES_MAX}`);
    text = bytes.toString("utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new InvalidConfigError("keyringFile", `cannot read ${path}: ${(err as Error).message}`, { cause: err });
  }
  let keys: unknown;
  try {
    keys = JSON.parse(text);
  } catch (err) {
    throw new InvalidConfigError("keyringFile", `${path} is not JSON`, { cause: err });
  }
  if (!Array.isArray(keys) || keys.length === 0 || keys.length > KEYRING_KEYS_MAX) {
    throw new InvalidConfigError("keyringFile", `${path} must hold a JSON array of 1 to ${KEYRING_KEYS_MAX} keys`);
  }
  keys.forEach((k, i) => {
    const reason = badKey(k);
    if (reason) throw new InvalidConfigError("keyringFile", `${path}: key ${i} ${reason}`);
  });
  return keys as string[];
}

/**
 * Saves `keys` (primary first) to `path` atomically, creating its directory.
 * @throws the file system's error; the old file is then left as it was.
 */
export async function writeKeyringFile(path: string, keys: readonly string[]): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.${randomBytes(6).toString("hex")}.tmp`;
  try {
    const file = await open(tmp, "w", FILE_MODE);
    try {
      await file.writeFile(`${JSON.stringify(keys)}\n`, "utf8");
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true }).catch(() => undefined);
    throw err;
  }
}
