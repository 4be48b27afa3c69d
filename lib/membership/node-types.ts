/**
 * Public types of the gossip driver: its typed events, its counters, and the
 * error a failed join raises.
 *
 * @module
 */
import { DiscoError } from "../util/errors.js";
import type { PacketCryptoStats } from "../transport/packet-crypto.js";
import type { TransportStats } from "../transport/tcp.js";
import type { UdpStats } from "../transport/udp.js";
import type { SwimStats } from "./core.js";
import type { Member, MemberStatus } from "./types.js";

/** A user event as delivered to listeners (also to the member that fired it). */
export interface UserEvent {
  /** The event's name. */
  name: string;
  /** Its payload, up to USER_EVENT_PAYLOAD_BYTES_MAX bytes. */
  payload: Uint8Array;
  /** Lamport time it was fired at; (origin, ltime) identifies it. */
  ltime: number;
  /** Name of the member that fired it. */
  origin: string;
}

/**
 * Events of {@link GossipNode}, in the order the protocol observed them.
 * Listeners run synchronously; a throwing listener is logged, never rethrown.
 */
export interface GossipNodeEvents {
  /** A member became alive: first seen, or back after failing or leaving (this node included, at start). */
  "member-join": (member: Member) => void;
  /** A live member changed its meta or address. */
  "member-update": (member: Member) => void;
  /** A member left gracefully (this node included, on `leave()`). */
  "member-leave": (member: Member) => void;
  /** The failure detector declared a member dead. */
  "member-failed": (member: Member) => void;
  /** A user event reached this member for the first time. */
  "user-event": (event: UserEvent) => void;
}

/** Push-pull (TCP full-state exchange) counters. */
export interface PushPullStats {
  /** Exchanges this node started (join, anti-entropy, reconnect). */
  sent: number;
  /** Of those, answered and merged. */
  succeeded: number;
  /** Of those, failed: timeout, refused, undecryptable or malformed answer. */
  failed: number;
  /** Exchanges other members started with us that we answered. */
  served: number;
  /** Exchanges other members started that we refused (bad bytes, wrong key or label). */
  refused: number;
}

/** TCP fallback ping counters. */
export interface TcpPingStats {
  /** Pings this node sent after a UDP probe went unanswered. */
  sent: number;
  /** Of those, acked over TCP. */
  acked: number;
  /** Of those, failed: no connection, timeout, refusal, or a bad answer. */
  failed: number;
  /** TCP pings from other members that we acked. */
  served: number;
}

/** Everything {@link GossipNode.stats} reports. */
export interface GossipNodeStats {
  /** Members by status, this node included. */
  members: Record<MemberStatus, number>;
  /** Protocol counters of the SWIM core. */
  swim: SwimStats;
  /** Lifeguard's local health score (0 = healthy). */
  healthScore: number;
  /** This node's incarnation. */
  incarnation: number;
  /** The UDP socket's counters. */
  udp: UdpStats;
  /** The TCP transport's counters. */
  tcp: TransportStats;
  /** Label and encryption counters (packets and streams). */
  crypto: PacketCryptoStats;
  /** Push-pull exchanges. */
  pushPull: PushPullStats;
  /** TCP fallback pings. */
  tcpPing: TcpPingStats;
}

/** One seed a join could not use, and why. */
export interface JoinFailure {
  /** The seed, as `host:port`. */
  address: string;
  /** What went wrong: TimeoutError, a RemoteError from the seed, MalformedPacketError, … */
  error: unknown;
}

/**
 * No seed completed a push-pull: none answered in time, or every answer was
 * refused (another key or label, or not a member at all). Code `TIMEOUT`.
 */
export class JoinError extends DiscoError {
  /** Each seed and its failure. */
  readonly failures: readonly JoinFailure[];
  constructor(failures: readonly JoinFailure[]) {
    const detail = failures.map((f) => `${f.address}: ${f.error instanceof Error ? f.error.message : String(f.error)}`).join("; ");
    super("TIMEOUT", `could not join any of ${failures.length} address(es): ${detail}`, { cause: failures[0]?.error });
    this.failures = failures;
  }
}
