/**
 * SWIM's incarnation ordering rules as pure decisions, so they can be held to
 * a table. `cur` is what we know about the member (undefined when unknown).
 *
 * Divergence from memberlist: at an incarnation at least the current one, a
 * graceful "left" replaces "failed" (memberlist ignores any news about a dead
 * member). A member that left cleanly but was declared failed by someone who
 * missed its leave thus still ends up "left" everywhere.
 *
 * @module
 */
import type { MemberStatus } from "./types.js";

/** What a rule needs to know about a member. */
export interface KnownState {
  status: MemberStatus;
  incarnation: number;
}

/** An alive message wins over unknown, or over anything at a strictly lower incarnation. */
export function aliveApplies(cur: KnownState | undefined, incarnation: number): boolean {
  return cur === undefined || incarnation > cur.incarnation;
}

/** What a suspect message does. */
export type SuspectOutcome = "ignore" | "confirm" | "suspect";

/**
 * A suspect message about an unknown, failed or left member, or at an older
 * incarnation, is ignored. About a member already suspect at the same
 * incarnation it is a confirmation (Lifeguard). Otherwise it starts suspicion.
 */
export function suspectOutcome(cur: KnownState | undefined, incarnation: number): SuspectOutcome {
  if (cur === undefined || incarnation < cur.incarnation) return "ignore";
  if (cur.status === "failed" || cur.status === "left") return "ignore";
  if (cur.status === "suspect" && incarnation === cur.incarnation) return "confirm";
  return "suspect";
}

/**
 * A dead message applies to a known alive or suspect member at an incarnation
 * at least its own; a leave (`from === node`) also upgrades "failed" to "left".
 */
export function deadApplies(cur: KnownState | undefined, incarnation: number, isLeave: boolean): boolean {
  if (cur === undefined || incarnation < cur.incarnation) return false;
  if (cur.status === "left") return false;
  if (cur.status === "failed") return isLeave;
  return true;
}

/** What a force-leave message does; see {@link forceLeaveOutcome}. */
export type ForceLeaveOutcome = "ignore" | "intent" | "leave" | "prune";

/**
 * A force-leave about an unknown member, or at an older incarnation than the
 * one we know (it has since refuted or rejoined), is ignored. About a live
 * member it is only remembered as an intent (Serf's "leaving"): the member may
 * be alive and refute, so its status does not change. A failed member becomes
 * left; with `prune` a failed or left member is also forgotten. A left member
 * without `prune` has nothing left to change.
 */
export function forceLeaveOutcome(cur: KnownState | undefined, incarnation: number, prune: boolean): ForceLeaveOutcome {
  if (cur === undefined || incarnation < cur.incarnation) return "ignore";
  if (cur.status === "alive" || cur.status === "suspect") return "intent";
  if (prune) return "prune";
  return cur.status === "failed" ? "leave" : "ignore";
}
