/**
 * Writing a rendered file the way consul-template does: nothing when the bytes
 * on disk are already the same; otherwise a temporary file in the same
 * directory, flushed, then renamed over the destination (atomic on POSIX), so
 * a reader such as nginx never sees half a file. An existing file's
 * permission bits are kept.
 *
 * @module
 */
import { randomBytes } from "node:crypto";
import { chmod, mkdir, open, readFile, rename, stat, unlink } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

/** Permission bits of a file the template creates (consul-template's default). */
export const FILE_MODE_DEFAULT = 0o644;

/**
 * Writes `contents` to `path` atomically unless the file already holds exactly that.
 * Creates missing parent directories.
 * @param modeForNewFile - permission bits when the file does not exist yet.
 * @returns whether the file was written.
 * @throws the file system's error (nothing is left behind: the temporary file is removed).
 */
export async function writeIfChanged(path: string, contents: string, modeForNewFile = FILE_MODE_DEFAULT): Promise<boolean> {
  const bytes = Buffer.from(contents, "utf8");
  let mode = modeForNewFile;
  try {
    const st = await stat(path);
    mode = st.mode & 0o7777;
    if (st.size === bytes.length && (await readFile(path)).equals(bytes)) return false;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
  const dir = dirname(path);
  await mkdir(dir, { recursive: true });
  const tmp = join(dir, `.${basename(path)}.${randomBytes(6).toString("hex")}.tmp`);
  try {
    const fh = await open(tmp, "wx", mode);
    try {
      await fh.writeFile(bytes);
      await fh.sync();
    } finally {
      await fh.close();
    }
    // open() applied the umask; set the bits exactly.
    await chmod(tmp, mode);
    await rename(tmp, path);
  } catch (err) {
    await unlink(tmp).catch(() => {});
    throw err;
  }
  return true;
}
