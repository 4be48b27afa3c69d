/**
 * Sealing and opening of gossip payloads (UDP packets and push-pull frames):
 * the cluster label header and AES-GCM encryption, as memberlist does it.
 *
 * Wire format, outermost first:
 * - label header, only when the label is not empty: `[244][length][label bytes]`
 *   (memberlist's `labelTag`). A receiver refuses a packet whose label is not
 *   its own, including a missing or unexpected header, so two clusters sharing
 *   a network never merge even without encryption.
 * - with a keyring: `[version 1][12-byte nonce][ciphertext][16-byte tag]`,
 *   AES-GCM with the primary key and the label as additional authenticated
 *   data, so a packet re-labelled by someone without the key fails too.
 * - without a keyring: the plain payload.
 *
 * Untrusted bytes never throw anything but {@link MalformedPacketError}, and
 * every refusal is counted in {@link PacketCrypto.stats}.
 *
 * @module
 */
import { createCipheriv, createDecipheriv, randomBytes, type CipherGCMTypes } from "node:crypto";
import { InvalidConfigError, MalformedPacketError } from "../util/errors.js";
import type { Keyring } from "./keyring.js";

/** First byte of a label header: memberlist's `labelTag`. No plain or encrypted payload starts with it. */
export const LABEL_TAG = 244;

/** Longest label in UTF-8 bytes: its length travels in one byte (memberlist's `LabelMaxSize`). */
export const LABEL_BYTES_MAX = 255;

/**
 * Version byte of an encrypted payload: 1 is AES-GCM without padding, as
 * memberlist's version 1. Anything else is refused rather than misread.
 */
export const ENCRYPTION_VERSION = 1;

/** GCM nonce length: 96 bits, the size GCM is specified for. Random per packet. */
export const NONCE_BYTES = 12;

/** GCM authentication tag length: the full 128 bits. */
export const TAG_BYTES = 16;

/** Bytes encryption adds to a payload: version, nonce and tag. */
export const ENCRYPTION_OVERHEAD_BYTES = 1 + NONCE_BYTES + TAG_BYTES;

/** Options of {@link PacketCrypto}. */
export interface PacketCryptoOptions {
  /** Encrypts and authenticates every payload when given; see {@link Keyring}. */
  keyring?: Keyring | undefined;
  /**
   * Cluster label: members only talk to members with the same label. Bound
   * into encryption as additional data. Up to {@link LABEL_BYTES_MAX} UTF-8 bytes.
   * @defaultValue "" (no label header)
   */
  label?: string | undefined;
}

/** Refusals and successes, for metrics and tests. */
export interface PacketCryptoStats {
  /** Payloads sealed for sending. */
  sealed: number;
  /** Payloads opened successfully. */
  opened: number;
  /** Payloads refused for any reason (the sum of the reasons below and bad framing). */
  rejected: number;
  /** Refused because the label was not ours, missing or unexpected. */
  labelMismatch: number;
  /** Refused because no installed key authenticated them. */
  authFailed: number;
}

/** Why `label` is not a usable label, or undefined. */
export function badLabel(label: unknown): string | undefined {
  if (typeof label !== "string") return "must be a string";
  const bytes = Buffer.byteLength(label, "utf8");
  if (bytes > LABEL_BYTES_MAX) return `is ${bytes} UTF-8 bytes; the limit is ${LABEL_BYTES_MAX}`;
  return undefined;
}

function cipherName(key: Buffer): CipherGCMTypes {
  return `aes-${key.length * 8}-gcm` as CipherGCMTypes;
}

/** Seals and opens payloads for one member: its label and (optional) keyring. */
export class PacketCrypto {
  /** Counters; read-only for callers. */
  readonly stats: PacketCryptoStats = { sealed: 0, opened: 0, rejected: 0, labelMismatch: 0, authFailed: 0 };
  /** The cluster label ("" for none). */
  readonly label: string;
  /** The keyring, when encryption is on. Changes to it apply to the next packet. */
  readonly keyring: Keyring | undefined;
  /** Bytes {@link seal} adds to every payload; the driver shrinks the core's packet budget by it. */
  readonly overheadBytes: number;
  private readonly labelBytes: Buffer;
  private readonly header: Buffer;

