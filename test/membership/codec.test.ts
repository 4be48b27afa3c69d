import t from "tap";
import fc from "fast-check";
import { pack } from "msgpackr";
import {
  decodePacket,
  decodePushPull,
  encodePacket,
  encodePushPull,
  messageBytes,
} from "../../lib/membership/codec.js";
import {
  META_BYTES_MAX,
  PACKET_BYTES_MAX_ACCEPTED,
  PACKET_MESSAGES_MAX,
  PACKET_OVERHEAD_BYTES,
  PUSH_PULL_MEMBERS_MAX,
  SWIM_PROTOCOL_VERSION,
  USER_EVENT_PAYLOAD_BYTES_MAX,
} from "../../lib/membership/limits.js";
import { MalformedPacketError, ProtocolError } from "../../lib/util/errors.js";
import type { PushPullState, SwimMessage } from "../../lib/membership/types.js";

const every: SwimMessage[] = [
  { type: "ping", seq: 7, target: "b", source: "a" },
  { type: "ping-req", seq: 0xffffffff, target: "c", targetAddress: "10.0.0.3", targetPort: 7946, nack: true, source: "a" },
  { type: "ack", seq: 0 },
  { type: "nack", seq: 42 },
  { type: "alive", node: "b", incarnation: 3, address: "::1", port: 65535, meta: { role: "web", dc: "dc1" } },
  { type: "suspect", node: "b", incarnation: 3, from: "a" },
  { type: "dead", node: "b", incarnation: Number.MAX_SAFE_INTEGER, from: "b" },
  { type: "user", origin: "a", ltime: 9, name: "deploy", payload: new Uint8Array([1, 2, 3]) },
  { type: "force-leave", node: "c", incarnation: 4, from: "a", prune: true },
  { type: "force-leave", node: "c", incarnation: 0, from: "a", prune: false },
];

t.test("codec: every message type round-trips, alone and compound", async (t) => {
  for (const msg of every) {
    t.same(decodePacket(encodePacket([msg])), [msg], msg.type);
  }
  t.same(decodePacket(encodePacket(every)), every, "compound");
});

t.test("codec: an encoded packet is at most overhead + the sum of message sizes", async (t) => {
  const bytes = encodePacket(every).length;
  const sum = every.reduce((s, m) => s + messageBytes(m), 0);
  t.ok(bytes <= PACKET_OVERHEAD_BYTES + sum, `${bytes} <= ${PACKET_OVERHEAD_BYTES} + ${sum}`);
  const many = Array.from({ length: 200 }, (_, i) => ({ type: "ack", seq: i }) as SwimMessage);
  t.ok(encodePacket(many).length <= PACKET_OVERHEAD_BYTES + many.reduce((s, m) => s + messageBytes(m), 0));
});

t.test("codec: push-pull state round-trips", async (t) => {
  const state: PushPullState = {
    join: true,
    userLtime: 12,
    members: [
      { name: "a", address: "10.0.0.1", port: 1, incarnation: 0, status: "alive", meta: {} },
      { name: "b", address: "10.0.0.2", port: 2, incarnation: 5, status: "suspect", meta: { role: "db" } },
      { name: "c", address: "10.0.0.3", port: 3, incarnation: 1, status: "failed", meta: {} },
      { name: "d", address: "10.0.0.4", port: 4, incarnation: 2, status: "left", meta: {} },
    ],
  };
  t.same(decodePushPull(encodePushPull(state)), state);
});

const V = SWIM_PROTOCOL_VERSION;
const malformed: [label: string, bytes: Uint8Array][] = [
  ["empty", new Uint8Array(0)],
  ["not msgpack (reserved byte 0xc1)", new Uint8Array([0xc1])],
  ["truncated array", new Uint8Array([0x92, 0x01])],
  ["truncated string", new Uint8Array([0x92, 0x01, 0x91, 0x94, 0x00, 0x01, 0xa5, 0x61])],
  ["trailing bytes", new Uint8Array([...pack([V, [[2, 1]]]), 0x00])],
  ["huge array length, few bytes", new Uint8Array([0xdd, 0xff, 0xff, 0xff, 0xff, 0x01])],
  ["not an array", pack({ v: 1 })],
  ["a bare number", pack(5)],
  ["envelope too short", pack([V])],
  ["envelope with 3 fields", pack([V, [], 1])],
  ["messages not an array", pack([V, "x"])],
  ["over the accepted size", new Uint8Array(PACKET_BYTES_MAX_ACCEPTED + 1)],
];

