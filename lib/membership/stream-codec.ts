/**
 * Wire codec of the requests that travel over the gossip stream (TCP)
 * channel besides push-pull: the TCP fallback ping and its ack, and the
 * cluster-wide keyring request and its reply. Like push-pull they are sealed
 * (label, encryption) by the driver, so only members holding a key can send them.
 *
 * Every request is a versioned envelope. A push-pull's second field is a
 * boolean (`join`); the others carry a string tag there, which is how
 * {@link decodeStreamRequest} tells them apart. A member that predates a tag
 * refuses the request as a malformed push-pull, which the sender sees as a
 * failed ping or a keyring error; nothing is misread.
 *
 * - ping: `[version, "ping", seq, target, source]` → `[version, "ack", seq]`
 * - keyring: `[version, "keyring", target, op, key | null]` →
 *   `[version, "keyring-reply", [keys…], primary | null, code | null, message | null]`
 *
 * Untrusted bytes raise only MalformedPacketError or ProtocolError.
 *
 * @module
 */
import { Packr } from "msgpackr";
import { ProtocolError } from "../util/errors.js";
import { KEYRING_KEYS_MAX, badKey } from "../transport/keyring.js";
import { pushPullFromEnvelope, unpackEnvelope } from "./codec.js";
import { KEYRING_CODE_LENGTH_MAX, KEYRING_MESSAGE_LENGTH_MAX, PUSH_PULL_BYTES_MAX, SWIM_PROTOCOL_VERSION } from "./limits.js";
import type { PingMessage, PushPullState } from "./types.js";
import { badName, badSeq } from "./validate.js";

const packr = new Packr({ useRecords: false, mapsAsObjects: true, moreTypes: false });

/**
 * Largest ack or keyring frame accepted: a keyring reply holds at most
 * KEYRING_KEYS_MAX base64 keys (≤ 44 characters each) and one bounded message.
 */
const SMALL_FRAME_BYTES_MAX = 8 * 1024;

/** What a cluster-wide keyring request asks a member to do to its own keyring. */
export type KeyringOp = "list" | "install" | "use" | "remove";

const KEYRING_OPS: readonly KeyringOp[] = ["list", "install", "use", "remove"];

/** A decoded stream request. */
export type StreamRequest =
  | { type: "push-pull"; state: PushPullState }
  | { type: "ping"; ping: PingMessage }
  | { type: "keyring"; target: string; op: KeyringOp; key: string | undefined };

/** A member's answer to a keyring request: its keys after the operation, or why it refused. */
export interface KeyringReply {
  /** Every key the member holds, primary first (as before the operation when it failed). */
  keys: string[];
  /** The member's primary key, or undefined when it has no keyring. */
  primaryKey: string | undefined;
  /** Set when the member refused or failed the operation. */
  error?: { code: string; message: string };
}

/** Encodes a TCP fallback ping (the UDP ping's fields). */
export function encodeTcpPing(ping: PingMessage): Uint8Array {
  return packr.pack([SWIM_PROTOCOL_VERSION, "ping", ping.seq, ping.target, ping.source]);
}

/** Encodes the ack to a TCP ping. */
export function encodeTcpAck(seq: number): Uint8Array {
  return packr.pack([SWIM_PROTOCOL_VERSION, "ack", seq]);
}

/**
 * Decodes the ack to a TCP ping; returns its seq.
 * @throws MalformedPacketError or ProtocolError.
 */
export function decodeTcpAck(bytes: Uint8Array): number {
  const env = unpackEnvelope(bytes, SMALL_FRAME_BYTES_MAX, "TCP ack");
  if (env.length !== 3 || env[1] !== "ack") throw new ProtocolError("TCP ping answer is not an ack");
  check(badSeq(env[2]), "ack.seq");
  return env[2] as number;
}

/** Encodes a keyring request for member `target`. */
export function encodeKeyringRequest(target: string, op: KeyringOp, key: string | undefined): Uint8Array {
  return packr.pack([SWIM_PROTOCOL_VERSION, "keyring", target, op, key ?? null]);
}

