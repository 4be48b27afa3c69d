/** Shared checks for the consistent-hashing policies (ring-hash, maglev). */
import type { Instance } from "../../../lib/resolver/instance.js";
import type { PolicyName } from "../../../lib/resolver/options.js";
import { insts, makeResolver } from "../helpers.js";

const KEYS = Array.from({ length: 20_000 }, (_, i) => `user-${i}`);

/** Owner id of every key, for a resolver over `set`. */
export function owners(policy: PolicyName, set: Instance[], seed = 1): string[] {
  const { resolver } = makeResolver({ policy, outlier: false }, set, seed);
  return KEYS.map((k) => resolver.pick(k).id);
}

/** What removing instance `removed` of `n` does to the key mapping. */
export function disruption(policy: PolicyName, n: number, removed: number): { moved: number; movedFromKept: number; ownedByRemoved: number } {
  const before = owners(policy, insts(n));
  const after = owners(policy, insts(n).filter((_, i) => i !== removed));
  const gone = `i${removed}`;
  let moved = 0;
  let movedFromKept = 0;
  let ownedByRemoved = 0;
  for (let k = 0; k < KEYS.length; k++) {
    if (before[k] === gone) ownedByRemoved++;
    if (before[k] !== after[k]) {
      moved++;
      if (before[k] !== gone) movedFromKept++;
    }
  }
  return { moved: moved / KEYS.length, movedFromKept: movedFromKept / KEYS.length, ownedByRemoved: ownedByRemoved / KEYS.length };
}

/** Keys per instance id. */
export function shares(list: string[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const id of list) m.set(id, (m.get(id) ?? 0) + 1);
  return m;
}
