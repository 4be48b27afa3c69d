/**
 * Wire codec for gossip packets and push-pull frames (msgpackr, compact
 * tuples). Bytes that are not a well-formed envelope raise
 * MalformedPacketError; an envelope whose contents break the protocol
 * (unknown type, wrong field, over a limit, other version) raises
 * ProtocolError. Nothing else ever escapes the decoders.
 *
 * Packet: `[version, [message, …]]`; each message is `[typeCode, …fields]`.
 * Every type has exactly one arity: a field is never optional, so a message
 * is either read whole or refused. A force-leave is its own type (8,
 * `[8, node, incarnation, from, prune]`) rather than an optional field on
 * dead, which keeps dead at exactly four fields. A peer that predates type 8
 * refuses a packet carrying one (ProtocolError, counted), so in a rolling
 * upgrade force-leave only once every member runs a build that knows it.
 * Push-pull: `[version, join, userLtime, [[name, address, port, incarnation, statusCode, meta], …]]`.
 *
 * @module
 */
import { Packr } from "msgpackr";
import { MalformedPacketError, ProtocolError } from "../util/errors.js";
import {
  PACKET_BYTES_MAX_ACCEPTED,
  PACKET_MESSAGES_MAX,
  PUSH_PULL_BYTES_MAX,
  PUSH_PULL_MEMBERS_MAX,
  SWIM_PROTOCOL_VERSION,
} from "./limits.js";
import type { MemberMeta, MemberStatus, PushPullMember, PushPullState, SwimMessage } from "./types.js";
import {
  badAddress,
  badCounter,
  badEventName,
  badMeta,
  badName,
  badPayload,
  badPort,
  badSeq,
} from "./validate.js";

// Plain maps and arrays only: no records, no structured clone, so the format is
// stable across versions and peers in other languages could read it.
const packr = new Packr({ useRecords: false, mapsAsObjects: true, moreTypes: false });

const TYPE_CODES = {
  ping: 0,
  "ping-req": 1,
  ack: 2,
  nack: 3,
  alive: 4,
  suspect: 5,
  dead: 6,
  user: 7,
  "force-leave": 8,
} as const satisfies Record<SwimMessage["type"], number>;

const STATUS_CODES: readonly MemberStatus[] = ["alive", "suspect", "failed", "left"];

type Tuple = unknown[];

function toTuple(msg: SwimMessage): Tuple {
  switch (msg.type) {
    case "ping":
      return [TYPE_CODES.ping, msg.seq, msg.target, msg.source];
    case "ping-req":
      return [TYPE_CODES["ping-req"], msg.seq, msg.target, msg.targetAddress, msg.targetPort, msg.nack, msg.source];
    case "ack":
      return [TYPE_CODES.ack, msg.seq];
    case "nack":
      return [TYPE_CODES.nack, msg.seq];
    case "alive":
      return [TYPE_CODES.alive, msg.node, msg.incarnation, msg.address, msg.port, msg.meta];
    case "suspect":
      return [TYPE_CODES.suspect, msg.node, msg.incarnation, msg.from];
    case "dead":
      return [TYPE_CODES.dead, msg.node, msg.incarnation, msg.from];
    case "user":
      return [TYPE_CODES.user, msg.origin, msg.ltime, msg.name, msg.payload];
    case "force-leave":
      return [TYPE_CODES["force-leave"], msg.node, msg.incarnation, msg.from, msg.prune];
  }
}

/** Throws ProtocolError when `reason` is set. */
function check(reason: string | undefined, field: string): void {
  if (reason !== undefined) throw new ProtocolError(`${field} ${reason}`);
}

function arity(t: Tuple, n: number, what: string): void {
  if (t.length !== n) throw new ProtocolError(`${what} message has ${t.length - 1} fields, expected ${n - 1}`);
}

/** Copies decoded meta into a fresh object so no decoder artefact (prototype, extra props) leaks. */
function cleanMeta(value: unknown, field: string): MemberMeta {
  check(badMeta(value), field);
  return Object.fromEntries(Object.entries(value as Record<string, string>));
}

