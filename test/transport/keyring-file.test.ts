import t from "tap";
import { mkdtemp, readFile, readdir, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateKey, Keyring, KEYRING_KEYS_MAX } from "../../lib/transport/keyring.js";
import { readKeyringFile, writeKeyringFile, KEYRING_FILE_BYTES_MAX } from "../../lib/transport/keyring-file.js";

const dir = (): Promise<string> => mkdtemp(join(tmpdir(), "disco-keyring-"));

t.test("keyring file: saved as Consul's local.keyring (JSON array, primary first), owner-only, and read back", async (t) => {
  const path = join(await dir(), "serf", "local.keyring");
  t.equal(await readKeyringFile(path), undefined, "a missing file is no keyring");
  const keys = [generateKey(), generateKey()];
  await writeKeyringFile(path, keys);
  t.same(JSON.parse(await readFile(path, "utf8")), keys);
  t.same(await readKeyringFile(path), keys);
  if (process.platform !== "win32") t.equal((await stat(path)).mode & 0o777, 0o600, "it holds secrets");
  await writeKeyringFile(path, [keys[1]!]);
  t.same(await readKeyringFile(path), [keys[1]]);
  t.same((await readdir(join(path, ".."))).sort(), ["local.keyring"], "no temporary file is left behind");
});

t.test("keyring file: unreadable or malformed content is an InvalidConfigError naming keyringFile", async (t) => {
  const d = await dir();
  const cases: [string, RegExp][] = [
    ["not json", /not JSON/],
    ["{}", /JSON array/],
    ["[]", /JSON array/],
    [JSON.stringify(Array.from({ length: KEYRING_KEYS_MAX + 1 }, generateKey)), /JSON array/],
    [JSON.stringify([generateKey(), "short"]), /key 1/],
    [" ".repeat(KEYRING_FILE_BYTES_MAX + 1), /limit/],
  ];
  for (const [i, [content, message]] of cases.entries()) {
    const path = join(d, `k${i}`);
    await writeFile(path, content);
    await t.rejects(readKeyringFile(path), { name: "InvalidConfigError", field: "keyringFile", message }, String(message));
  }
  await t.rejects(readKeyringFile(d), { name: "InvalidConfigError", field: "keyringFile", message: /cannot read/ }, "a directory");
  await t.rejects(writeKeyringFile(join(d, "k0", "nested"), [generateKey()]), undefined, "a path under a file cannot be written");
});

t.test("keyring: reset replaces every key at once, or nothing when a key is bad", async (t) => {
  const [a, b, c] = [generateKey(), generateKey(), generateKey()];
  const ring = new Keyring([a]);
  ring.reset([b, c, b]);
  t.same(ring.list(), [b, c]);
  t.equal(ring.primaryKey, b);
  t.throws(() => ring.reset([a, "bad"]), { name: "InvalidArgumentError", field: "keys[1]" });
  t.throws(() => ring.reset([]), { name: "InvalidArgumentError", field: "keys" });
  t.same(ring.list(), [b, c], "unchanged after a refused reset");
});
