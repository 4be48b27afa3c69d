/**
 * The member table: every known member (self included), the shuffled
 * round-robin probe order, the live count that the protocol formulas scale
 * with, random sampling for gossip targets, and reaping.
 *
 * @module
 */
import type { Rng } from "../util/rng.js";
import type { Member, MemberMeta, MemberStatus } from "./types.js";

/** What the core keeps per member. */
export interface MemberState {
  name: string;
  address: string;
  port: number;
  meta: MemberMeta;
  incarnation: number;
  status: MemberStatus;
  /** When the status last changed (ms on the core's clock); reaping and gossip-to-the-dead use it. */
  changedMs: number;
  /**
   * A force-leave heard while the member was live (Serf's "leaving"): should
   * it fail at an incarnation up to `incarnation`, it is recorded as left
   * (and forgotten with `prune`) instead of failed. A refutation outbids it.
   */
  leaveIntent?: { incarnation: number; prune: boolean };
}

/** True for members that take part in probing: alive or suspect. */
export function isLive(status: MemberStatus): boolean {
  return status === "alive" || status === "suspect";
}

/** A public copy of a member's state. */
export function toMember(m: MemberState): Member {
  return { name: m.name, address: m.address, port: m.port, status: m.status, incarnation: m.incarnation, meta: m.meta };
}

/** Known members and the probe order over the others. */
export class MemberTable {
  private readonly byName = new Map<string, MemberState>();
  /** Every member but self, in probe order; reshuffled at the end of each round. */
  private order: string[] = [];
  private index = 0;
  private live = 0;

  constructor(
    readonly self: MemberState,
    private readonly rng: Rng,
  ) {
    this.byName.set(self.name, self);
    if (isLive(self.status)) this.live++;
  }

  /** Alive plus suspect members, self included: the n of the protocol formulas. */
  get liveCount(): number {
    return this.live;
  }

  /** All known members, self included. */
  get size(): number {
    return this.byName.size;
  }

  get(name: string): MemberState | undefined {
    return this.byName.get(name);
  }

  values(): IterableIterator<MemberState> {
    return this.byName.values();
  }

  /** Adds a new member at a random place in the probe order, so it is probed within one round. */
  add(m: MemberState): void {
    this.byName.set(m.name, m);
    if (isLive(m.status)) this.live++;
    this.order.push(m.name);
    const j = this.rng.int(this.order.length);
    const last = this.order.length - 1;
    [this.order[j], this.order[last]] = [this.order[last]!, this.order[j]!];
  }

  /**
   * Forgets a member at once (force-leave with prune) instead of at the end
   * of a probe round. Self cannot be removed: that is a bug in the caller.
   */
  remove(m: MemberState): void {
    if (m === this.self) throw new Error("membership: the member table cannot remove self");
    if (this.byName.get(m.name) !== m) return;
    this.byName.delete(m.name);
    if (isLive(m.status)) this.live--;
    const i = this.order.indexOf(m.name);
    if (i < 0) return;
    this.order.splice(i, 1);
    // Keep the round's position on the member that was next.
    if (i < this.index) this.index--;
  }

  /** Changes a member's status, keeping the live count right. */
  setStatus(m: MemberState, status: MemberStatus, nowMs: number): void {
    if (m.status === status) return;
    if (isLive(m.status)) this.live--;
    if (isLive(status)) this.live++;
    m.status = status;
    m.changedMs = nowMs;
  }

  /**
   * The next live member in round-robin order. At the end of a round the order
   * is rebuilt: `reap` decides which failed/left members to forget, the rest is
   * reshuffled (SWIM's randomized round-robin bounds worst-case detection time).
   */
  nextProbeTarget(reap: (m: MemberState) => boolean): MemberState | undefined {
    for (let tries = 0; tries <= this.order.length; tries++) {
      if (this.index >= this.order.length) {
        this.resetRound(reap);
        if (this.order.length === 0) return undefined;
      }
      const m = this.byName.get(this.order[this.index++]!);
      if (m && isLive(m.status)) return m;
    }
    return undefined;
  }

  /**
   * Up to `k` distinct random members other than self accepted by `filter`.
   * Samples the probe order with a bounded number of tries (3 per member, as
   * memberlist's kRandomNodes), so it costs O(k) in a large healthy cluster.
   */
  randomMembers(k: number, filter: (m: MemberState) => boolean): MemberState[] {
    const out: MemberState[] = [];
    const n = this.order.length;
    if (k <= 0 || n === 0) return out;
    const picked = new Set<string>();
    for (let tries = 0; tries < 3 * n && out.length < k; tries++) {
      const name = this.order[this.rng.int(n)]!;
      if (picked.has(name)) continue;
      const m = this.byName.get(name);
      if (!m || !filter(m)) continue;
      picked.add(name);
      out.push(m);
    }
    return out;
  }

  private resetRound(reap: (m: MemberState) => boolean): void {
    const kept: string[] = [];
    for (const name of this.order) {
      const m = this.byName.get(name);
      if (!m) continue;
      if (!isLive(m.status) && reap(m)) {
        this.byName.delete(name);
        continue;
      }
      kept.push(name);
    }
    for (let i = kept.length - 1; i > 0; i--) {
      const j = this.rng.int(i + 1);
      [kept[i], kept[j]] = [kept[j]!, kept[i]!];
    }
    this.order = kept;
    this.index = 0;
  }
}
