import t from "tap";
import fc from "fast-check";
import { Keyring, generateKey } from "../../lib/transport/keyring.js";
import {
  PacketCrypto,
  LABEL_TAG,
  LABEL_BYTES_MAX,
  ENCRYPTION_OVERHEAD_BYTES,
  ENCRYPTION_VERSION,
  badLabel,
} from "../../lib/transport/packet-crypto.js";
import { MalformedPacketError } from "../../lib/util/errors.js";

const payload = new TextEncoder().encode("hello gossip");
const text = (b: Uint8Array): string => new TextDecoder().decode(b);

t.test("crypto: sealed payloads round-trip with the same key and label (AES-GCM, memberlist v1 layout)", async (t) => {
  const key = generateKey();
  for (const label of ["", "prod"]) {
    const a = new PacketCrypto({ keyring: new Keyring([key]), label });
    const b = new PacketCrypto({ keyring: new Keyring([key]), label });
    const sealed = a.seal(payload);
    const header = label === "" ? 0 : 2 + label.length;
    t.equal(sealed.length, payload.length + header + ENCRYPTION_OVERHEAD_BYTES, "overhead is header + version + nonce + tag");
    t.equal(a.overheadBytes, header + ENCRYPTION_OVERHEAD_BYTES);
    t.equal(sealed[header], ENCRYPTION_VERSION);
    t.equal(Buffer.from(sealed).includes(Buffer.from("hello gossip")), false, "the payload is not in the clear");
    t.equal(text(b.open(sealed)), "hello gossip");
    t.not(Buffer.from(a.seal(payload)).toString("hex"), Buffer.from(sealed).toString("hex"), "a fresh nonce per packet");
  }
  for (const bytes of [16, 24]) {
    const k = Buffer.alloc(bytes, 7).toString("base64");
    const c = new PacketCrypto({ keyring: new Keyring([k]) });
    t.equal(text(c.open(c.seal(payload))), "hello gossip", `AES-${bytes * 8} works`);
  }
});

t.test("crypto: without a key the payload travels in the clear, label header first (memberlist label_test)", async (t) => {
  const plain = new PacketCrypto();
  t.same(plain.seal(payload), Buffer.from(payload), "no label, no key: unchanged");
  t.equal(plain.overheadBytes, 0);
  const labelled = new PacketCrypto({ label: "blue" });
  const sealed = labelled.seal(payload);
  t.same([...sealed.subarray(0, 6)], [LABEL_TAG, 4, ...Buffer.from("blue")]);
  t.equal(text(labelled.open(sealed)), "hello gossip");
  t.throws(() => new PacketCrypto({ label: "green" }).open(sealed), MalformedPacketError, "another label is refused");
  t.throws(() => plain.open(sealed), MalformedPacketError, "a labelled packet is refused by an unlabelled member");
  t.throws(() => labelled.open(payload), MalformedPacketError, "an unlabelled packet is refused by a labelled member");
  t.equal(labelled.stats.labelMismatch, 1);
  t.equal(plain.stats.labelMismatch, 1);
});

t.test("crypto: a wrong key or a wrong label fails authentication and is counted", async (t) => {
  const a = new PacketCrypto({ keyring: new Keyring([generateKey()]), label: "x" });
  const wrongKey = new PacketCrypto({ keyring: new Keyring([generateKey()]), label: "x" });
  const sealed = a.seal(payload);
  t.throws(() => wrongKey.open(sealed), { name: "MalformedPacketError" });
  t.equal(wrongKey.stats.authFailed, 1);
  t.equal(wrongKey.stats.rejected, 1);
  // Same key, label header rewritten by someone without the key: the label is GCM additional data.
  const key = a.keyring!.primaryKey;
  const relabelledReceiver = new PacketCrypto({ keyring: new Keyring([key]), label: "y" });
  const forged = Buffer.concat([Buffer.from([LABEL_TAG, 1, "y".charCodeAt(0)]), sealed.subarray(3)]);
  t.throws(() => relabelledReceiver.open(forged), MalformedPacketError);
  t.equal(relabelledReceiver.stats.authFailed, 1, "the header matched but authentication failed");
  const flipped = Buffer.from(sealed);
  flipped[flipped.length - 1] = flipped[flipped.length - 1]! ^ 1;
  t.throws(() => new PacketCrypto({ keyring: new Keyring([key]), label: "x" }).open(flipped), MalformedPacketError, "a flipped tag bit fails");
});

t.test("crypto: truncated, empty and garbage bytes throw MalformedPacketError only", async (t) => {
  const c = new PacketCrypto({ keyring: new Keyring([generateKey()]), label: "lab" });
  const sealed = c.seal(payload);
  const cases: Uint8Array[] = [
    new Uint8Array(0),
    Uint8Array.of(LABEL_TAG),
    Uint8Array.of(LABEL_TAG, 0),
    Uint8Array.of(LABEL_TAG, 9, 1, 2),
    sealed.subarray(0, 5),
    sealed.subarray(0, 5 + ENCRYPTION_OVERHEAD_BYTES - 1),
    Buffer.concat([sealed.subarray(0, 5), Buffer.from([9]), sealed.subarray(6)]),
  ];
  for (const bytes of cases) t.throws(() => c.open(bytes), MalformedPacketError, `refused: ${Buffer.from(bytes).toString("hex").slice(0, 24)}`);
  t.equal(c.stats.rejected, cases.length, "every refusal is counted");
  t.throws(() => c.open("nope" as unknown as Uint8Array), MalformedPacketError);
  const plain = new PacketCrypto({ keyring: new Keyring([generateKey()]) });
  fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
    try {
      plain.open(bytes);
      return false; // random bytes never authenticate
    } catch (err) {
      return err instanceof MalformedPacketError;
    }
  }), { numRuns: 500 });
});

t.test("crypto: labels are bounded at 255 UTF-8 bytes", async (t) => {
  t.equal(badLabel("a".repeat(LABEL_BYTES_MAX)), undefined);
  t.match(badLabel("é".repeat(200)), /UTF-8 bytes/);
  t.match(badLabel(3), /string/);
  t.throws(() => new PacketCrypto({ label: "a".repeat(LABEL_BYTES_MAX + 1) }), { name: "InvalidConfigError", field: "label" });
});

t.test("crypto: rotation — install the new key everywhere, use it, remove the old — never loses a packet", async (t) => {
  const oldKey = generateKey();
  const newKey = generateKey();
  const members = [0, 1, 2].map(() => new PacketCrypto({ keyring: new Keyring([oldKey]), label: "c" }));
  const allTalk = (): boolean => members.every((from) => members.every((to) => text(to.open(from.seal(payload))) === "hello gossip"));
  t.ok(allTalk(), "before");
  for (const m of members) {
    m.keyring!.install(newKey);
    t.ok(allTalk(), "while installing");
  }
  for (const m of members) {
    m.keyring!.use(newKey);
    t.ok(allTalk(), "while switching the primary one member at a time");
  }
  for (const m of members) {
    m.keyring!.remove(oldKey);
    t.ok(allTalk(), "while removing the old key");
  }
  const stale = new PacketCrypto({ keyring: new Keyring([oldKey]), label: "c" });
  t.throws(() => members[0]!.open(stale.seal(payload)), MalformedPacketError, "the old key no longer opens anything");
});
