/**
 * Named bounds of the gossip layer. Every queue, packet and frame the SWIM
 * core builds or accepts is bounded by one of these, so a noisy or hostile
 * peer costs a known amount of memory and CPU.
 *
 * @module
 */

/**
 * Wire protocol version carried in every packet and push-pull frame. A peer
 * speaking another version is refused with a ProtocolError rather than misread.
 */
export const SWIM_PROTOCOL_VERSION = 1;

/**
 * Largest UDP payload we send, as memberlist's `UDPBufferSize`: 1400 bytes stays
 * under a 1500-byte Ethernet MTU after IP/UDP headers, so packets never fragment.
 */
export const PACKET_BYTES_MAX_DEFAULT = 1400;

/**
 * Largest packet we accept, whatever the configured send budget: the largest
 * possible UDP datagram. Anything bigger cannot have come from a socket.
 */
export const PACKET_BYTES_MAX_ACCEPTED = 65_507;

/**
 * Bytes of envelope around the messages in one compound packet: outer array
 * header (1), version (1), inner array header (up to 3 for array16). Sizing
 * with this bound guarantees the encoded packet fits the budget.
 */
export const PACKET_OVERHEAD_BYTES = 5;

/** Most messages in one compound packet (memberlist caps compound parts at 255). */
export const PACKET_MESSAGES_MAX = 255;

/** Largest push-pull state frame accepted, as memberlist's `maxPushStateBytes` (20 MiB). */
export const PUSH_PULL_BYTES_MAX = 20 * 1024 * 1024;

/**
 * Most members in one push-pull state. Bounds the merge work one stream can
 * cause; 64 Ki members is far beyond any cluster this library targets.
 */
export const PUSH_PULL_MEMBERS_MAX = 65_536;

/** Longest member name in UTF-16 code units; names are DNS-ish node names. */
export const MEMBER_NAME_LENGTH_MAX = 256;

/** Longest address string (an IPv6 literal with zone fits easily; hostnames are ≤ 253). */
export const ADDRESS_LENGTH_MAX = 256;

/** Largest encoded member meta (tags), as memberlist's `MetaMaxSize`: it rides in every alive message. */
export const META_BYTES_MAX = 512;

/** Most meta pairs on one member. */
export const META_PAIRS_MAX = 64;

/** Largest user event payload, as Serf's default `UserEventSizeLimit`: events ride in UDP packets. */
export const USER_EVENT_PAYLOAD_BYTES_MAX = 512;

/** Longest user event name. */
export const USER_EVENT_NAME_LENGTH_MAX = 128;

/**
 * How many recent user event ids are remembered for de-duplication. Events
 * older than this many Lamport ticks behind our clock are dropped outright
 * (Serf keeps a 512-slot event buffer the same way).
 */
export const USER_EVENT_DEDUP_MAX = 512;

/**
 * Most pending broadcasts. Each is retransmitted a bounded number of times, so
 * the queue drains by itself; the cap only matters under a flood, when the most
 * transmitted (least useful) items are dropped first.
 */
export const BROADCAST_QUEUE_MAX = 4096;

/** Most outgoing packets held between two `drain()` calls; beyond it packets are dropped and counted. */
export const OUTBOX_PACKETS_MAX = 16_384;

/** Most outgoing push-pull streams held between two `drain()` calls. */
export const OUTBOX_STREAMS_MAX = 256;

/**
 * Most TCP fallback pings held between two `drain()` calls. The core asks for
 * at most one per probe round, so this only matters when drain is not called.
 */
export const OUTBOX_TCP_PINGS_MAX = 64;

/** Most events held between two `drain()` calls; beyond it events are dropped and counted. */
export const OUTBOX_EVENTS_MAX = 65_536;

/**
 * Most indirect probes we run for others at once. A ping-req costs a timer and a
 * table entry; beyond this, requests are refused (the requester just sees no ack).
 */
export const INDIRECT_PROBES_MAX = 1024;

/** Largest sequence number before it wraps; acks are matched on it (uint32 as in memberlist). */
export const SEQ_MAX = 0xffff_ffff;

/**
 * Longest error message a member sends back for a keyring request, in UTF-16
 * code units; longer ones are cut. Bounds what one reply can make us keep.
 */
export const KEYRING_MESSAGE_LENGTH_MAX = 512;

/** Longest error code in a keyring reply (the codes are short identifiers such as `INVALID_ARGUMENT`). */
export const KEYRING_CODE_LENGTH_MAX = 32;

/** Most seeds accepted by one `join()` call. */
export const JOIN_SEEDS_MAX = 64;
