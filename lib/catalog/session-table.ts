/**
 * The sessions table, indexed by ID and by node.
 *
 * @module
 */
import { compareStrings } from "./records.js";
import type { SessionRecord } from "./types.js";

/** Sessions, frozen and replaced rather than mutated. */
export class SessionTable {
  private readonly byId = new Map<string, SessionRecord>();
  private readonly byNode = new Map<string, Set<string>>();
  /**
   * Log index of each session's last renewal. Kept beside the records, not in
   * them or in snapshots: only the leader's TTL keeper reads it, and a new
   * leader starts every TTL afresh anyway.
   */
  private readonly renewals = new Map<string, number>();

  /** The session, or undefined. */
  get(id: string): SessionRecord | undefined {
    return this.byId.get(id);
  }

  /** Number of sessions. */
  get size(): number {
    return this.byId.size;
  }

  /** Every session, sorted by ID. */
  all(): SessionRecord[] {
    return [...this.byId.values()].sort((a, b) => compareStrings(a.id, b.id));
  }

  /** Sessions tied to `node`, sorted by ID (the order invalidation runs in on every replica). */
  onNode(node: string): SessionRecord[] {
    const ids = this.byNode.get(node);
    if (!ids) return [];
    return [...ids].sort(compareStrings).map((id) => this.byId.get(id)!);
  }

  /** Stores a new session (the caller has checked the ID is free). */
  put(s: SessionRecord): void {
    Object.freeze(s.checks);
    this.byId.set(s.id, Object.freeze(s));
    let ids = this.byNode.get(s.node);
    if (!ids) this.byNode.set(s.node, (ids = new Set()));
    ids.add(s.id);
  }

  /** Records that `id` was renewed by the entry at `index`. */
  noteRenewal(id: string, index: number): void {
    if (this.byId.has(id)) this.renewals.set(id, index);
  }

  /** Index of the last renewal of `id` (its modify index when never renewed), or undefined when it does not exist. */
  renewedAt(id: string): number | undefined {
    const s = this.byId.get(id);
    return s ? this.renewals.get(id) ?? s.modifyIndex : undefined;
  }

  /** Removes a session. */
  delete(id: string): void {
    const s = this.byId.get(id);
    if (!s) return;
    this.byId.delete(id);
    this.renewals.delete(id);
    const ids = this.byNode.get(s.node);
    ids?.delete(id);
    if (ids?.size === 0) this.byNode.delete(s.node);
  }
}
