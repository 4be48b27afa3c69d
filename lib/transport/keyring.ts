/**
 * The gossip encryption keyring, as memberlist's and Consul's: one primary
 * key encrypts everything we send; every installed key is tried on what we
 * receive. Rotation is therefore three steps run on every member: install
 * the new key, use it (make it primary), remove the old one. Between the
 * steps members holding either key still understand each other.
 *
 * Keys are the base64 encoding of 16, 24 or 32 random bytes (AES-128, -192,
 * -256); `disco keygen` and {@link generateKey} make 32.
 *
 * @module
 */
import { randomBytes } from "node:crypto";
import { InvalidArgumentError } from "../util/errors.js";

/** Key lengths AES accepts, in bytes: AES-128, AES-192, AES-256. */
export const KEY_BYTES_ALLOWED: readonly number[] = Object.freeze([16, 24, 32]);

/** Length of a key made by {@link generateKey}: AES-256, as Consul's `keygen`. */
export const GENERATED_KEY_BYTES = 32;

/**
 * Most keys installed at once. A packet no key opens is tried against every
 * key, so this bounds the work a forged packet can cost; rotation needs two.
 */
export const KEYRING_KEYS_MAX = 16;

/** Why removing the primary key is refused; shared by the cluster-wide operation's own check. */
export const PRIMARY_REMOVAL_REFUSED = "is the primary key; removing the primary key is not allowed (use another key first)";

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** Makes a new random key: base64 of {@link GENERATED_KEY_BYTES} cryptographically random bytes. */
export function generateKey(): string {
  return randomBytes(GENERATED_KEY_BYTES).toString("base64");
}

/**
 * Why `key` is not a usable key, or undefined when it is one.
 * Only canonical base64 is accepted, so two spellings never name one key.
 */
export function badKey(key: unknown): string | undefined {
  if (typeof key !== "string" || !BASE64.test(key)) return "must be a base64 string";
  const bytes = Buffer.from(key, "base64");
  if (bytes.toString("base64") !== key) return "must be canonical base64";
  if (!KEY_BYTES_ALLOWED.includes(bytes.length)) {
    return `must decode to ${KEY_BYTES_ALLOWED.join(", ")} bytes, got ${bytes.length}`;
  }
  return undefined;
}

interface Entry {
  text: string;
  bytes: Buffer;
}

function parseKey(key: unknown, field: string): Entry {
  const reason = badKey(key);
  if (reason) throw new InvalidArgumentError(field, reason);
  return { text: key as string, bytes: Buffer.from(key as string, "base64") };
}

/** Validates a key list (1 to KEYRING_KEYS_MAX keys, duplicates collapsed, order kept). */
function parseKeys(keys: readonly string[]): Entry[] {
  if (!Array.isArray(keys) || keys.length === 0 || keys.length > KEYRING_KEYS_MAX) {
    throw new InvalidArgumentError("keys", `must list 1 to ${KEYRING_KEYS_MAX} keys`);
  }
  const entries: Entry[] = [];
  keys.forEach((k, i) => {
    const e = parseKey(k, `keys[${i}]`);
    if (!entries.some((x) => x.text === e.text)) entries.push(e);
  });
  return entries;
}

/**
 * A set of AES keys with one primary. Changes take effect on the next packet;
 * nothing is half-applied (a refused call leaves the ring as it was).
 */
export class Keyring {
  /** Primary first. Replaced, never mutated, so a change is atomic. */
  private entries: Entry[] = [];
  /** The entries' bytes, cached because every packet received reads them. */
  private bytes: readonly Buffer[] = [];

  /**
   * @param keys - base64 keys; the first becomes the primary. At least one.
   * @throws InvalidArgumentError naming `keys[i]` for a bad key, or `keys` for a bad count.
   */
  constructor(keys: readonly string[]) {
    this.set(parseKeys(keys));
  }

  /**
   * Replaces every key at once, the first becoming primary: loading a saved
   * keyring, or undoing a change that could not be saved.
   * @throws InvalidArgumentError as the constructor; the ring is then unchanged.
   */
  reset(keys: readonly string[]): void {
    this.set(parseKeys(keys));
  }

  /** The key that encrypts outgoing packets. */
  get primaryKey(): string {
    return this.entries[0]!.text;
  }

  /** Every installed key, primary first. */
  list(): string[] {
    return this.entries.map((e) => e.text);
  }

  /**
   * Adds a key for decryption; it does not become primary. Installing a key
   * that is already there does nothing.
   * @throws InvalidArgumentError (`key`) for a bad key or a full ring.
   */
  install(key: string): void {
    const e = parseKey(key, "key");
    if (this.entries.some((x) => x.text === e.text)) return;
    if (this.entries.length >= KEYRING_KEYS_MAX) {
      throw new InvalidArgumentError("key", `the keyring is full (${KEYRING_KEYS_MAX} keys); remove one first`);
    }
    this.set([...this.entries, e]);
  }

  /**
   * Makes an installed key the primary one, so it encrypts from now on.
   * @throws InvalidArgumentError (`key`) when the key is bad or not installed.
   */
  use(key: string): void {
    const e = parseKey(key, "key");
    const i = this.entries.findIndex((x) => x.text === e.text);
    if (i < 0) throw new InvalidArgumentError("key", "is not installed; install it first");
    this.set([this.entries[i]!, ...this.entries.filter((_, j) => j !== i)]);
  }

  /**
   * Removes a key that is not the primary.
   * @throws InvalidArgumentError (`key`) when the key is bad, not installed, or primary.
   */
  remove(key: string): void {
    const e = parseKey(key, "key");
    const i = this.entries.findIndex((x) => x.text === e.text);
    if (i < 0) throw new InvalidArgumentError("key", "is not installed");
    if (i === 0) throw new InvalidArgumentError("key", PRIMARY_REMOVAL_REFUSED);
    this.set(this.entries.filter((_, j) => j !== i));
  }

  /** @internal The primary key's bytes, for the packet sealer. */
  primaryBytes(): Buffer {
    return this.entries[0]!.bytes;
  }

  /** @internal Every key's bytes, primary first, for the packet opener. */
  allBytes(): readonly Buffer[] {
    return this.bytes;
  }

  private set(entries: Entry[]): void {
    this.entries = entries;
    this.bytes = entries.map((e) => e.bytes);
  }
}
