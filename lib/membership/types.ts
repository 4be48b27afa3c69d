/**
 * Data types of the membership layer: addresses, members, events, and the
 * messages the SWIM core exchanges. The driver moves these; the codec turns
 * them into bytes.
 *
 * @module
 */

/** A gossip endpoint: the UDP and TCP port share one address. */
export interface Address {
  /** IP address or hostname. */
  address: string;
  /** UDP/TCP port, 0…65535. */
  port: number;
}

/** Tags a member advertises (role, dc, rpc address, build, …); bounded by META_BYTES_MAX. */
export type MemberMeta = Readonly<Record<string, string>>;

/**
 * A member's state as this node sees it.
 * - `alive`: answering probes;
 * - `suspect`: missed a probe, may refute before its suspicion timeout;
 * - `failed`: declared dead by the failure detector;
 * - `left`: announced a graceful leave.
 */
export type MemberStatus = "alive" | "suspect" | "failed" | "left";

/** One row of {@link SwimCore.members}. */
export interface Member {
  name: string;
  address: string;
  port: number;
  status: MemberStatus;
  /** Only the member itself raises it, to refute suspicion or announce new meta. */
  incarnation: number;
  meta: MemberMeta;
}

/** Membership changes and user events, in the order the core observed them. */
export type MemberEvent =
  | { type: "member-join"; member: Member }
  | { type: "member-update"; member: Member }
  | { type: "member-leave"; member: Member }
  | { type: "member-failed"; member: Member }
  | { type: "user-event"; name: string; payload: Uint8Array; ltime: number; origin: string };

/** "Are you alive?" sent to `target`; answered by an ack with the same seq. */
export interface PingMessage {
  type: "ping";
  seq: number;
  /** Name the sender thinks owns the address; a mismatch is dropped (memberlist's wrong-node check). */
  target: string;
  source: string;
}

/** Asks the receiver to ping `target` for the sender and relay the ack (SWIM's indirect probe). */
export interface PingReqMessage {
  type: "ping-req";
  seq: number;
  target: string;
  targetAddress: string;
  targetPort: number;
  /** Whether the sender wants a nack when the target does not answer (Lifeguard). */
  nack: boolean;
  source: string;
}

/** Answer to a ping, directly or relayed by an indirect prober. */
export interface AckMessage {
  type: "ack";
  seq: number;
}

/** An indirect prober's "I could not reach the target either" (Lifeguard §IV-A). */
export interface NackMessage {
  type: "nack";
  seq: number;
}

/** `node` is alive at `incarnation` with this address and meta. */
export interface AliveMessage {
  type: "alive";
  node: string;
  incarnation: number;
  address: string;
  port: number;
  meta: MemberMeta;
}

/** `from` suspects `node` at `incarnation`. */
export interface SuspectMessage {
  type: "suspect";
  node: string;
  incarnation: number;
  from: string;
}

/** `from` declares `node` dead at `incarnation`; `from === node` means a graceful leave. */
export interface DeadMessage {
  type: "dead";
  node: string;
  incarnation: number;
  from: string;
}

/**
 * An operator's force-leave (Consul's `force-leave`, Serf's leave intent for
 * another member), issued by `from` about `node` at the incarnation `from`
 * knows it by. A failed member becomes "left"; with `prune` every member also
 * forgets it at once. A live member is not changed (it may refute: `node`
 * itself answers with an alive at a higher incarnation); should it fail at an
 * incarnation up to this one, it is recorded as left rather than failed.
 *
 * Its own message type rather than a flag on {@link DeadMessage}, whose
 * `from === node` already means a graceful leave: a force-leave must not
 * turn a member that is alive in the receiver's view into "left".
 */
export interface ForceLeaveMessage {
  type: "force-leave";
  node: string;
  incarnation: number;
  from: string;
  /** Also remove the member from every member list at once (`consul force-leave -prune`). */
  prune: boolean;
}

/** A user event; `origin` and `ltime` (Lamport time) identify it for de-duplication. */
export interface UserEventMessage {
  type: "user";
  origin: string;
  ltime: number;
  name: string;
  payload: Uint8Array;
}

/** Every message a packet can carry. */
export type SwimMessage =
  | PingMessage
  | PingReqMessage
  | AckMessage
  | NackMessage
  | AliveMessage
  | SuspectMessage
  | DeadMessage
  | ForceLeaveMessage
  | UserEventMessage;

/** One member in a push-pull state exchange. */
export interface PushPullMember {
  name: string;
  address: string;
  port: number;
  incarnation: number;
  status: MemberStatus;
  meta: MemberMeta;
}

/** Full-state exchange (memberlist's push-pull) sent over the reliable stream transport. */
export interface PushPullState {
  /** True when the sender is joining; the receiver merges and answers with its own state. */
  join: boolean;
  /** The sender's user-event Lamport clock, so a joiner does not replay old events. */
  userLtime: number;
  members: PushPullMember[];
}

/** An outgoing UDP packet: compound messages for one destination, within the packet budget. */
export interface OutboundPacket {
  to: Address;
  msgs: SwimMessage[];
}

/** An outgoing push-pull request: the driver sends `state` over TCP and feeds the reply to `receiveStreamReply`. */
export interface OutboundStream {
  to: Address;
  state: PushPullState;
}

/**
 * A ping the driver should send over the stream transport (memberlist's TCP
 * fallback ping), asked for when a direct UDP probe went unanswered. The driver
 * reports the outcome with `receiveTcpPingResult(seq, acked)`; an answer after
 * `deadlineMs` no longer matters (the probe round is over).
 */
export interface OutboundTcpPing {
  /** The target's gossip address (its TCP listener shares the UDP port). */
  to: Address;
  /** The probe's sequence number, echoed in the result. */
  seq: number;
  /** Name the target must have; another member at that address refuses. */
  target: string;
  /** When the probe round ends, on the core's clock (ms); the driver's timeout. */
  deadlineMs: number;
}

/** Everything the core wants done since the last {@link SwimCore.drain}. */
export interface SwimOutput {
  packets: OutboundPacket[];
  streams: OutboundStream[];
  tcpPings: OutboundTcpPing[];
  events: MemberEvent[];
}