t.test("codec: malformed bytes raise MalformedPacketError, counted", async (t) => {
  let thrown = 0;
  for (const [label, bytes] of malformed) {
    t.throws(() => decodePacket(bytes), { name: "MalformedPacketError", code: "MALFORMED_PACKET" }, label);
    try {
      decodePacket(bytes);
    } catch (err) {
      if (err instanceof MalformedPacketError) thrown++;
    }
  }
  t.equal(thrown, malformed.length, "every bad frame was rejected");
  t.throws(() => decodePacket("nope" as never), { name: "MalformedPacketError" });
});

const violations: [label: string, value: unknown][] = [
  ["other version", [V + 1, [[2, 1]]]],
  ["no messages", [V, []]],
  ["too many messages", [V, Array.from({ length: PACKET_MESSAGES_MAX + 1 }, () => [2, 1])]],
  ["unknown type", [V, [[99, 1]]]],
  ["message not an array", [V, [5]]],
  ["empty message", [V, [[]]]],
  ["ack with extra field", [V, [[2, 1, 2]]]],
  ["negative seq", [V, [[2, -1]]]],
  ["seq over uint32", [V, [[2, 2 ** 32]]]],
  ["fractional seq", [V, [[3, 1.5]]]],
  ["ping with empty target", [V, [[0, 1, "", "a"]]]],
  ["ping with numeric source", [V, [[0, 1, "b", 7]]]],
  ["ping-req with bad port", [V, [[1, 1, "c", "10.0.0.3", 70000, true, "a"]]]],
  ["ping-req with non-boolean nack", [V, [[1, 1, "c", "10.0.0.3", 7946, 1, "a"]]]],
  ["ping-req with empty address", [V, [[1, 1, "c", "", 7946, true, "a"]]]],
  ["alive with negative incarnation", [V, [[4, "b", -1, "10.0.0.2", 1, {}]]]],
  ["alive with non-string meta", [V, [[4, "b", 1, "10.0.0.2", 1, { a: 1 }]]]],
  ["alive with array meta", [V, [[4, "b", 1, "10.0.0.2", 1, ["x"]]]]],
  ["alive with oversized meta", [V, [[4, "b", 1, "10.0.0.2", 1, { k: "x".repeat(META_BYTES_MAX) }]]]],
  ["alive with over-long name", [V, [[4, "x".repeat(300), 1, "10.0.0.2", 1, {}]]]],
  ["suspect with missing from", [V, [[5, "b", 1]]]],
  ["dead with string incarnation", [V, [[6, "b", "1", "a"]]]],
  ["user with string payload", [V, [[7, "a", 1, "ev", "payload"]]]],
  ["user with oversized payload", [V, [[7, "a", 1, "ev", new Uint8Array(USER_EVENT_PAYLOAD_BYTES_MAX + 1)]]]],
  ["user with empty name", [V, [[7, "a", 1, "", new Uint8Array(0)]]]],
  ["dead with a fifth field (force-leave is type 8, not a flag)", [V, [[6, "b", 1, "a", true]]]],
  ["force-leave without prune", [V, [[8, "b", 1, "a"]]]],
  ["force-leave with an extra field", [V, [[8, "b", 1, "a", false, 0]]]],
  ["force-leave with numeric prune", [V, [[8, "b", 1, "a", 1]]]],
  ["force-leave with negative incarnation", [V, [[8, "b", -1, "a", false]]]],
  ["force-leave with empty node", [V, [[8, "", 1, "a", false]]]],
  ["force-leave with numeric from", [V, [[8, "b", 1, 5, false]]]],
];

t.test("codec: packets that decode but break the protocol raise ProtocolError", async (t) => {
  for (const [label, value] of violations) {
    t.throws(() => decodePacket(pack(value)), { name: "ProtocolError", code: "PROTOCOL" }, label);
  }
});

