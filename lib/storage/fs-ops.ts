/**
 * The file-system calls the stores make, behind a seam so tests can count
 * fsyncs and inject failures. {@link nodeFsOps} is the real thing.
 *
 * @module
 */
import { open, mkdir, readdir, readFile, rename, unlink } from "node:fs/promises";

/** An open file. Positions and lengths are in bytes. */
export interface StorageFile {
  /** Writes all of `bytes` at `position` (looping over short writes). */
  write(bytes: Uint8Array, position: number): Promise<void>;
  /** Reads up to `length` bytes at `position`; fewer at end of file. */
  read(length: number, position: number): Promise<Uint8Array>;
  /** Flushes data and metadata to stable storage (fsync). */
  sync(): Promise<void>;
  /** Cuts the file to `length` bytes. */
  truncate(length: number): Promise<void>;
  /** Releases the descriptor. */
  close(): Promise<void>;
}

/** File-system operations used by the stores. */
export interface FsOps {
  /** Creates `dir` and its parents if missing. */
  mkdirp(dir: string): Promise<void>;
  /** Names in `dir`. */
  readdir(dir: string): Promise<string[]>;
  /** The whole file. */
  readFile(path: string): Promise<Uint8Array>;
  /** Opens a file: `"r"` read, `"r+"` read/write existing, `"w"` create or truncate. */
  open(path: string, flags: "r" | "r+" | "w"): Promise<StorageFile>;
  /** Replaces `to` with `from` atomically. */
  rename(from: string, to: string): Promise<void>;
  /** Removes a file; a missing file is not an error (a crash may have removed it already). */
  unlink(path: string): Promise<void>;
  /** fsyncs a directory so that creates, renames and deletes in it are durable. */
  syncDir(dir: string): Promise<void>;
}

/** Error codes some platforms return for fsync on a directory, which they do not support (Windows); nothing to do there. */
const DIR_SYNC_UNSUPPORTED = new Set(["EISDIR", "EINVAL", "EPERM", "EACCES"]);

/** The real file system (node:fs/promises). */
export const nodeFsOps: FsOps = {
  async mkdirp(dir) {
    await mkdir(dir, { recursive: true });
  },
  readdir: (dir) => readdir(dir),
  readFile: (path) => readFile(path),
  async open(path, flags) {
    const fh = await open(path, flags);
    return {
      async write(bytes, position) {
        let done = 0;
        while (done < bytes.byteLength) {
          const { bytesWritten } = await fh.write(bytes, done, bytes.byteLength - done, position + done);
          done += bytesWritten;
        }
      },
      async read(length, position) {
        const buf = Buffer.allocUnsafe(length);
        const { bytesRead } = await fh.read(buf, 0, length, position);
        return buf.subarray(0, bytesRead);
      },
      sync: () => fh.sync(),
      truncate: (length) => fh.truncate(length),
      close: () => fh.close(),
    };
  },
  rename: (from, to) => rename(from, to),
  async unlink(path) {
    try {
      await unlink(path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
    }
  },
  async syncDir(dir) {
    let fh;
    try {
      fh = await open(dir, "r");
      await fh.sync();
    } catch (err) {
      if (!DIR_SYNC_UNSUPPORTED.has((err as NodeJS.ErrnoException).code ?? "")) throw err;
    } finally {
      await fh?.close();
    }
  },
};