function fromTuple(t: unknown): SwimMessage {
  if (!Array.isArray(t) || t.length === 0) throw new ProtocolError("message is not a non-empty array");
  switch (t[0]) {
    case TYPE_CODES.ping:
      arity(t, 4, "ping");
      check(badSeq(t[1]), "ping.seq");
      check(badName(t[2]), "ping.target");
      check(badName(t[3]), "ping.source");
      return { type: "ping", seq: t[1], target: t[2], source: t[3] };
    case TYPE_CODES["ping-req"]:
      arity(t, 7, "ping-req");
      check(badSeq(t[1]), "ping-req.seq");
      check(badName(t[2]), "ping-req.target");
      check(badAddress(t[3]), "ping-req.targetAddress");
      check(badPort(t[4]), "ping-req.targetPort");
      if (typeof t[5] !== "boolean") throw new ProtocolError("ping-req.nack must be a boolean");
      check(badName(t[6]), "ping-req.source");
      return {
        type: "ping-req",
        seq: t[1],
        target: t[2],
        targetAddress: t[3],
        targetPort: t[4],
        nack: t[5],
        source: t[6],
      };
    case TYPE_CODES.ack:
    case TYPE_CODES.nack:
      arity(t, 2, "ack");
      check(badSeq(t[1]), "ack.seq");
      return { type: t[0] === TYPE_CODES.ack ? "ack" : "nack", seq: t[1] };
    case TYPE_CODES.alive:
      arity(t, 6, "alive");
      check(badName(t[1]), "alive.node");
      check(badCounter(t[2]), "alive.incarnation");
      check(badAddress(t[3]), "alive.address");
      check(badPort(t[4]), "alive.port");
      return { type: "alive", node: t[1], incarnation: t[2], address: t[3], port: t[4], meta: cleanMeta(t[5], "alive.meta") };
    case TYPE_CODES.suspect:
    case TYPE_CODES.dead: {
      const type = t[0] === TYPE_CODES.suspect ? "suspect" : "dead";
      arity(t, 4, type);
      check(badName(t[1]), `${type}.node`);
      check(badCounter(t[2]), `${type}.incarnation`);
      check(badName(t[3]), `${type}.from`);
      return { type, node: t[1], incarnation: t[2], from: t[3] };
    }
    case TYPE_CODES.user:
      arity(t, 5, "user");
      check(badName(t[1]), "user.origin");
      check(badCounter(t[2]), "user.ltime");
      check(badEventName(t[3]), "user.name");
      check(badPayload(t[4]), "user.payload");
      return { type: "user", origin: t[1], ltime: t[2], name: t[3], payload: new Uint8Array(t[4] as Uint8Array) };
    case TYPE_CODES["force-leave"]:
      arity(t, 5, "force-leave");
      check(badName(t[1]), "force-leave.node");
      check(badCounter(t[2]), "force-leave.incarnation");
      check(badName(t[3]), "force-leave.from");
      if (typeof t[4] !== "boolean") throw new ProtocolError("force-leave.prune must be a boolean");
      return { type: "force-leave", node: t[1], incarnation: t[2], from: t[3], prune: t[4] };
    default:
      throw new ProtocolError(`unknown message type ${String(t[0])}`);
  }
}

/**
 * Unpacks untrusted bytes into a versioned envelope `[version, …]`; anything
 * msgpackr rejects becomes MalformedPacketError, another version ProtocolError.
 * @internal Shared with the stream codec.
 */
export function unpackEnvelope(bytes: Uint8Array, limit: number, what: string): unknown[] {
  if (!(bytes instanceof Uint8Array)) throw new MalformedPacketError(`${what} is not a byte array`);
  if (bytes.length === 0) throw new MalformedPacketError(`${what} is empty`);
  if (bytes.length > limit) throw new MalformedPacketError(`${what} is ${bytes.length} bytes; the limit is ${limit}`);
  let value: unknown;
  try {
    value = packr.unpack(bytes);
  } catch (err) {
    throw new MalformedPacketError(`${what} is not valid msgpack: ${(err as Error).message}`, { cause: err });
  }
  if (!Array.isArray(value) || value.length < 2) throw new MalformedPacketError(`${what} envelope is not an array`);
  if (value[0] !== SWIM_PROTOCOL_VERSION) {
    throw new ProtocolError(`${what} has protocol version ${String(value[0])}; we speak ${SWIM_PROTOCOL_VERSION}`);
  }
  return value;
}

function uintBytes(n: number): number {
  return n < 0x80 ? 1 : n < 0x100 ? 2 : n < 0x1_0000 ? 3 : n < 0x1_0000_0000 ? 5 : 9;
}

function strBytes(s: string): number {
  const b = Buffer.byteLength(s, "utf8");
  return b + (b < 0x20 ? 1 : b < 0x100 ? 2 : b < 0x1_0000 ? 3 : 5);
}

function headerBytes(count: number, fixMax: number): number {
  return count < fixMax ? 1 : count < 0x1_0000 ? 3 : 5;
}

