/**
 * Membership: the SWIM + Lifeguard pure core, its wire codec, profiles and
 * limits. The UDP/TCP driver lives elsewhere and moves bytes in and out of
 * {@link SwimCore}.
 *
 * @module
 */
export { SwimCore, type SwimCoreOptions, type SwimStats } from "./core.js";
export {
  resolveMembershipConfig,
  LAN_PROFILE,
  WAN_PROFILE,
  LOCAL_PROFILE,
  PROFILES,
  type MembershipConfig,
  type MembershipConfigOptions,
  type MembershipProfile,
} from "./config.js";
export { encodePacket, decodePacket, encodePushPull, decodePushPull, messageBytes } from "./codec.js";
export {
  suspicionTimeoutMs,
  suspicionConfirmationsK,
  remainingSuspicionMs,
  retransmitLimit,
  pushPullIntervalScaledMs,
} from "./math.js";
export * from "./limits.js";
export type * from "./types.js";
