/**
 * The hard state (term, vote, commit) in one file, replaced atomically on
 * every save.
 *
 * @module
 */
import { join } from "node:path";
import { ClosedError, InvalidConfigError } from "../util/errors.js";
import { removeTempFiles, writeFileAtomic } from "./atomic-file.js";
import { checkHardState } from "./checks.js";
import { nodeFsOps, type FsOps } from "./fs-ops.js";
import { decodeHardState, encodeHardState } from "./stable-codec.js";
import type { HardState, StableStore } from "./types.js";

/** Name of the hard state file. */
export const STABLE_FILE = "stable.state";

/** Options of {@link openFileStableStore}. */
export interface FileStableOptions {
  /** fsync the file and the directory on save. @defaultValue true */
  fsync?: boolean;
  /** File-system calls, replaceable for tests. @defaultValue {@link nodeFsOps} */
  fsOps?: FsOps;
}

/** Opens (creating the directory if needed) the stable store in `dir`. A temp file left by a crash is removed. */
export async function openFileStableStore(dir: string, options: FileStableOptions = {}): Promise<FileStableStore> {
  if (options.fsync !== undefined && typeof options.fsync !== "boolean") throw new InvalidConfigError("fsync", "must be a boolean");
  const ops = options.fsOps ?? nodeFsOps;
  await ops.mkdirp(dir);
  await removeTempFiles(ops, dir, (name) => name === STABLE_FILE);
  return new FileStableStore(dir, ops, options.fsync ?? true);
}

/** A {@link StableStore} on one file. Saves run one at a time, in call order. */
export class FileStableStore implements StableStore {
  private tail: Promise<void> = Promise.resolve();
  private closed = false;

  /** Use {@link openFileStableStore}. */
  constructor(
    private readonly dir: string,
    private readonly ops: FsOps,
    private readonly fsync: boolean,
  ) {}

  async load(): Promise<HardState | undefined> {
    this.assertOpen();
    await this.tail;
    const path = join(this.dir, STABLE_FILE);
    let buf: Uint8Array;
    try {
      buf = await this.ops.readFile(path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw err;
    }
    return decodeHardState(buf, path);
  }

  save(state: HardState): Promise<void> {
    try {
      this.assertOpen();
      checkHardState(state);
    } catch (err) {
      return Promise.reject(err);
    }
    const bytes = encodeHardState(state);
    const write = this.tail.then(() => writeFileAtomic(this.dir, STABLE_FILE, [bytes], { ops: this.ops, fsync: this.fsync }));
    // A failed save fails alone; the next one still runs.
    this.tail = write.catch(() => {});
    return write;
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.tail;
  }

  private assertOpen(): void {
    if (this.closed) throw new ClosedError("stable store");
  }
}