  /** @throws InvalidConfigError (`label`) for a label that is not a string or too long. */
  constructor(options: PacketCryptoOptions = {}) {
    const label = options.label ?? "";
    const reason = badLabel(label);
    if (reason) throw new InvalidConfigError("label", reason);
    this.label = label;
    this.keyring = options.keyring;
    this.labelBytes = Buffer.from(label, "utf8");
    this.header = this.labelBytes.length === 0
      ? Buffer.alloc(0)
      : Buffer.concat([Buffer.from([LABEL_TAG, this.labelBytes.length]), this.labelBytes]);
    this.overheadBytes = this.header.length + (this.keyring ? ENCRYPTION_OVERHEAD_BYTES : 0);
  }

  /** Wraps a payload for the wire: label header, then encryption with the primary key. */
  seal(plain: Uint8Array): Buffer {
    this.stats.sealed++;
    if (!this.keyring) return this.header.length === 0 ? Buffer.from(plain) : Buffer.concat([this.header, plain]);
    const key = this.keyring.primaryBytes();
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv(cipherName(key), key, nonce, { authTagLength: TAG_BYTES });
    cipher.setAAD(this.labelBytes);
    const body = cipher.update(plain);
    const rest = cipher.final();
    return Buffer.concat([this.header, Buffer.from([ENCRYPTION_VERSION]), nonce, body, rest, cipher.getAuthTag()]);
  }

  /**
   * Unwraps bytes from the wire: checks the label, then decrypts trying every
   * installed key, primary first.
   * @throws MalformedPacketError for anything that is not our label and key's packet (counted).
   */
  open(bytes: Uint8Array): Uint8Array {
    const payload = this.stripLabel(bytes);
    if (!this.keyring) {
      this.stats.opened++;
      return payload;
    }
    if (payload.length < ENCRYPTION_OVERHEAD_BYTES) throw this.reject("encrypted payload is truncated");
    if (payload[0] !== ENCRYPTION_VERSION) throw this.reject(`unknown encryption version ${payload[0]}`);
    const nonce = payload.subarray(1, 1 + NONCE_BYTES);
    const body = payload.subarray(1 + NONCE_BYTES, payload.length - TAG_BYTES);
    const tag = payload.subarray(payload.length - TAG_BYTES);
    for (const key of this.keyring.allBytes()) {
      const plain = tryDecrypt(key, nonce, body, tag, this.labelBytes);
      if (plain) {
        this.stats.opened++;
        return plain;
      }
    }
    this.stats.authFailed++;
    throw this.reject("no installed key authenticates the payload");
  }

  private stripLabel(bytes: Uint8Array): Uint8Array {
    if (!(bytes instanceof Uint8Array) || bytes.length === 0) throw this.reject("empty payload");
    if (bytes[0] !== LABEL_TAG) {
      if (this.labelBytes.length === 0) return bytes;
      this.stats.labelMismatch++;
      throw this.reject(`payload has no label; expected "${this.label}"`);
    }
    if (bytes.length < 2) throw this.reject("label header is truncated");
    const length = bytes[1]!;
    if (length === 0 || bytes.length < 2 + length) throw this.reject("label header is truncated or empty");
    const label = bytes.subarray(2, 2 + length);
    if (!this.labelBytes.equals(label)) {
      this.stats.labelMismatch++;
      throw this.reject("payload carries another cluster's label");
    }
    return bytes.subarray(2 + length);
  }

  private reject(message: string): MalformedPacketError {
    this.stats.rejected++;
    return new MalformedPacketError(message);
  }
}

function tryDecrypt(key: Buffer, nonce: Uint8Array, body: Uint8Array, tag: Uint8Array, aad: Buffer): Buffer | undefined {
  try {
    const decipher = createDecipheriv(cipherName(key), key, nonce, { authTagLength: TAG_BYTES });
    decipher.setAAD(aad);
    decipher.setAuthTag(tag);
    const head = decipher.update(body);
    return Buffer.concat([head, decipher.final()]);
  } catch {
    return undefined;
  }
}
