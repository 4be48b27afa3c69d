/**
 * Tunables of the SWIM + Lifeguard core, the LAN / WAN / LOCAL profiles
 * (memberlist's DefaultLANConfig, DefaultWANConfig, DefaultLocalConfig), and
 * their validation.
 *
 * @module
 */
import { InvalidConfigError } from "../util/errors.js";
import { PACKET_BYTES_MAX_ACCEPTED, PACKET_BYTES_MAX_DEFAULT } from "./limits.js";

/** The protocol tunables. Every duration is in milliseconds. */
export interface MembershipConfig {
  /**
   * How often this member probes one other member (one protocol period).
   * Detection time grows linearly with it; per-member bandwidth shrinks with it.
   * Lifeguard multiplies it by the local health score + 1.
   * @defaultValue 1000 (LAN), 5000 (WAN), 1000 (LOCAL)
   */
  probeIntervalMs: number;
  /**
   * How long to wait for a direct ack before asking others to probe indirectly.
   * Should be above the network's p99 round trip; must not exceed the probe interval.
   * @defaultValue 500 (LAN), 3000 (WAN), 200 (LOCAL)
   */
  probeTimeoutMs: number;
  /**
   * Members asked to probe a target indirectly after a missed ack (SWIM's k).
   * More tolerate more lossy paths at the cost of more packets per failed probe.
   * @defaultValue 3
   */
  indirectChecks: number;
  /**
   * Scales the suspicion timeout: min = suspicionMult · max(1, log10 n) · probeInterval.
   * Higher gives a suspect longer to refute (fewer false positives, slower detection).
   * Also sets the confirmations Lifeguard waits for: suspicionMult − 2.
   * @defaultValue 4 (LAN), 6 (WAN), 3 (LOCAL)
   */
  suspicionMult: number;
  /**
   * Lifeguard's dynamic suspicion starts at max = suspicionMaxTimeoutMult · min and
   * shrinks towards min as independent confirmations arrive.
   * @defaultValue 6
   */
  suspicionMaxTimeoutMult: number;
  /**
   * Each broadcast is sent retransmitMult · ceil(log10(n + 1)) times, which reaches
   * every member with high probability (infection-style dissemination).
   * @defaultValue 4 (LAN, WAN), 2 (LOCAL)
   */
  retransmitMult: number;
  /**
   * How often queued broadcasts are gossiped to `gossipNodes` random members, on top
   * of piggybacking on probes. Shorter spreads faster and costs more packets.
   * @defaultValue 200 (LAN), 500 (WAN), 100 (LOCAL)
   */
  gossipIntervalMs: number;
  /**
   * Members each gossip round sends to.
   * @defaultValue 3 (LAN, LOCAL), 4 (WAN)
   */
  gossipNodes: number;
  /**
   * How long failed and left members keep receiving gossip, so a member wrongly
   * declared dead learns of it and refutes.
   * @defaultValue 30000 (LAN), 60000 (WAN), 15000 (LOCAL)
   */
  gossipToTheDeadMs: number;
  /**
   * Base interval of the full-state push-pull anti-entropy with one random member;
   * scaled up with cluster size beyond 32 members as memberlist does. 0 disables it.
   * @defaultValue 30000 (LAN), 60000 (WAN), 15000 (LOCAL)
   */
  pushPullIntervalMs: number;
  /**
   * How often to try a push-pull with one random failed member (Serf's reconnect
   * interval). This is what heals a partition: once each side has declared the other
   * failed, nothing else would ever talk across. 0 disables it.
   * @defaultValue 30000
   */
  reconnectIntervalMs: number;
  /**
   * Lifeguard's local health multiplier saturates at awarenessMaxMultiplier − 1, so
   * probe interval and timeout stretch to at most this many times their base.
   * @defaultValue 8
   */
  awarenessMaxMultiplier: number;
  /**
   * Send budget of one UDP packet; compound messages and piggybacked broadcasts are
   * packed up to it.
   * @defaultValue 1400 (LAN, LOCAL, WAN)
   */
  packetBytesMax: number;
  /**
   * A failed member is forgotten after this long (Serf's reconnect timeout); until then
   * it stays in `members()` as failed and may come back with a higher incarnation.
   * @defaultValue 86400000 (24 h)
   */
  failedReapMs: number;
  /**
   * A member that left is forgotten after this long (Serf's tombstone timeout).
   * @defaultValue 86400000 (24 h)
   */
  leftReapMs: number;
  /**
   * Lifeguard on (local health awareness, nacks, dynamic suspicion, buddy system).
   * Turning it off gives classic SWIM with a fixed suspicion timeout (= min), for measurement.
   * @defaultValue true
   */
  lifeguard: boolean;
  /**
   * When a direct UDP probe gets no ack within the probe timeout, also ping the
   * target over TCP (its gossip port), alongside the indirect probes, as
   * memberlist does unless `DisableTcpPings`. An ack over TCP before the probe
   * period ends counts like an indirect ack, so a member behind a firewall that
   * drops UDP (or suffering one-way UDP loss) is not suspected while TCP reaches it.
   * Costs one short TCP connection per failed direct probe.
   * @defaultValue true (LAN, WAN, LOCAL)
   */
  tcpFallbackPing: boolean;
}

