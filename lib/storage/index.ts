/**
 * Durable storage: the write-ahead log, the hard state store and the
 * snapshot store, each on files and in memory.
 *
 * @module
 */
export type {
  LogRecord,
  LogStore,
  HardState,
  StableStore,
  SnapshotMeta,
  SnapshotStore,
  StoredSnapshot,
  StorageWarningHandler,
} from "./types.js";
export { openFileLog, FileLogStore, type FileLogOptions, type FileLogStats } from "./file-log.js";
export { openFileStableStore, FileStableStore, type FileStableOptions } from "./file-stable.js";
export { openFileSnapshotStore, FileSnapshotStore, type FileSnapshotOptions } from "./file-snapshot.js";
export { MemoryLogStore, type MemoryLogOptions } from "./memory-log.js";
export { RecordArray } from "./record-array.js";
export { MemoryStableStore, MemoryStableDisk, type MemoryStableOptions } from "./memory-stable.js";
export { MemorySnapshotStore, MemorySnapshotDisk, type MemorySnapshotOptions } from "./memory-snapshot.js";
export { StorageFailedError } from "./errors.js";
export { nodeFsOps, type FsOps, type StorageFile } from "./fs-ops.js";
export * from "./limits.js";
