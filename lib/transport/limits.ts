/**
 * Transport limits.
 *
 * @module
 */

/**
 * Largest frame accepted or sent on a stream connection. It must hold a Raft
 * append batch or a snapshot chunk; a peer sending more is broken or hostile,
 * so the connection is closed (counted) and nothing else is affected.
 */
export const FRAME_BYTES_MAX = 16 * 1024 * 1024;

/**
 * Frames queued for one peer while its connection is down or slow. Past this
 * the oldest one-way messages are dropped (Raft and gossip retransmit) and new
 * requests are refused, so a dead peer cannot grow memory without bound.
 */
export const PEER_QUEUE_FRAMES_MAX = 4096;

/** Requests waiting for a response on one transport; past this new requests fail at once. */
export const PENDING_REQUESTS_MAX = 10_000;

/** Bytes of a frame's length prefix (u32 big-endian). */
export const FRAME_HEADER_BYTES = 4;
