import t from "tap";
import fc from "fast-check";
import { Packr } from "msgpackr";
import { MalformedPacketError, ProtocolError } from "../../lib/util/errors.js";
import { generateKey } from "../../lib/transport/keyring.js";
import { encodePushPull } from "../../lib/membership/codec.js";
import { SWIM_PROTOCOL_VERSION, KEYRING_MESSAGE_LENGTH_MAX } from "../../lib/membership/limits.js";
import {
  decodeKeyringReply,
  decodeStreamRequest,
  decodeTcpAck,
  encodeKeyringReply,
  encodeKeyringRequest,
  encodeTcpAck,
  encodeTcpPing,
} from "../../lib/membership/stream-codec.js";
import type { PushPullState } from "../../lib/membership/types.js";

const packr = new Packr({ useRecords: false, mapsAsObjects: true, moreTypes: false });
const pack = (...fields: unknown[]): Uint8Array => packr.pack([SWIM_PROTOCOL_VERSION, ...fields]);
const k1 = generateKey();
const k2 = generateKey();

t.test("stream codec: push-pull, TCP ping and keyring requests share the listener and decode to what was sent", async (t) => {
  const state: PushPullState = { join: true, userLtime: 3, members: [{ name: "a", address: "10.0.0.1", port: 1, incarnation: 2, status: "alive", meta: { r: "x" } }] };
  t.same(decodeStreamRequest(encodePushPull(state)), { type: "push-pull", state });
  const ping = { type: "ping" as const, seq: 0xffffffff, target: "b", source: "a" };
  t.same(decodeStreamRequest(encodeTcpPing(ping)), { type: "ping", ping });
  t.equal(decodeTcpAck(encodeTcpAck(42)), 42);
  t.same(decodeStreamRequest(encodeKeyringRequest("b", "install", k1)), { type: "keyring", target: "b", op: "install", key: k1 });
  t.same(decodeStreamRequest(encodeKeyringRequest("b", "list", undefined)), { type: "keyring", target: "b", op: "list", key: undefined });
  const ok = { keys: [k1, k2], primaryKey: k1 };
  t.same(decodeKeyringReply(encodeKeyringReply(ok)), ok);
  const refused = { keys: [k1], primaryKey: k1, error: { code: "INVALID_ARGUMENT", message: "invalid key: is the primary key" } };
  t.same(decodeKeyringReply(encodeKeyringReply(refused)), refused);
  const long = decodeKeyringReply(encodeKeyringReply({ keys: [], primaryKey: undefined, error: { code: "X".repeat(99), message: "m".repeat(5000) } }));
  t.equal(long.error?.message.length, KEYRING_MESSAGE_LENGTH_MAX, "an over-long message is cut on the way out");
  t.equal(long.error?.code.length, 32);
});

t.test("stream codec: requests and replies that break the protocol raise ProtocolError naming the field", async (t) => {
  const badRequests: [Uint8Array, RegExp][] = [
    [pack("ping", 1, "b"), /fields/],
    [pack("ping", -1, "b", "a"), /ping\.seq/],
    [pack("ping", 1, "", "a"), /ping\.target/],
    [pack("keyring", "b", "rotate", null), /keyring\.op/],
    [pack("keyring", "b", "install", null), /keyring\.key/],
    [pack("keyring", "b", "list", k1), /keyring\.key/],
    [pack("keyring", "", "list", null), /keyring\.target/],
    [pack("keyring", "b", "list"), /fields/],
    [pack("gossip-me", 1), /unknown stream request/],
    [pack(1, 2, []), /push-pull\.join/],
  ];
  for (const [bytes, message] of badRequests) t.throws(() => decodeStreamRequest(bytes), { name: "ProtocolError", message }, String(message));
  const badReplies: [Uint8Array, RegExp][] = [
    [pack("ack", 1), /not a keyring reply/],
    [pack("keyring-reply", "k", null, null, null), /keys/],
    [pack("keyring-reply", ["short"], null, null, null), /keys\[0\]/],
    [pack("keyring-reply", [k1], "nope", null, null), /primary/],
    [pack("keyring-reply", [k1], k1, 5, "m"), /code/],
    [pack("keyring-reply", [k1], k1, "C", "m".repeat(KEYRING_MESSAGE_LENGTH_MAX + 1)), /message/],
  ];
  for (const [bytes, message] of badReplies) t.throws(() => decodeKeyringReply(bytes), { name: "ProtocolError", message }, String(message));
  t.throws(() => decodeTcpAck(pack("ack", "x")), { name: "ProtocolError", message: /ack\.seq/ });
  t.throws(() => decodeTcpAck(pack("nack", 1)), { name: "ProtocolError" });
  t.throws(() => decodeTcpAck(packr.pack([9, "ack", 1])), { name: "ProtocolError", message: /version/ });
  t.throws(() => decodeTcpAck(new Uint8Array(9000)), { name: "MalformedPacketError" }, "over the small-frame limit");
});

t.test("stream codec: any byte string decodes or raises Malformed/ProtocolError, never anything else (property)", async (t) => {
  const valid = [encodeTcpPing({ type: "ping", seq: 7, target: "b", source: "a" }), encodeKeyringRequest("b", "use", k1),
    encodeKeyringReply({ keys: [k1, k2], primaryKey: k2, error: { code: "C", message: "m" } }), encodeTcpAck(3)];
  const mutated = fc
    .tuple(fc.nat({ max: valid.length - 1 }), fc.nat({ max: 200 }), fc.integer({ min: 0, max: 255 }), fc.nat({ max: 200 }))
    .map(([v, i, b, cut]) => {
      const copy = valid[v]!.slice(0, Math.max(1, cut));
      if (i < copy.length) copy[i] = b;
      return copy;
    });
  t.doesNotThrow(() => fc.assert(
    fc.property(fc.oneof(fc.uint8Array({ maxLength: 64 }), mutated), (bytes) => {
      for (const decode of [decodeStreamRequest, decodeKeyringReply, decodeTcpAck]) {
        try {
          decode(bytes);
        } catch (err) {
          if (!(err instanceof MalformedPacketError) && !(err instanceof ProtocolError)) throw err;
        }
      }
      return true;
    }),
    { seed: 13, numRuns: 1500 },
  ), "no stray exceptions");
});
