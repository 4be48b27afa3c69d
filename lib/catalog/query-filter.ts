/**
 * Which instances a prepared query returns: Consul's execute-time filters on
 * health, tags and meta. Pure.
 *
 * @module
 */
import type { PreparedQueryService } from "./query-table.js";
import type { HealthEntry } from "./types.js";

function lowerSet(tags: readonly string[]): Set<string> {
  const out = new Set<string>();
  for (const t of tags) out.add(t.toLowerCase());
  return out;
}

function hasPairs(have: Readonly<Record<string, string>>, want: Readonly<Record<string, string>>): boolean {
  for (const k of Object.keys(want)) if (!Object.prototype.hasOwnProperty.call(have, k) || have[k] !== want[k]) return false;
  return true;
}

/**
 * Whether one instance passes a query's filters, as Consul's execute:
 * - health: no critical check, and with `onlyPassing` no warning check either,
 *   the checks in `ignoreCheckIds` not counting (node checks included);
 * - tags: each listed tag present and each `!tag` absent, ignoring case;
 * - node and service meta: every listed pair present.
 */
export function queryMatches(e: HealthEntry, s: PreparedQueryService): boolean {
  for (const c of e.checks) {
    if (c.status === "passing" || s.ignoreCheckIds.includes(c.checkId)) continue;
    if (c.status === "critical" || s.onlyPassing) return false;
  }
  if (s.tags.length > 0) {
    const have = lowerSet(e.service.tags);
    for (const tag of s.tags) {
      const negated = tag.startsWith("!");
      const name = (negated ? tag.slice(1) : tag).toLowerCase();
      if (have.has(name) === negated) return false;
    }
  }
  return hasPairs(e.node.meta, s.nodeMeta) && hasPairs(e.service.meta, s.serviceMeta);
}