function valueBytes(v: unknown): number {
  if (typeof v === "number") return uintBytes(v);
  if (typeof v === "string") return strBytes(v);
  if (typeof v === "boolean") return 1;
  if (v instanceof Uint8Array) return v.length + (v.length < 0x100 ? 2 : v.length < 0x1_0000 ? 3 : 5);
  if (Array.isArray(v)) return v.reduce((sum: number, x) => sum + valueBytes(x), headerBytes(v.length, 16));
  const entries = Object.entries(v as Record<string, unknown>);
  // msgpackr writes every object with a map16 header (it does not count keys first).
  return entries.reduce((sum, [k, x]) => sum + strBytes(k) + valueBytes(x), headerBytes(entries.length, 0));
}

/**
 * Encoded size of one message in bytes, as it will appear inside a packet.
 * Computed from msgpack's length rules rather than by encoding, because the
 * core sizes every broadcast it queues; the codec tests hold it to msgpackr's output.
 */
export function messageBytes(msg: SwimMessage): number {
  return valueBytes(toTuple(msg));
}

/** Encodes messages into one compound packet. The caller keeps within the packet budget (the core does). */
export function encodePacket(msgs: readonly SwimMessage[]): Uint8Array {
  return packr.pack([SWIM_PROTOCOL_VERSION, msgs.map(toTuple)]);
}

/**
 * Decodes one packet of untrusted bytes.
 * @throws MalformedPacketError when the bytes are not a packet envelope.
 * @throws ProtocolError when a message inside breaks the protocol.
 */
export function decodePacket(bytes: Uint8Array): SwimMessage[] {
  const env = unpackEnvelope(bytes, PACKET_BYTES_MAX_ACCEPTED, "packet");
  if (env.length !== 2 || !Array.isArray(env[1])) throw new MalformedPacketError("packet envelope is not [version, messages]");
  const list = env[1] as unknown[];
  if (list.length === 0) throw new ProtocolError("packet carries no messages");
  if (list.length > PACKET_MESSAGES_MAX) {
    throw new ProtocolError(`packet carries ${list.length} messages; the limit is ${PACKET_MESSAGES_MAX}`);
  }
  return list.map(fromTuple);
}

/** Encodes a push-pull state frame for the stream transport. */
export function encodePushPull(state: PushPullState): Uint8Array {
  const members = state.members.map((m) => [m.name, m.address, m.port, m.incarnation, STATUS_CODES.indexOf(m.status), m.meta]);
  return packr.pack([SWIM_PROTOCOL_VERSION, state.join, state.userLtime, members]);
}

function memberFromTuple(t: unknown): PushPullMember {
  if (!Array.isArray(t) || t.length !== 6) throw new ProtocolError("push-pull member is not a 6-field array");
  check(badName(t[0]), "push-pull.member.name");
  check(badAddress(t[1]), "push-pull.member.address");
  check(badPort(t[2]), "push-pull.member.port");
  check(badCounter(t[3]), "push-pull.member.incarnation");
  const status = Number.isInteger(t[4]) ? STATUS_CODES[t[4] as number] : undefined;
  if (status === undefined) throw new ProtocolError(`push-pull.member.status ${String(t[4])} is unknown`);
  return { name: t[0], address: t[1], port: t[2], incarnation: t[3], status, meta: cleanMeta(t[5], "push-pull.member.meta") };
}

/**
 * Decodes a push-pull frame of untrusted bytes.
 * @throws MalformedPacketError when the bytes are not a push-pull envelope.
 * @throws ProtocolError when its contents break the protocol or a limit.
 */
export function decodePushPull(bytes: Uint8Array): PushPullState {
  return pushPullFromEnvelope(unpackEnvelope(bytes, PUSH_PULL_BYTES_MAX, "push-pull frame"));
}

/**
 * The push-pull state in an unpacked envelope.
 * @throws MalformedPacketError or ProtocolError as {@link decodePushPull}.
 * @internal Shared with the stream codec, which tells push-pull from other stream requests.
 */
export function pushPullFromEnvelope(env: unknown[]): PushPullState {
  if (env.length !== 4 || !Array.isArray(env[3])) {
    throw new MalformedPacketError("push-pull envelope is not [version, join, userLtime, members]");
  }
  if (typeof env[1] !== "boolean") throw new ProtocolError("push-pull.join must be a boolean");
  check(badCounter(env[2]), "push-pull.userLtime");
  const list = env[3] as unknown[];
  if (list.length > PUSH_PULL_MEMBERS_MAX) {
    throw new ProtocolError(`push-pull carries ${list.length} members; the limit is ${PUSH_PULL_MEMBERS_MAX}`);
  }
  return { join: env[1], userLtime: env[2] as number, members: list.map(memberFromTuple) };
}
