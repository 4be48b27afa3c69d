/**
 * Named bounds of the storage layer. Every size and count the files or the
 * stores accept is one of these, with the reason for its value.
 *
 * @module
 */

/**
 * Largest `data` of one log record, in bytes. A record is one Raft entry or
 * one catalog command; commands are bounded far lower (a KV value is at most
 * 512 KiB), so 8 MiB leaves room for batched transactions without letting one
 * entry stall replication or bloat the in-memory log.
 */
export const RECORD_DATA_BYTES_MAX = 8 * 1024 * 1024;

/** Bytes before a record's payload: u32 payload length + u32 CRC-32. */
export const FRAME_HEADER_BYTES = 8;

/** Bytes of a record payload before its data: u64 index + u64 term. */
export const RECORD_FIXED_BYTES = 16;

/** Largest record payload a reader accepts; anything longer is corruption, not data. */
export const RECORD_PAYLOAD_BYTES_MAX = RECORD_FIXED_BYTES + RECORD_DATA_BYTES_MAX;

/**
 * Default size at which the log rolls to a new segment, in bytes. Compaction
 * deletes whole segments, so smaller segments free disk sooner; larger ones
 * mean fewer files and directory fsyncs. 64 MiB is what etcd and raft-wal use.
 */
export const SEGMENT_BYTES_MAX_DEFAULT = 64 * 1024 * 1024;

/** Smallest `segmentBytesMax` accepted; below this every few records would cost a file creation and a directory fsync. */
export const SEGMENT_BYTES_MAX_MIN = 1024;

/** Largest `segmentBytesMax` accepted; a segment is read whole into memory on open, and offsets are u32-safe below this. */
export const SEGMENT_BYTES_MAX_LIMIT = 1024 * 1024 * 1024;

/**
 * Most bytes of queued appends coalesced into one write+fsync (group commit).
 * Larger batches amortise the fsync further but delay every caller in the
 * batch by the time it takes to write them; past a few MiB the fsync is no
 * longer the dominant cost.
 */
export const GROUP_COMMIT_BYTES_MAX = 16 * 1024 * 1024;

/**
 * Largest snapshot data, in bytes. A snapshot is built, written and loaded
 * whole in memory; a catalog beyond 1 GiB needs a streaming format first.
 */
export const SNAPSHOT_DATA_BYTES_MAX = 1024 * 1024 * 1024;

/** Largest encoded snapshot metadata (index, term, configuration, …), in bytes. */
export const SNAPSHOT_META_BYTES_MAX = 1024 * 1024;

/** Default number of snapshots kept: the newest and one to fall back to if the newest is found corrupt. */
export const SNAPSHOT_RETAIN_DEFAULT = 2;

/** Most snapshots that may be retained; each can be as large as the whole state. */
export const SNAPSHOT_RETAIN_MAX = 100;

/** Largest encoded hard state (term, vote, commit), in bytes; a vote is a node id, so this is generous. */
export const HARD_STATE_BYTES_MAX = 64 * 1024;

/** Longest node id accepted as a vote, in characters (the catalog's name limit). */
export const VOTE_LENGTH_MAX = 256;
