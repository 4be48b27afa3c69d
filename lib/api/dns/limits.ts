/**
 * Named bounds of the DNS interface, each with the reason for its value.
 *
 * @module
 */

/** Fixed DNS header size (RFC 1035 §4.1.1). */
export const HEADER_BYTES = 12;

/** Longest label on the wire (RFC 1035 §2.3.4). */
export const LABEL_BYTES_MAX = 63;

/** Longest name on the wire, length octets and root included (RFC 1035 §2.3.4). */
export const NAME_BYTES_MAX = 255;

/**
 * Compression pointers followed while reading one name. Pointers must point
 * backwards, so a legal chain is short; the cap stops crafted loops and long
 * backward chains early (RFC 9267 §2).
 */
export const NAME_POINTER_HOPS_MAX = 16;

/**
 * Additional records accepted in a query. A resolver sends at most an OPT
 * (and a TSIG, which this server does not support); more is noise or an attack
 * on parse time.
 */
export const QUERY_ADDITIONALS_MAX = 2;

/**
 * Largest UDP query read. Real queries are well under 300 bytes even with
 * EDNS cookies; anything near this is dropped unread.
 */
export const UDP_QUERY_BYTES_MAX = 1232;

/** UDP payload every client accepts, and the limit without EDNS (RFC 1035 §4.2.1). */
export const UDP_PAYLOAD_BYTES_MIN = 512;

/**
 * Largest UDP answer sent whatever the client's EDNS size says. 1232 is the
 * DNS Flag Day 2020 figure: it fits the IPv6 minimum MTU, so answers are never
 * IP-fragmented (fragments get lost or spoofed).
 */
export const UDP_PAYLOAD_BYTES_MAX = 1232;

/** Largest message over TCP: the 2-byte length prefix (RFC 1035 §4.2.2). */
export const TCP_MESSAGE_BYTES_MAX = 65535;

/** Longest character-string inside a TXT record (a 1-byte length, RFC 1035 §3.3). */
export const TXT_STRING_BYTES_MAX = 255;

/**
 * Encoded answers kept per transport. Hot queries are few; the cap bounds what
 * a client sending endless distinct names can make the server hold. The cache
 * is also emptied whenever the catalog index moves.
 */
export const CACHE_ENTRIES_MAX = 4096;

/**
 * Answer bytes queued on one TCP connection whose client does not read them.
 * Past this the client is pipelining faster than it reads, and is cut off
 * rather than allowed to grow our memory.
 */
export const TCP_WRITE_BUFFER_BYTES_MAX = 1024 * 1024;

/** Concurrent TCP connections; further ones are refused by the kernel backlog. */
export const TCP_CONNECTIONS_MAX = 256;

/**
 * TCP connections idle this long are closed (RFC 7766 §6.2.3 suggests
 * seconds, not minutes: a DNS server must not be tied up by idle clients).
 */
export const TCP_IDLE_MS = 10_000;

/** Tries at finding a port free for both UDP and TCP when port 0 is asked. */
export const PORT_PAIR_ATTEMPTS_MAX = 16;

/** Highest `udpAnswerLimit`: beyond this every answer truncates anyway. */
export const UDP_ANSWER_LIMIT_MAX = 1000;

/** Highest TTL (one day): longer would hide health changes from clients for too long. */
export const TTL_SECONDS_MAX = 86_400;

/**
 * How long an answer fetched from another datacenter (or a prepared query's
 * failover) is served as fresh. A few seconds: enough that a hot remote name
 * costs one WAN round trip per few seconds instead of one per query, short
 * enough that clients see remote changes about as fast as a resolver's retry.
 */
export const REMOTE_ANSWER_FRESH_MS = 3_000;

/**
 * Past its fresh time, a remote answer is still served for this many times
 * longer while a refresh runs in the background, so a hot name never waits
 * on the WAN; a failed refresh leaves it to expire at the end of this window.
 */
export const REMOTE_ANSWER_STALE_FACTOR = 10;

/**
 * Longest wait for another datacenter before answering SERVFAIL. Under
 * common resolver timeouts (dig waits 5 s, glibc 5 s), so the client gets
 * an answer rather than a timeout and retry.
 */
export const REMOTE_TIMEOUT_MS = 2_000;

/**
 * After a failed remote load, queries for that name answer SERVFAIL at once
 * for this long instead of each waiting on the WAN again.
 */
export const REMOTE_FAILURE_HOLD_MS = 1_000;

/** Remote answers kept; the oldest is dropped past this. Bounds what distinct remote names can make the server hold. */
export const REMOTE_ANSWERS_MAX = 1024;

/** Remote loads in flight at once; queries needing another load answer SERVFAIL past this. */
export const REMOTE_LOADS_MAX = 64;

/**
 * Queries waiting on remote loads at once; more answer SERVFAIL. Each holds
 * a closure and its question for up to {@link REMOTE_TIMEOUT_MS}, so this
 * bounds what a flood of one slow remote name can make the server hold.
 */
export const REMOTE_WAITERS_MAX = 4096;

/** Longest `remoteTimeoutMs` accepted (a minute: past it no resolver is still waiting). */
export const REMOTE_TIMEOUT_MS_MAX = 60_000;

/** Longest `remoteCacheMs` accepted (an hour). */
export const REMOTE_CACHE_MS_MAX = 3_600_000;
