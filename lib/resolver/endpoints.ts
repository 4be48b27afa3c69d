/**
 * The resolver's endpoint table: the current instance set in a canonical order
 * (by instance key), per-instance in-flight counts, and the mapping that lets
 * policies and outlier state follow instances across set changes.
 *
 * @module
 */
import { InvalidArgumentError } from "../util/errors.js";
import { freezeInstance, instanceEquals, instanceKey, type Instance } from "./instance.js";

const EMPTY: readonly Instance[] = Object.freeze([]);

/** The current set as the resolver and its policies see it. */
export class EndpointTable {
  /** The instances, sorted by instance key, frozen. Replaced (never mutated) on change. */
  instances: readonly Instance[] = EMPTY;
  /** `instanceKey` of each position. */
  keys: readonly string[] = EMPTY as readonly never[];
  /** Requests picked and not yet reported, per position. Policies read it; the resolver writes it. */
  inflight: Float64Array = new Float64Array(0);
  private byKey = new Map<string, number>();
  private byObject = new Map<Instance, number>();

  /** Number of instances. */
  get size(): number {
    return this.instances.length;
  }

  /**
   * Position of `instance`: by identity first (what `pick()` returned), else by
   * its key (a copy, or an object from an older set). -1 when not in the set.
   */
  indexOf(instance: Instance): number {
    const byObject = this.byObject.get(instance);
    if (byObject !== undefined) return byObject;
    return this.byKey.get(instanceKey(instance)) ?? -1;
  }

  /**
   * Replaces the set with `list`. Instances equal to one already held keep
   * their object and their in-flight count; duplicates by key keep the last.
   * @returns for each new position the old position of the same instance (or
   *   -1), or null when the set is unchanged (nothing was replaced).
   * @throws InvalidArgumentError when `list` or an instance in it is malformed; nothing is applied.
   */
  replace(list: readonly Instance[]): Int32Array | null {
    if (!Array.isArray(list)) throw new InvalidArgumentError("instances", "must be an array");
    const latest = new Map<string, Instance>();
    for (let i = 0; i < list.length; i++) {
      const instance = list[i] as Instance;
      checkShape(instance, i);
      latest.set(instanceKey(instance), instance);
    }
    const keys = [...latest.keys()].sort();
    if (!this.differs(keys, latest)) return null;
    const instances: Instance[] = new Array(keys.length);
    const moved = new Int32Array(keys.length);
    const inflight = new Float64Array(keys.length);
    const byKey = new Map<string, number>();
    const byObject = new Map<Instance, number>();
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i]!;
      const incoming = latest.get(key)!;
      const old = this.byKey.get(key) ?? -1;
      const kept = old >= 0 && instanceEquals(this.instances[old]!, incoming) ? this.instances[old]! : freezeInstance(incoming);
      instances[i] = kept;
      moved[i] = old;
      inflight[i] = old >= 0 ? this.inflight[old]! : 0;
      byKey.set(key, i);
      byObject.set(kept, i);
    }
    this.instances = Object.freeze(instances);
    this.keys = Object.freeze(keys);
    this.inflight = inflight;
    this.byKey = byKey;
    this.byObject = byObject;
    return moved;
  }

  /** Empties the table (on close). */
  clear(): void {
    this.replace(EMPTY);
  }

  private differs(keys: readonly string[], latest: Map<string, Instance>): boolean {
    if (keys.length !== this.keys.length) return true;
    for (let i = 0; i < keys.length; i++) {
      if (keys[i] !== this.keys[i]) return true;
      if (!instanceEquals(this.instances[i]!, latest.get(keys[i]!)!)) return true;
    }
    return false;
  }
}

function checkShape(instance: Instance, i: number): void {
  const field = `instances[${i}]`;
  if (typeof instance !== "object" || instance === null) throw new InvalidArgumentError(field, "must be an object");
  for (const name of ["id", "node", "service", "address", "status"] as const) {
    if (typeof instance[name] !== "string") throw new InvalidArgumentError(`${field}.${name}`, "must be a string");
  }
  if (typeof instance.port !== "number") throw new InvalidArgumentError(`${field}.port`, "must be a number");
  if (!Array.isArray(instance.tags)) throw new InvalidArgumentError(`${field}.tags`, "must be an array");
  if (typeof instance.meta !== "object" || instance.meta === null) throw new InvalidArgumentError(`${field}.meta`, "must be an object");
  const w = instance.weights as Instance["weights"] | undefined;
  if (typeof w !== "object" || w === null || typeof w.passing !== "number" || typeof w.warning !== "number") {
    throw new InvalidArgumentError(`${field}.weights`, "must be { passing: number, warning: number }");
  }
}