/** Encodes a member's keyring reply; an over-long error message is cut to KEYRING_MESSAGE_LENGTH_MAX. */
export function encodeKeyringReply(reply: KeyringReply): Uint8Array {
  const e = reply.error;
  return packr.pack([
    SWIM_PROTOCOL_VERSION, "keyring-reply", reply.keys, reply.primaryKey ?? null,
    e ? e.code.slice(0, KEYRING_CODE_LENGTH_MAX) : null, e ? e.message.slice(0, KEYRING_MESSAGE_LENGTH_MAX) : null,
  ]);
}

/**
 * Decodes a member's keyring reply.
 * @throws MalformedPacketError or ProtocolError.
 */
export function decodeKeyringReply(bytes: Uint8Array): KeyringReply {
  const env = unpackEnvelope(bytes, SMALL_FRAME_BYTES_MAX, "keyring reply");
  if (env.length !== 6 || env[1] !== "keyring-reply") throw new ProtocolError("answer is not a keyring reply");
  const [, , keys, primary, code, message] = env;
  if (!Array.isArray(keys) || keys.length > KEYRING_KEYS_MAX) throw new ProtocolError(`keyring-reply.keys must list at most ${KEYRING_KEYS_MAX} keys`);
  keys.forEach((k, i) => check(badKey(k), `keyring-reply.keys[${i}]`));
  if (primary !== null) check(badKey(primary), "keyring-reply.primary");
  const reply: KeyringReply = { keys: keys as string[], primaryKey: (primary as string | null) ?? undefined };
  if (code === null && message === null) return reply;
  if (typeof code !== "string" || code.length === 0 || code.length > KEYRING_CODE_LENGTH_MAX) {
    throw new ProtocolError("keyring-reply.code must be a short string");
  }
  if (typeof message !== "string" || message.length > KEYRING_MESSAGE_LENGTH_MAX) {
    throw new ProtocolError(`keyring-reply.message must be a string of at most ${KEYRING_MESSAGE_LENGTH_MAX} characters`);
  }
  reply.error = { code, message };
  return reply;
}

/**
 * Decodes any request that arrives on the gossip stream listener.
 * @throws MalformedPacketError when the bytes are not an envelope; ProtocolError when its contents break the protocol.
 */
export function decodeStreamRequest(bytes: Uint8Array): StreamRequest {
  const env = unpackEnvelope(bytes, PUSH_PULL_BYTES_MAX, "stream request");
  switch (env[1]) {
    case "ping": {
      if (env.length !== 5) throw new ProtocolError(`TCP ping has ${env.length - 2} fields, expected 3`);
      check(badSeq(env[2]), "ping.seq");
      check(badName(env[3]), "ping.target");
      check(badName(env[4]), "ping.source");
      return { type: "ping", ping: { type: "ping", seq: env[2] as number, target: env[3] as string, source: env[4] as string } };
    }
    case "keyring": {
      if (env.length !== 5) throw new ProtocolError(`keyring request has ${env.length - 2} fields, expected 3`);
      check(badName(env[2]), "keyring.target");
      const op = KEYRING_OPS.find((o) => o === env[3]);
      if (!op) throw new ProtocolError(`keyring.op ${String(env[3])} is unknown`);
      // The key itself is checked by the keyring, whose refusal goes back to the sender as a reply.
      if (op === "list" ? env[4] !== null : typeof env[4] !== "string" || env[4].length > KEYRING_MESSAGE_LENGTH_MAX) {
        throw new ProtocolError(`keyring.key must be ${op === "list" ? "null for list" : "a string"}`);
      }
      return { type: "keyring", target: env[2] as string, op, key: (env[4] as string | null) ?? undefined };
    }
    default:
      if (typeof env[1] === "string") throw new ProtocolError(`unknown stream request "${env[1].slice(0, 32)}"`);
      return { type: "push-pull", state: pushPullFromEnvelope(env) };
  }
}

function check(reason: string | undefined, field: string): void {
  if (reason !== undefined) throw new ProtocolError(`${field} ${reason}`);
}
