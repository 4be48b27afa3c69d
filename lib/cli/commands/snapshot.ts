/**
 * `disco snapshot save|restore`: the catalog and KV as one file, through
 * /v1/snapshot.
 *
 * @module
 */
import { rename, rm, writeFile } from "node:fs/promises";
import type { Command } from "../command.js";
import { UsageError } from "../errors.js";
import { readInputFile } from "../io.js";

/** Deadline of a snapshot transfer: a large catalog over a slow link. */
const SNAPSHOT_TIMEOUT_MS = 10 * 60_000;

/** `disco snapshot save`. */
export const snapshotSaveCommand: Command = {
  path: ["snapshot", "save"],
  synopsis: "Saves a snapshot of the catalog and KV to a file",
  usage: "[options] FILE",
  http: true,
  flags: [{ name: "stale", kind: "bool", usage: "Lets any server answer, even without a leader." }],
  async run({ io, flags, args, client }) {
    if (args.length !== 1) throw new UsageError("exactly one FILE is required");
    const file = args[0]!;
    const res = await client().request("GET", "/v1/snapshot", { query: { stale: flags.bool("stale") }, timeoutMs: SNAPSHOT_TIMEOUT_MS });
    // Written aside then renamed, so an interrupted save never leaves half a snapshot under FILE.
    const temp = `${file}.${io.pid}.tmp`;
    try {
      await writeFile(temp, res.body);
      await rename(temp, file);
    } catch (err) {
      await rm(temp, { force: true });
      throw err;
    }
    io.stdout(`Saved and verified snapshot to index ${res.index}\n`);
    return 0;
  },
};

/** `disco snapshot restore`. */
export const snapshotRestoreCommand: Command = {
  path: ["snapshot", "restore"],
  synopsis: "Restores the catalog and KV from a snapshot file",
  usage: "[options] FILE",
  http: true,
  flags: [],
  async run({ io, args, client }) {
    if (args.length !== 1) throw new UsageError("exactly one FILE is required");
    const data = await readInputFile(args[0]!, "FILE");
    await client().request("PUT", "/v1/snapshot", { body: data, timeoutMs: SNAPSHOT_TIMEOUT_MS });
    io.stdout("Restored snapshot\n");
    return 0;
  },
};
