import t from "tap";
import { readFile, readdir, rename, truncate, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { openFileSnapshotStore } from "../../lib/storage/file-snapshot.js";
import { MemorySnapshotStore } from "../../lib/storage/memory-snapshot.js";
import { SNAPSHOT_DATA_BYTES_MAX, SNAPSHOT_META_BYTES_MAX } from "../../lib/storage/limits.js";
import { snapshotName } from "../../lib/storage/snapshot-codec.js";
import { CountingFs, dataFor, tempDir } from "./helpers.js";

async function flipByte(path: string, at: number): Promise<void> {
  const bytes = await readFile(path);
  bytes[at < 0 ? bytes.length + at : at]! ^= 0x01;
  await writeFile(path, bytes);
}

t.test("file snapshots: a leftover temp file is ignored by readers and removed on open", async (t) => {
  const dir = await tempDir(t);
  const store = await openFileSnapshotStore(dir);
  await store.save({ index: 5, term: 1 }, dataFor(5));
  // A crash mid-save of a newer snapshot leaves only its temp file.
  await writeFile(join(dir, snapshotName(9, 1) + ".tmp"), "half a snapshot");
  t.equal((await store.loadLatest())?.meta.index, 5);
  t.same((await store.list()).map((m) => m.index), [5]);
  const again = await openFileSnapshotStore(dir);
  t.same(await readdir(dir), [snapshotName(5, 1)]);
  await again.close();
  await store.close();
});

t.test("file snapshots: a save that fails before its rename leaves the previous snapshot intact", async (t) => {
  const dir = await tempDir(t);
  const fs = new CountingFs();
  const store = await openFileSnapshotStore(dir, { fsOps: fs.ops });
  await store.save({ index: 5, term: 1 }, dataFor(5));
  fs.failNext = "rename";
  await t.rejects(store.save({ index: 9, term: 1 }, dataFor(9)), { message: /injected rename failure/ });
  fs.failNext = "write";
  await t.rejects(store.save({ index: 10, term: 1 }, dataFor(10)), { message: /injected write failure/ });
  t.equal((await store.loadLatest())?.meta.index, 5);
  t.notOk((await readdir(dir)).some((n) => n.endsWith(".tmp") && n.startsWith(snapshotName(10, 1))), "a failed write removes its temp file");
  await store.save({ index: 11, term: 1 }, dataFor(11));
  t.equal((await store.loadLatest())?.meta.index, 11, "the store keeps working after a failed save");
  await store.close();
});

t.test("file snapshots: one save fsyncs the file and the directory", async (t) => {
  const dir = await tempDir(t);
  const fs = new CountingFs();
  const store = await openFileSnapshotStore(dir, { fsOps: fs.ops });
  await store.save({ index: 1, term: 1 }, dataFor(1));
  t.equal(fs.counts.fileSyncs, 1);
  t.equal(fs.counts.dirSyncs, 1);
  await store.close();
  const fs2 = new CountingFs();
  const quiet = await openFileSnapshotStore(dir, { fsOps: fs2.ops, fsync: false, retain: 1 });
  await quiet.save({ index: 2, term: 1 }, dataFor(2));
  t.same([fs2.counts.fileSyncs, fs2.counts.dirSyncs], [0, 0]);
  await quiet.close();
});

t.test("file snapshots: the only snapshot, corrupt, is refused with StorageCorruptError naming the file", async (t) => {
  const dir = await tempDir(t);
  const warnings: string[] = [];
  const store = await openFileSnapshotStore(dir, { onWarning: (m) => warnings.push(m) });
  await store.save({ index: 5, term: 1 }, dataFor(5, 1000));
  await flipByte(join(dir, snapshotName(5, 1)), -10);
  await t.rejects(store.loadLatest(), { name: "StorageCorruptError", message: new RegExp(`${snapshotName(5, 1)} at offset \\d+: CRC mismatch`) });
  t.same((await store.list()).map((m) => m.index), [5], "list reads only metadata, which is intact");
  await flipByte(join(dir, snapshotName(5, 1)), 10);
  t.same(await store.list(), []);
  t.match(warnings[0], /left out of the list/);
  await store.close();
});

t.test("file snapshots: a corrupt newest snapshot falls back to the previous good one, and says so", async (t) => {
  const dir = await tempDir(t);
  const warnings: string[] = [];
  const store = await openFileSnapshotStore(dir, { retain: 3, onWarning: (m) => warnings.push(m) });
  for (const index of [3, 6, 9]) await store.save({ index, term: 2 }, dataFor(index, 200));
  await truncate(join(dir, snapshotName(9, 2)), 50);
  await flipByte(join(dir, snapshotName(6, 2)), -1);
  const loaded = await store.loadLatest();
  t.equal(loaded?.meta.index, 3);
  t.same(loaded?.data, dataFor(3, 200));
  t.equal(warnings.length, 1);
  t.match(warnings[0], new RegExp(`${snapshotName(9, 2)} at offset \\d+: .*fell back to .*${snapshotName(3, 2)}`));
  await store.close();
});

t.test("file snapshots: a file whose name and metadata disagree is refused", async (t) => {
  const dir = await tempDir(t);
  const store = await openFileSnapshotStore(dir);
  await store.save({ index: 5, term: 1 }, dataFor(5));
  await rename(join(dir, snapshotName(5, 1)), join(dir, snapshotName(7, 1)));
  await t.rejects(store.loadLatest(), { name: "StorageCorruptError", message: /metadata says 5\/1, the name 7\/1/ });
  await store.close();
});

t.test("file snapshots: trailing bytes, an empty file and undecodable metadata are corruption", async (t) => {
  const dir = await tempDir(t);
  const store = await openFileSnapshotStore(dir, { retain: 5 });
  await store.save({ index: 1, term: 1 }, dataFor(1));
  const path = join(dir, snapshotName(1, 1));
  await writeFile(path, Buffer.concat([await readFile(path), Buffer.from([0])]));
  await t.rejects(store.loadLatest(), { name: "StorageCorruptError", message: /1 unexpected trailing bytes/ });
  await writeFile(path, "");
  await t.rejects(store.loadLatest(), { name: "StorageCorruptError", message: /partial frame header/ });
  t.same(await store.list(), []);
  await store.close();
});

t.test("file snapshots: bad options and oversized snapshots are refused", async (t) => {
  const dir = await tempDir(t);
  await t.rejects(openFileSnapshotStore(dir, { retain: 0 }), { name: "InvalidConfigError", field: "retain" });
  await t.rejects(openFileSnapshotStore(dir, { retain: 1.5 }), { name: "InvalidConfigError", field: "retain" });
  await t.rejects(openFileSnapshotStore(dir, { fsync: 1 as unknown as boolean }), { name: "InvalidConfigError", field: "fsync" });
  t.throws(() => new MemorySnapshotStore({ retain: 1000 }), { name: "InvalidConfigError", field: "retain" });
  const store = await openFileSnapshotStore(dir);
  const huge = new Uint8Array(0);
  Object.defineProperty(huge, "byteLength", { value: SNAPSHOT_DATA_BYTES_MAX + 1 });
  await t.rejects(store.save({ index: 1, term: 1 }, huge), { name: "ValueTooLargeError", limitBytes: SNAPSHOT_DATA_BYTES_MAX });
  const bigMeta = { index: 1, term: 1, blob: "x".repeat(SNAPSHOT_META_BYTES_MAX) };
  await t.rejects(store.save(bigMeta, new Uint8Array()), { name: "ValueTooLargeError", limitBytes: SNAPSHOT_META_BYTES_MAX });
  await store.close();
});
