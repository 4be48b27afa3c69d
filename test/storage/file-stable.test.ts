import t from "tap";
import { pack } from "msgpackr";
import { readFile, readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { encodeFrame } from "../../lib/storage/codec.js";
import { STABLE_FILE, openFileStableStore } from "../../lib/storage/file-stable.js";
import { CountingFs, tempDir } from "./helpers.js";

t.test("file stable store: a corrupt state file is refused with StorageCorruptError", async (t) => {
  const dir = await tempDir(t);
  const store = await openFileStableStore(dir);
  await store.save({ term: 3, vote: "a", commit: 9 });
  const path = join(dir, STABLE_FILE);
  const bytes = await readFile(path);
  bytes[bytes.length - 1]! ^= 0x40;
  await writeFile(path, bytes);
  await t.rejects(store.load(), { name: "StorageCorruptError", message: /stable\.state at offset 0: CRC mismatch/ });
  await writeFile(path, encodeFrame(pack({ term: "x", vote: "", commit: 0 })));
  await t.rejects(store.load(), { name: "StorageCorruptError", message: /lacks a valid term/ });
  await writeFile(path, encodeFrame(Buffer.from([0xd9, 0x10])));
  await t.rejects(store.load(), { name: "StorageCorruptError", message: /undecodable hard state/ });
  await store.close();
});

t.test("file stable store: a leftover temp file is ignored and removed on open", async (t) => {
  const dir = await tempDir(t);
  const store = await openFileStableStore(dir);
  await store.save({ term: 1, vote: "", commit: 0 });
  await writeFile(join(dir, STABLE_FILE + ".tmp"), "garbage");
  t.same(await store.load(), { term: 1, vote: "", commit: 0 });
  await store.close();
  const again = await openFileStableStore(dir);
  t.same(await readdir(dir), [STABLE_FILE]);
  await again.close();
});

t.test("file stable store: a save that fails keeps the old state; the next save works; each save fsyncs", async (t) => {
  const dir = await tempDir(t);
  const fs = new CountingFs();
  const store = await openFileStableStore(dir, { fsOps: fs.ops });
  await store.save({ term: 1, vote: "a", commit: 1 });
  t.same([fs.counts.fileSyncs, fs.counts.dirSyncs], [1, 1], "file then directory");
  fs.failNext = "rename";
  await t.rejects(store.save({ term: 2, vote: "b", commit: 2 }), { message: /injected rename failure/ });
  t.same(await store.load(), { term: 1, vote: "a", commit: 1 });
  await store.save({ term: 3, vote: "", commit: 3 });
  t.same(await store.load(), { term: 3, vote: "", commit: 3 });
  await store.close();
  await t.rejects(openFileStableStore(dir, { fsync: "no" as unknown as boolean }), { name: "InvalidConfigError", field: "fsync" });
});
