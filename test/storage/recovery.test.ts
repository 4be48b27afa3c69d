import t from "tap";
import { copyFile, readFile, readdir, stat, truncate, unlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { encodeFrame, encodeRecords } from "../../lib/storage/codec.js";
import { openFileLog } from "../../lib/storage/file-log.js";
import { LOG_START_FILE, segmentName } from "../../lib/storage/segment-files.js";
import { dataFor, records, tempDir } from "./helpers.js";

const SMALL = { segmentBytesMax: 1024 };

/** A directory holding one segment with records 1..count (data of 16 bytes: 40-byte frames). */
async function oneSegment(t: { teardown(fn: () => unknown): void }, count: number): Promise<{ dir: string; path: string; bytes: Buffer }> {
  const dir = await tempDir(t);
  const log = await openFileLog(dir);
  await log.append(records(1, count));
  await log.close();
  const path = join(dir, segmentName(1));
  return { dir, path, bytes: await readFile(path) };
}

const FRAME = 40;

t.test("recovery: a torn last record, cut at every byte offset, is cut away and the log still appends", async (t) => {
  const { dir, path, bytes } = await oneSegment(t, 5);
  const lastStart = 4 * FRAME;
  t.equal(bytes.byteLength, 5 * FRAME);
  for (let cut = lastStart; cut < bytes.byteLength; cut++) {
    await writeFile(path, bytes.subarray(0, cut));
    const warnings: string[] = [];
    const log = await openFileLog(dir, { onWarning: (m) => warnings.push(m) });
    t.equal(log.lastIndex(), 4, `cut at ${cut}: records 1..4 survive`);
    t.equal(log.get(5), undefined);
    t.equal(warnings.length, cut > lastStart ? 1 : 0, `cut at ${cut}: warned ${warnings.length}`);
    t.equal((await stat(path)).size, lastStart, "the torn bytes are gone from the file");
    await log.append(records(5, 5, 2));
    await log.close();
    const again = await openFileLog(dir);
    t.equal(again.termAt(5), 2, `cut at ${cut}: the new record 5 is durable`);
    await again.close();
  }
});

t.test("recovery: a zero-filled tail (an extended but unwritten file) is cut away", async (t) => {
  const { dir, path, bytes } = await oneSegment(t, 3);
  await writeFile(path, Buffer.concat([bytes, Buffer.alloc(500)]));
  const warnings: string[] = [];
  const log = await openFileLog(dir, { onWarning: (m) => warnings.push(m) });
  t.equal(log.lastIndex(), 3);
  t.match(warnings[0], /torn tail of 500 bytes/);
  await log.close();
});

t.test("recovery: a CRC-valid record with the wrong index at the tail is cut away", async (t) => {
  const { dir, path, bytes } = await oneSegment(t, 3);
  const stray = encodeRecords(records(9, 9)).bytes;
  await writeFile(path, Buffer.concat([bytes, stray]));
  const warnings: string[] = [];
  const log = await openFileLog(dir, { onWarning: (m) => warnings.push(m) });
  t.equal(log.lastIndex(), 3);
  t.match(warnings[0], /index 9 where 4 was due/);
  await log.close();
});

t.test("recovery: a bit flipped anywhere in a record followed by good ones is refused, naming file and offset", async (t) => {
  const { dir, path, bytes } = await oneSegment(t, 5);
  const start = 2 * FRAME; // record 3 of 5
  for (let at = start; at < start + FRAME; at++) {
    const damaged = Buffer.from(bytes);
    damaged[at]! ^= 0x10;
    await writeFile(path, damaged);
    await t.rejects(openFileLog(dir), { name: "StorageCorruptError", message: new RegExp(`${segmentName(1)} at offset ${start}:`) }, `flip at byte ${at}`);
  }
  await writeFile(path, bytes);
  const log = await openFileLog(dir);
  t.equal(log.lastIndex(), 5, "the untouched file still opens: refusing changed nothing");
  await log.close();
});

t.test("recovery: damage at the end of a segment that is not the last is refused", async (t) => {
  const dir = await tempDir(t);
  const log = await openFileLog(dir, SMALL);
  await log.append(records(1, 20, 1, 100));
  await log.close();
  const first = join(dir, segmentName(1));
  await truncate(first, 8 * 124 - 3);
  await t.rejects(openFileLog(dir, SMALL), { name: "StorageCorruptError", message: /00000000000000000001\.wal at offset 868: .*not the last/ });
});

t.test("recovery: a missing segment in the middle is refused", async (t) => {
  const dir = await tempDir(t);
  const log = await openFileLog(dir, SMALL);
  await log.append(records(1, 30, 1, 100));
  await log.close();
  await unlink(join(dir, segmentName(9)));
  await t.rejects(openFileLog(dir, SMALL), { name: "StorageCorruptError", message: /segment is missing/ });
});

t.test("recovery: a missing first segment is refused when no compaction recorded it", async (t) => {
  const dir = await tempDir(t);
  const log = await openFileLog(dir, SMALL);
  await log.append(records(1, 30, 1, 100));
  await log.close();
  await unlink(join(dir, segmentName(1)));
  await t.rejects(openFileLog(dir, SMALL), { name: "StorageCorruptError", message: /starts at index 1 but its first segment at 9/ });
});

t.test("recovery: a segment whose first record is not its named index is refused", async (t) => {
  const dir = await tempDir(t);
  await writeFile(join(dir, segmentName(1)), encodeRecords(records(2, 4)).bytes);
  await t.rejects(openFileLog(dir), { name: "StorageCorruptError", message: /at offset 0: index 2 where 1 was due, with well-formed/ });
});

t.test("recovery: a compaction cut short by a crash (start recorded, segments not yet deleted) is finished", async (t) => {
  const dir = await tempDir(t);
  const log = await openFileLog(dir, SMALL);
  await log.append(records(1, 40, 1, 100));
  for (const base of [1, 9]) await copyFile(join(dir, segmentName(base)), join(dir, `${base}.keep`));
  await log.compactThrough(20);
  await log.close();
  // Put back what the compaction deleted, as if the deletions never reached the disk.
  for (const base of [1, 9]) await copyFile(join(dir, `${base}.keep`), join(dir, segmentName(base)));
  const again = await openFileLog(dir, SMALL);
  t.equal(again.firstIndex(), 21);
  t.equal(again.lastIndex(), 40);
  t.same(again.get(21)?.data, dataFor(21, 100));
  const left = (await readdir(dir)).filter((n) => n.endsWith(".wal"));
  t.notOk(left.includes(segmentName(1)) || left.includes(segmentName(9)), "the stale segments are removed on open");
  await again.close();
});

t.test("recovery: a log compacted past its end, with stale segments left, opens empty at the new start", async (t) => {
  const dir = await tempDir(t);
  const log = await openFileLog(dir, SMALL);
  await log.append(records(1, 10, 1, 100));
  await copyFile(join(dir, segmentName(9)), join(dir, "9.keep"));
  await log.compactThrough(50);
  await log.close();
  await copyFile(join(dir, "9.keep"), join(dir, segmentName(9)));
  const again = await openFileLog(dir, SMALL);
  t.equal(again.firstIndex(), 51);
  t.equal(again.lastIndex(), 50);
  await again.close();
});

t.test("recovery: a corrupt log start file is refused; a leftover temp of it is removed", async (t) => {
  const dir = await tempDir(t);
  const log = await openFileLog(dir);
  await log.append(records(1, 10));
  await log.compactThrough(4);
  await log.close();
  await writeFile(join(dir, LOG_START_FILE + ".tmp"), "half-written");
  const again = await openFileLog(dir);
  t.equal(again.firstIndex(), 5);
  await again.close();
  t.notOk((await readdir(dir)).includes(LOG_START_FILE + ".tmp"));

  const good = await readFile(join(dir, LOG_START_FILE));
  const flipped = Buffer.from(good);
  flipped[flipped.length - 1]! ^= 1;
  await writeFile(join(dir, LOG_START_FILE), flipped);
  await t.rejects(openFileLog(dir), { name: "StorageCorruptError", message: /log\.start at offset 0: CRC mismatch/ });
  await writeFile(join(dir, LOG_START_FILE), encodeFrame(Buffer.from([0xd9, 0x10])));
  await t.rejects(openFileLog(dir), { name: "StorageCorruptError", message: /undecodable log start/ });
  await writeFile(join(dir, LOG_START_FILE), encodeFrame(Buffer.from([0x80])));
  await t.rejects(openFileLog(dir), { name: "StorageCorruptError", message: /invalid log start/ });
});

t.test("recovery: files that are not segments are ignored", async (t) => {
  const { dir } = await oneSegment(t, 2);
  await writeFile(join(dir, "notes.txt"), "hello");
  await writeFile(join(dir, "123.wal"), "not a segment name");
  const log = await openFileLog(dir);
  t.equal(log.lastIndex(), 2);
  await log.close();
});

t.test("recovery: a refused log is left exactly as found, torn tail included", async (t) => {
  const dir = await tempDir(t);
  const log = await openFileLog(dir, SMALL);
  await log.append(records(1, 30, 1, 100));
  await log.close();
  const last = join(dir, segmentName(25));
  await truncate(last, 124 + 50);
  await unlink(join(dir, segmentName(9)));
  await t.rejects(openFileLog(dir, SMALL), { name: "StorageCorruptError" });
  t.equal((await stat(last)).size, 124 + 50, "the torn tail was not cut: the open was refused as a whole");
});
