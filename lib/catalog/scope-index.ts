/**
 * Per-scope indexes of the catalog (KV keys keep theirs in the KV store) and
 * the change set of one apply.
 *
 * @module
 */
import { RETIRED_SCOPES_MAX } from "./limits.js";
import { namedScopeKey, type NamedScopeKind, type ScalarScopeKind, type WatchScope } from "./scope.js";

/** Serialized form of {@link ScopeIndexes}, part of the snapshot. */
export interface ScopeIndexesData {
  scalar: Record<ScalarScopeKind, number>;
  /** [scope key, index], sorted by key. */
  named: Array<[string, number]>;
  /** Keys of scopes whose object is gone, oldest first (reap order). */
  retired: string[];
  floors: Record<NamedScopeKind, number>;
}

/**
 * Indexes of the scalar scopes and of every named scope (one service, one node).
 *
 * A named scope's index is the last index at which its answer changed. When the
 * object disappears (a service's last instance, a node) the entry is kept as
 * "retired" so the index does not fall back; past {@link RETIRED_SCOPES_MAX}
 * retired entries the oldest is dropped and its index becomes the floor that
 * every unknown name of that kind answers with. Indexes therefore never go
 * back, and are ≥ 1 as Consul's are (index 0 makes clients spin).
 */
export class ScopeIndexes {
  private scalar: Record<ScalarScopeKind, number> = { services: 1, nodes: 1, checks: 1, sessions: 1 };
  private readonly named = new Map<string, number>();
  // Insertion order is reap order; it is part of the snapshot so replicas reap alike.
  private readonly retired = new Map<string, true>();
  private floors: Record<NamedScopeKind, number> = { service: 1, node: 1 };

  /** Index of a scalar scope. */
  scalarIndex(kind: ScalarScopeKind): number {
    return this.scalar[kind];
  }

  /** Index of a named scope. */
  namedIndex(kind: NamedScopeKind, name: string): number {
    return this.named.get(namedScopeKey(kind, name)) ?? this.floors[kind];
  }

  /** Records a change of a scalar scope at `index`. */
  bumpScalar(kind: ScalarScopeKind, index: number): void {
    this.scalar[kind] = index;
  }

  /** Records a change of a named scope at `index`; a retired name comes back to life. */
  bumpNamed(kind: NamedScopeKind, name: string, index: number): void {
    this.bumpKey(namedScopeKey(kind, name), index);
  }

  /** {@link bumpNamed} by scope key (see `namedScopeKey`). */
  bumpKey(key: string, index: number): void {
    this.named.set(key, index);
    if (this.retired.size > 0) this.retired.delete(key);
  }

  /** Marks a named scope's object as gone; its entry is reaped once enough others are. */
  retire(kind: NamedScopeKind, name: string): void {
    const key = namedScopeKey(kind, name);
    this.retired.delete(key);
    this.retired.set(key, true);
    while (this.retired.size > RETIRED_SCOPES_MAX) {
      const oldest = this.retired.keys().next().value as string;
      this.retired.delete(oldest);
      const index = this.named.get(oldest) ?? 0;
      this.named.delete(oldest);
      const k = oldest.slice(0, oldest.indexOf("\u0000")) as NamedScopeKind;
      if (index > this.floors[k]) this.floors[k] = index;
    }
  }

  /** Number of named entries held (live and retired), for tests of the bound. */
  get namedCount(): number {
    return this.named.size;
  }

  /** Serializes; sorted where order carries no meaning, in reap order where it does. */
  toData(): ScopeIndexesData {
    const named = [...this.named.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    return { scalar: { ...this.scalar }, named, retired: [...this.retired.keys()], floors: { ...this.floors } };
  }

  /** Rebuilds from {@link toData}'s output (already shape-checked by the snapshot reader). */
  static fromData(data: ScopeIndexesData): ScopeIndexes {
    const s = new ScopeIndexes();
    s.scalar = { ...data.scalar };
    for (const [k, v] of data.named) s.named.set(k, v);
    for (const k of data.retired) s.retired.set(k, true);
    s.floors = { ...data.floors };
    return s;
  }
}

/**
 * What one apply changed: the scopes it moved, deduplicated, in first-touch order.
 * Touching a scope also stamps its index, so nothing may be touched before the
 * command has been fully validated (validation failures change nothing).
 */
export class Changes {
  private readonly scopes = new Map<string, WatchScope>();

  constructor(
    /** The log index being applied. */
    readonly index: number,
    private readonly indexes: ScopeIndexes,
  ) {}

  /** Marks a scalar scope changed. */
  scalar(kind: ScalarScopeKind): void {
    if (this.scopes.has(kind)) return;
    this.scopes.set(kind, { kind });
    this.indexes.bumpScalar(kind, this.index);
  }

  /** Marks a named scope changed. */
  named(kind: NamedScopeKind, name: string): void {
    const key = namedScopeKey(kind, name);
    if (this.scopes.has(key)) return;
    this.scopes.set(key, { kind, name });
    this.indexes.bumpKey(key, this.index);
  }

  /** Marks one KV key changed (its index lives on the entry or its tombstone). */
  kv(key: string): void {
    const k = "kv\u0000" + key;
    if (this.scopes.has(k)) return;
    this.scopes.set(k, { kind: "kv", key });
  }

  /** Marks the prepared-query table changed (its index lives in the table). */
  queries(): void {
    if (!this.scopes.has("queries")) this.scopes.set("queries", { kind: "queries" });
  }

  /** The scopes moved so far. */
  touched(): WatchScope[] {
    return [...this.scopes.values()];
  }
}
