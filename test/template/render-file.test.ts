import t, { type Test } from "tap";
import { mkdtemp, readdir, readFile, rm, stat, writeFile, chmod } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FILE_MODE_DEFAULT, writeIfChanged } from "../../lib/template/render-file.js";

async function dir(t: Test): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), "disco-render-"));
  t.teardown(() => rm(d, { recursive: true, force: true }));
  return d;
}

t.test("render-file: a new file is created with the given mode (umask ignored) and its missing directories", async (t) => {
  const d = await dir(t);
  const path = join(d, "a", "b", "out.conf");
  t.equal(await writeIfChanged(path, "x"), true);
  t.equal(await readFile(path, "utf8"), "x");
  t.equal((await stat(path)).mode & 0o7777, FILE_MODE_DEFAULT);
  const other = join(d, "custom");
  await writeIfChanged(other, "y", 0o640);
  t.equal((await stat(other)).mode & 0o7777, 0o640);
});

t.test("render-file: identical bytes are not rewritten (same inode, same mtime)", async (t) => {
  const d = await dir(t);
  const path = join(d, "out");
  await writeIfChanged(path, "same");
  const before = await stat(path);
  t.equal(await writeIfChanged(path, "same"), false);
  const after = await stat(path);
  t.equal(after.ino, before.ino);
  t.equal(after.mtimeMs, before.mtimeMs);
});

t.test("render-file: a change replaces the file atomically by rename, keeps its mode, leaves no temp file", async (t) => {
  const d = await dir(t);
  const path = join(d, "out");
  await writeFile(path, "old");
  await chmod(path, 0o600);
  const before = await stat(path);
  t.equal(await writeIfChanged(path, "new, longer"), true);
  const after = await stat(path);
  t.not(after.ino, before.ino, "a new inode: readers see the old file or the new one, never half");
  t.equal(after.mode & 0o7777, 0o600);
  t.same(await readdir(d), ["out"]);
  t.equal(await writeIfChanged(path, "new, longe!"), true, "same size, different bytes is a change");
});

t.test("render-file: a failed write leaves the destination and no temp file behind", async (t) => {
  const d = await dir(t);
  const blocker = join(d, "file");
  await writeFile(blocker, "x");
  await t.rejects(writeIfChanged(join(blocker, "out"), "y"));
  t.same(await readdir(d), ["file"]);
  // The rename itself fails (a directory is in the way): the temp file is removed.
  const sub = await mkdtemp(join(d, "dir-"));
  await t.rejects(writeIfChanged(sub, "y"));
  t.same((await readdir(d)).sort(), ["file", sub.slice(d.length + 1)].sort());
});
