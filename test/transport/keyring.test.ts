import t from "tap";
import { Keyring, generateKey, badKey, KEYRING_KEYS_MAX, GENERATED_KEY_BYTES } from "../../lib/transport/keyring.js";

const k16 = Buffer.alloc(16, 1).toString("base64");
const k24 = Buffer.alloc(24, 2).toString("base64");
const k32 = Buffer.alloc(32, 3).toString("base64");

t.test("keyring: generateKey makes 32 random bytes in canonical base64 (as consul keygen)", async (t) => {
  const a = generateKey();
  const b = generateKey();
  t.equal(Buffer.from(a, "base64").length, GENERATED_KEY_BYTES);
  t.not(a, b, "two keys differ");
  t.equal(badKey(a), undefined);
});

t.test("keyring: keys of 16, 24 and 32 bytes are accepted; anything else names the field", async (t) => {
  for (const k of [k16, k24, k32]) t.equal(badKey(k), undefined);
  t.match(badKey(Buffer.alloc(20).toString("base64")), /16, 24, 32 bytes/);
  t.match(badKey("not base64!"), /base64/);
  t.match(badKey(42), /base64/);
  t.match(badKey(k32.replace(/=*$/, "")), /canonical|bytes/, "a non-canonical spelling is refused");
  t.throws(() => new Keyring([]), { name: "InvalidArgumentError", field: "keys" });
  t.throws(() => new Keyring([k16, "bad!"]), { name: "InvalidArgumentError", field: "keys[1]" });
  t.throws(() => new Keyring(Array.from({ length: KEYRING_KEYS_MAX + 1 }, generateKey)), { name: "InvalidArgumentError", field: "keys" });
});

t.test("keyring: the first key is primary; install adds, use promotes, remove drops a non-primary key", async (t) => {
  const ring = new Keyring([k16, k16]);
  t.same(ring.list(), [k16], "duplicates collapse");
  t.equal(ring.primaryKey, k16);
  ring.install(k32);
  ring.install(k32);
  t.same(ring.list(), [k16, k32], "install is idempotent and does not change the primary");
  ring.use(k32);
  t.equal(ring.primaryKey, k32);
  t.same(ring.list(), [k32, k16], "primary first");
  t.same(ring.allBytes().map((b) => b.length), [32, 16]);
  t.equal(ring.primaryBytes().length, 32);
  t.throws(() => ring.remove(k32), { name: "InvalidArgumentError", field: "key" }, "the primary cannot be removed");
  ring.remove(k16);
  t.same(ring.list(), [k32]);
  t.throws(() => ring.remove(k16), { name: "InvalidArgumentError", field: "key" }, "removing a key not installed is refused");
  t.throws(() => ring.use(k24), { name: "InvalidArgumentError", field: "key" }, "using a key not installed is refused");
  t.throws(() => ring.install("nope"), { name: "InvalidArgumentError", field: "key" });
  t.same(ring.list(), [k32], "refused calls changed nothing");
});

t.test("keyring: install refuses beyond KEYRING_KEYS_MAX keys", async (t) => {
  const ring = new Keyring(Array.from({ length: KEYRING_KEYS_MAX }, generateKey));
  t.throws(() => ring.install(generateKey()), { name: "InvalidArgumentError", field: "key" });
  t.equal(ring.list().length, KEYRING_KEYS_MAX);
});
