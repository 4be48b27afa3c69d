/**
 * The Raft consensus core (pure). See {@link RaftCore}.
 *
 * @module
 */
export { RaftCore, READY_COMMITTED_BYTES_MAX } from "./core.js";
export type { ProposeResult, RaftInitialState, RaftStatus } from "./core.js";
export { resolveRaftConfig, RAFT_DEFAULTS, NODE_ID_LENGTH_MAX, VOTERS_MAX, ELECTION_TICKS_MAX, INFLIGHT_MESSAGES_MAX } from "./config.js";
export type { RaftConfig, RaftOptions } from "./config.js";
export { ConfChangePendingError, RaftInvariantError } from "./errors.js";
export { entryToRecord, recordToEntry, encodeConfigData, decodeConfigData } from "./entry-codec.js";
export type { EntryRecord } from "./entry-codec.js";
export { READS_PENDING_MAX } from "./read-only.js";
export type { ProgressState } from "./progress.js";
export type * from "./types.js";
