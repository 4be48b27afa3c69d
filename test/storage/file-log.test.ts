import t from "tap";
import { readdir } from "node:fs/promises";
import { openFileLog } from "../../lib/storage/file-log.js";
import { segmentName } from "../../lib/storage/segment-files.js";
import { CountingFs, dataFor, records, tempDir } from "./helpers.js";

// 100-byte data makes 124-byte frames: 8 records fill a 1 KiB segment.
const SMALL = { segmentBytesMax: 1024 };
const segmentFiles = async (dir: string): Promise<string[]> => (await readdir(dir)).filter((n) => n.endsWith(".wal")).sort();

t.test("file log: rolls to a new segment, named by its first index, past segmentBytesMax", async (t) => {
  const dir = await tempDir(t);
  const log = await openFileLog(dir, SMALL);
  await log.append(records(1, 20, 1, 100));
  await log.append(records(21, 40, 1, 100));
  t.same(await segmentFiles(dir), [1, 9, 17, 25, 33].map(segmentName));
  await log.close();
});

t.test("file log: a record larger than a segment gets a segment of its own", async (t) => {
  const dir = await tempDir(t);
  const log = await openFileLog(dir, SMALL);
  await log.append([...records(1, 1, 1, 100), ...records(2, 2, 1, 3000), ...records(3, 3, 1, 100)]);
  t.same(await segmentFiles(dir), [1, 2, 3].map(segmentName));
  await log.close();
  const again = await openFileLog(dir, SMALL);
  t.same(again.get(2)?.data, dataFor(2, 3000));
  await again.close();
});

t.test("file log: compactThrough deletes whole segments and keeps the partial one", async (t) => {
  const dir = await tempDir(t);
  const log = await openFileLog(dir, SMALL);
  await log.append(records(1, 40, 1, 100));
  await log.compactThrough(20);
  t.same(await segmentFiles(dir), [17, 25, 33].map(segmentName), "1..8 and 9..16 are gone; 17..24 still holds 21..24");
  await log.compactThrough(40);
  t.same(await segmentFiles(dir), [], "compacting everything deletes every segment");
  await log.append(records(41, 41, 1, 100));
  t.same(await segmentFiles(dir), [segmentName(41)]);
  await log.close();
});

t.test("file log: truncateAfter deletes later segments and cuts the one holding the new end", async (t) => {
  const dir = await tempDir(t);
  const log = await openFileLog(dir, SMALL);
  await log.append(records(1, 40, 1, 100));
  await log.truncateAfter(12);
  t.same(await segmentFiles(dir), [1, 9].map(segmentName));
  await log.append(records(13, 20, 2, 100));
  t.same(await segmentFiles(dir), [1, 9, 17].map(segmentName), "the cut segment is filled again, then rolls");
  await log.truncateAfter(16);
  t.same(await segmentFiles(dir), [1, 9].map(segmentName));
  await log.close();
  const again = await openFileLog(dir, SMALL);
  t.equal(again.lastIndex(), 16);
  t.equal(again.termAt(13), 2);
  await again.close();
});

t.test("file log: group commit coalesces concurrent appends into far fewer fsyncs", async (t) => {
  const dir = await tempDir(t);
  const fs = new CountingFs();
  const log = await openFileLog(dir, { fsOps: fs.ops });
  const n = 200;
  const pending = [];
  for (let i = 1; i <= n; i++) pending.push(log.append(records(i, i, 1, 64)));
  await Promise.all(pending);
  t.ok(fs.counts.fileSyncs <= 3, `${n} concurrent appends took ${fs.counts.fileSyncs} file fsyncs`);
  t.ok(log.stats().groupCommits <= 3, `${log.stats().groupCommits} group commits`);
  t.equal(log.stats().appendedRecords, n);

  // Appends that each wait for the previous one cannot share an fsync.
  const before = fs.counts.fileSyncs;
  for (let i = n + 1; i <= n + 10; i++) await log.append(records(i, i, 1, 64));
  t.equal(fs.counts.fileSyncs - before, 10, "sequential appends: one fsync each");
  await log.close();
  t.equal(log.stats().fsyncs, fs.counts.fileSyncs + fs.counts.dirSyncs, "stats count every fsync");
});