/** Names of the built-in profiles. */
export type MembershipProfile = "lan" | "wan" | "local";

const DAY_MS = 24 * 60 * 60 * 1000;

/** memberlist's DefaultLANConfig: a data-centre network. */
export const LAN_PROFILE: Readonly<MembershipConfig> = Object.freeze({
  probeIntervalMs: 1000,
  probeTimeoutMs: 500,
  indirectChecks: 3,
  suspicionMult: 4,
  suspicionMaxTimeoutMult: 6,
  retransmitMult: 4,
  gossipIntervalMs: 200,
  gossipNodes: 3,
  gossipToTheDeadMs: 30_000,
  pushPullIntervalMs: 30_000,
  reconnectIntervalMs: 30_000,
  awarenessMaxMultiplier: 8,
  packetBytesMax: PACKET_BYTES_MAX_DEFAULT,
  failedReapMs: DAY_MS,
  leftReapMs: DAY_MS,
  lifeguard: true,
  tcpFallbackPing: true,
});

/** memberlist's DefaultWANConfig: higher latency and loss between data centres. */
export const WAN_PROFILE: Readonly<MembershipConfig> = Object.freeze({
  ...LAN_PROFILE,
  probeIntervalMs: 5000,
  probeTimeoutMs: 3000,
  suspicionMult: 6,
  gossipIntervalMs: 500,
  gossipNodes: 4,
  gossipToTheDeadMs: 60_000,
  pushPullIntervalMs: 60_000,
});

/** memberlist's DefaultLocalConfig: loopback or a single host, fast and reliable. */
export const LOCAL_PROFILE: Readonly<MembershipConfig> = Object.freeze({
  ...LAN_PROFILE,
  probeIntervalMs: 1000,
  probeTimeoutMs: 200,
  suspicionMult: 3,
  retransmitMult: 2,
  gossipIntervalMs: 100,
  gossipToTheDeadMs: 15_000,
  pushPullIntervalMs: 15_000,
});

/** The profiles by name. */
export const PROFILES: Readonly<Record<MembershipProfile, Readonly<MembershipConfig>>> = Object.freeze({
  lan: LAN_PROFILE,
  wan: WAN_PROFILE,
  local: LOCAL_PROFILE,
});

/** What `resolveMembershipConfig` accepts: a profile name plus any overrides. */
export type MembershipConfigOptions = Partial<MembershipConfig> & { profile?: MembershipProfile };

/** The on/off options; every other option is an integer with bounds. */
type BooleanOption = "lifeguard" | "tcpFallbackPing";

const BOOLEAN_OPTIONS: readonly BooleanOption[] = ["lifeguard", "tcpFallbackPing"];

/** Inclusive bounds of each integer option; outside them the option is refused. */
const BOUNDS: Readonly<Record<Exclude<keyof MembershipConfig, BooleanOption>, readonly [number, number]>> = {
  probeIntervalMs: [1, 3_600_000],
  probeTimeoutMs: [1, 3_600_000],
  indirectChecks: [0, 16],
  suspicionMult: [1, 100],
  suspicionMaxTimeoutMult: [1, 100],
  retransmitMult: [1, 100],
  gossipIntervalMs: [1, 3_600_000],
  gossipNodes: [0, 64],
  gossipToTheDeadMs: [0, 7 * DAY_MS],
  pushPullIntervalMs: [0, 7 * DAY_MS],
  reconnectIntervalMs: [0, 7 * DAY_MS],
  awarenessMaxMultiplier: [1, 64],
  packetBytesMax: [512, PACKET_BYTES_MAX_ACCEPTED],
  failedReapMs: [0, 365 * DAY_MS],
  leftReapMs: [0, 365 * DAY_MS],
};

/**
 * Merges a profile (default `"lan"`) with overrides and validates the result.
 * @throws InvalidConfigError naming the field and its bound; nothing is half-applied.
 */
export function resolveMembershipConfig(options: MembershipConfigOptions = {}): Readonly<MembershipConfig> {
  const profileName = options.profile ?? "lan";
  const profile = PROFILES[profileName];
  if (!profile) throw new InvalidConfigError("profile", `must be "lan", "wan" or "local", got ${String(profileName)}`);
  const merged: MembershipConfig = { ...profile };
  for (const key of Object.keys(BOUNDS) as (keyof typeof BOUNDS)[]) {
    const value = options[key];
    if (value === undefined) continue;
    const [lo, hi] = BOUNDS[key];
    if (typeof value !== "number" || !Number.isInteger(value) || value < lo || value > hi) {
      throw new InvalidConfigError(key, `must be an integer in [${lo}, ${hi}], got ${String(value)}`);
    }
    merged[key] = value;
  }
  for (const key of BOOLEAN_OPTIONS) {
    const value = options[key];
    if (value === undefined) continue;
    if (typeof value !== "boolean") throw new InvalidConfigError(key, `must be a boolean, got ${typeof value}`);
    merged[key] = value;
  }
  if (merged.probeTimeoutMs > merged.probeIntervalMs) {
    throw new InvalidConfigError(
      "probeTimeoutMs",
      `must be <= probeIntervalMs (${merged.probeIntervalMs}), got ${merged.probeTimeoutMs}`,
    );
  }
  return Object.freeze(merged);
}