t.test("codec: push-pull frames are checked against their limits (memberlist TestReadRemoteState_Limits)", async (t) => {
  const member = ["a", "10.0.0.1", 1, 0, 0, {}];
  t.throws(() => decodePushPull(pack([V, true, 0, [["a", "10.0.0.1", 1, 0, 9, {}]]])), { name: "ProtocolError" }, "unknown status");
  t.throws(() => decodePushPull(pack([V, "yes", 0, [member]])), { name: "ProtocolError" }, "join not boolean");
  t.throws(() => decodePushPull(pack([V, true, -1, [member]])), { name: "ProtocolError" }, "negative ltime");
  t.throws(() => decodePushPull(pack([V, true, 0, [["a"]]])), { name: "ProtocolError" }, "short member");
  t.throws(() => decodePushPull(pack([V, true, 0, [7]])), { name: "ProtocolError" }, "member not an array");
  t.throws(() => decodePushPull(pack([V + 1, true, 0, []])), { name: "ProtocolError" }, "other version");
  t.throws(() => decodePushPull(pack([V, true, 0])), { name: "MalformedPacketError" }, "short envelope");
  t.throws(() => decodePushPull(pack([V, true, 0, {}])), { name: "MalformedPacketError" }, "members not an array");
  t.throws(() => decodePushPull(new Uint8Array([0x94, 0x01])), { name: "MalformedPacketError" }, "truncated");
  const tooMany = pack([V, false, 0, Array.from({ length: PUSH_PULL_MEMBERS_MAX + 1 }, () => 0)]);
  t.throws(() => decodePushPull(tooMany), { name: "ProtocolError", message: /limit/ }, "too many members");
});

const arbName = fc.string({ minLength: 1, maxLength: 20 });
const arbU32 = fc.integer({ min: 0, max: 0xffffffff });
const arbInc = fc.nat();
const arbMeta = fc.dictionary(fc.string({ maxLength: 8 }), fc.string({ maxLength: 16 }), { maxKeys: 5 });
const arbMsg: fc.Arbitrary<SwimMessage> = fc.oneof(
  fc.record({ type: fc.constant("ping" as const), seq: arbU32, target: arbName, source: arbName }),
  fc.record({
    type: fc.constant("ping-req" as const), seq: arbU32, target: arbName, targetAddress: arbName,
    targetPort: fc.integer({ min: 0, max: 65535 }), nack: fc.boolean(), source: arbName,
  }),
  fc.record({ type: fc.constantFrom("ack" as const, "nack" as const), seq: arbU32 }),
  fc.record({
    type: fc.constant("alive" as const), node: arbName, incarnation: arbInc, address: arbName,
    port: fc.integer({ min: 0, max: 65535 }), meta: arbMeta,
  }),
  fc.record({ type: fc.constantFrom("suspect" as const, "dead" as const), node: arbName, incarnation: arbInc, from: arbName }),
  fc.record({
    type: fc.constant("user" as const), origin: arbName, ltime: arbInc, name: arbName,
    payload: fc.uint8Array({ maxLength: 64 }),
  }),
  fc.record({ type: fc.constant("force-leave" as const), node: arbName, incarnation: arbInc, from: arbName, prune: fc.boolean() }),
);

t.test("codec: decode(encode(msgs)) equals msgs (property)", async (t) => {
  t.doesNotThrow(() => fc.assert(
    fc.property(fc.array(arbMsg, { minLength: 1, maxLength: 10 }), (msgs) => {
      t.same(decodePacket(encodePacket(msgs)), msgs);
      return true;
    }),
    { seed: 7, numRuns: 300 },
  ), "round trip held");
});

t.test("codec: messageBytes equals the encoded size of each message (property)", async (t) => {
  // A one-message packet is [version, [msg]]: 3 bytes of headers around the message.
  for (const msg of every) t.equal(messageBytes(msg), encodePacket([msg]).length - 3, msg.type);
  fc.assert(
    fc.property(arbMsg, (msg) => messageBytes(msg) === encodePacket([msg]).length - 3),
    { seed: 5, numRuns: 1000 },
  );
  const big = { type: "user" as const, origin: "é".repeat(200), ltime: 2 ** 40, name: "x".repeat(100), payload: new Uint8Array(300) };
  t.equal(messageBytes(big), encodePacket([big]).length - 3, "long strings, big numbers, bin16");
});

t.test("codec: any byte string decodes or raises Malformed/ProtocolError, never anything else (property)", async (t) => {
  const valid = encodePacket(every);
  const mutated = fc
    .tuple(fc.nat({ max: valid.length - 1 }), fc.integer({ min: 0, max: 255 }), fc.nat({ max: valid.length }))
    .map(([i, b, cut]) => {
      const copy = valid.slice(0, Math.max(1, cut));
      if (i < copy.length) copy[i] = b;
      return copy;
    });
  t.doesNotThrow(() => fc.assert(
    fc.property(fc.oneof(fc.uint8Array({ maxLength: 64 }), mutated), (bytes) => {
      for (const decode of [decodePacket, decodePushPull]) {
        try {
          decode(bytes);
        } catch (err) {
          if (!(err instanceof MalformedPacketError) && !(err instanceof ProtocolError)) throw err;
        }
      }
      return true;
    }),
    { seed: 11, numRuns: 2000 },
  ), "no stray exceptions");
});