t.test("file log: appends stream while an fsync is in flight join the next write", async (t) => {
  const dir = await tempDir(t);
  const fs = new CountingFs();
  const log = await openFileLog(dir, { fsOps: fs.ops });
  let next = 1;
  const writer = async (): Promise<void> => {
    for (let k = 0; k < 25; k++) await log.append(records(next, next++, 1, 64));
  };
  await Promise.all(Array.from({ length: 16 }, writer));
  t.equal(log.lastIndex(), 400);
  t.ok(fs.counts.fileSyncs < 100, `16 appenders × 25 appends took ${fs.counts.fileSyncs} fsyncs`);
  await log.close();
});

t.test("file log: one group commit is bounded by GROUP_COMMIT_BYTES_MAX", async (t) => {
  const dir = await tempDir(t);
  const log = await openFileLog(dir, { fsync: false });
  const six = 6 * 1024 * 1024;
  await Promise.all([1, 2, 3].map((i) => log.append(records(i, i, 1, six))));
  t.equal(log.stats().groupCommits, 2, "6+6 MiB fit under 16 MiB; the third 6 MiB waits");
  await log.close();
});

t.test("file log: fsync false issues no fsync at all", async (t) => {
  const dir = await tempDir(t);
  const fs = new CountingFs();
  const log = await openFileLog(dir, { fsync: false, fsOps: fs.ops, ...SMALL });
  await log.append(records(1, 30, 1, 100));
  await log.truncateAfter(20);
  await log.compactThrough(10);
  await log.close();
  t.same(fs.counts, { fileSyncs: 0, dirSyncs: 0, writes: fs.counts.writes });
  t.equal(log.stats().fsyncs, 0);
});

t.test("file log: bad options are refused naming the field", async (t) => {
  const dir = await tempDir(t);
  await t.rejects(openFileLog(dir, { segmentBytesMax: 10 }), { name: "InvalidConfigError", field: "segmentBytesMax" });
  await t.rejects(openFileLog(dir, { segmentBytesMax: 2 ** 40 }), { name: "InvalidConfigError", field: "segmentBytesMax" });
  await t.rejects(openFileLog(dir, { fsync: "yes" as unknown as boolean }), { name: "InvalidConfigError", field: "fsync" });
});

t.test("file log: a failed write fails that batch and everything after it; reopening keeps what was durable", async (t) => {
  const dir = await tempDir(t);
  const fs = new CountingFs();
  const log = await openFileLog(dir, { fsOps: fs.ops });
  await log.append(records(1, 5));
  fs.failNext = "write";
  const failed = log.append(records(6, 6));
  const queued = log.append(records(7, 7));
  await t.rejects(failed, { name: "StorageFailedError", code: "STORAGE_CORRUPT" });
  await t.rejects(queued, { name: "StorageFailedError" });
  t.throws(() => log.lastIndex(), { name: "StorageFailedError" });
  await t.rejects(log.append(records(8, 8)), { name: "StorageFailedError" });
  await log.close();
  const again = await openFileLog(dir);
  t.equal(again.lastIndex(), 5);
  await again.close();
});

t.test("file log: a failed fsync or truncate fails the store", async (t) => {
  const dir = await tempDir(t);
  const fs = new CountingFs();
  const log = await openFileLog(dir, { fsOps: fs.ops });
  await log.append(records(1, 5));
  fs.failNext = "sync";
  await t.rejects(log.append(records(6, 6)), { name: "StorageFailedError" });
  await log.close();

  const fs2 = new CountingFs();
  const log2 = await openFileLog(dir, { fsOps: fs2.ops });
  t.ok(log2.lastIndex() >= 5, "the unsynced record may or may not be there; the synced ones are");
  fs2.failNext = "truncate";
  await t.rejects(log2.truncateAfter(2), { name: "StorageFailedError" });
  await log2.close();

  const fs3 = new CountingFs();
  const log3 = await openFileLog(dir, { fsOps: fs3.ops });
  fs3.failNext = "rename";
  await t.rejects(log3.compactThrough(2), { name: "StorageFailedError" });
  await log3.close();
  const log4 = await openFileLog(dir);
  t.equal(log4.firstIndex(), 1, "a compaction that failed before its start was recorded changed nothing");
  await log4.close();
});

t.test("file log: close waits for queued appends, which stay durable", async (t) => {
  const dir = await tempDir(t);
  const log = await openFileLog(dir);
  const pending = log.append(records(1, 10));
  const closed = log.close();
  await pending;
  await closed;
  t.same(log.stats().appendedRecords, 10, "stats stay readable after close");
  const again = await openFileLog(dir);
  t.equal(again.lastIndex(), 10);
  await again.close();
});
