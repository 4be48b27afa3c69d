import t from "tap";
import { openFileLog } from "../../lib/storage/file-log.js";
import { openFileSnapshotStore } from "../../lib/storage/file-snapshot.js";
import { openFileStableStore } from "../../lib/storage/file-stable.js";
import { MemoryLogStore } from "../../lib/storage/memory-log.js";
import { MemorySnapshotDisk, MemorySnapshotStore } from "../../lib/storage/memory-snapshot.js";
import { MemoryStableDisk, MemoryStableStore } from "../../lib/storage/memory-stable.js";
import { RecordArray } from "../../lib/storage/record-array.js";
import { logContract, snapshotContract, stableContract } from "./contracts.js";
import { tempDir } from "./helpers.js";

// Small segments so the contract also crosses segment boundaries on the file log.
logContract(t, "file log", async (t) => {
  const dir = await tempDir(t);
  return () => openFileLog(dir, { segmentBytesMax: 1024 });
});
logContract(t, "memory log", async () => {
  const disk = new RecordArray();
  return async () => new MemoryLogStore({ disk });
});

stableContract(t, "file stable store", async (t) => {
  const dir = await tempDir(t);
  return () => openFileStableStore(dir);
});
stableContract(t, "memory stable store", async () => {
  const disk = new MemoryStableDisk();
  return async () => new MemoryStableStore({ disk });
});

snapshotContract(t, "file snapshot store", async (t, retain) => {
  const dir = await tempDir(t);
  return () => openFileSnapshotStore(dir, { retain });
});
snapshotContract(t, "memory snapshot store", async (_t, retain) => {
  const disk = new MemorySnapshotDisk();
  return async () => new MemorySnapshotStore({ disk, retain });
});
