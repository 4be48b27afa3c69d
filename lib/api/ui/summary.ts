/**
 * The UI's summary answers, in the shapes of Consul's own UI endpoints
 * (`/v1/internal/ui/services`, `/v1/internal/ui/nodes`), so one request fills a
 * whole list instead of one request per service or node.
 *
 * @module
 */
import type { WatchScope } from "../../catalog/scope.js";
import type { CatalogState } from "../../catalog/state.js";
import type { CheckStatus } from "../../catalog/types.js";
import { checkJson, nodeJson } from "../http/consul-json.js";

/** One service in the services list: instance count and how its checks stand. */
export interface UiServiceSummary {
  Name: string;
  Datacenter: string;
  /** Union of the instances' tags, sorted. */
  Tags: string[];
  /** Nodes running an instance, sorted, each once. */
  Nodes: string[];
  InstanceCount: number;
  /** Checks covering the service (its instances' and their nodes'), each counted once. */
  ChecksPassing: number;
  ChecksWarning: number;
  ChecksCritical: number;
}

/**
 * Every service with its instance count and check counts, sorted by name.
 * A node check (serfHealth) counts once per service however many instances
 * the node runs, as it is one fact about that service's health.
 */
export function servicesSummary(state: CatalogState, datacenter: string): UiServiceSummary[] {
  const tags = state.services();
  return Object.keys(tags).map((name) => {
    const entries = state.healthService(name);
    const counts: Record<CheckStatus, number> = { passing: 0, warning: 0, critical: 0 };
    const seen = new Set<string>();
    for (const e of entries) {
      for (const c of e.checks) {
        const key = c.node + "\u0000" + c.checkId;
        if (seen.has(key)) continue;
        seen.add(key);
        counts[c.status]++;
      }
    }
    return {
      Name: name, Datacenter: datacenter, Tags: [...tags[name]!],
      Nodes: [...new Set(entries.map((e) => e.node.node))].sort(),
      InstanceCount: entries.length,
      ChecksPassing: counts.passing, ChecksWarning: counts.warning, ChecksCritical: counts.critical,
    };
  });
}

/** Every node with its services and checks, sorted by name (Consul's /v1/internal/ui/nodes). */
export function nodesSummary(state: CatalogState): Record<string, unknown>[] {
  return state.nodes().map((n) => ({
    ...nodeJson(n),
    Services: state.nodeServices(n.node).map((s) => ({
      ID: s.id, Service: s.service, Tags: s.tags, Address: s.address, Port: s.port,
    })),
    Checks: state.nodeChecks(n.node).map((c) => checkJson(c, state)),
  }));
}

/**
 * The scopes whose changes can change either summary: the service and node
 * lists, every check, and each node (a service instance added or removed
 * without a tag change moves only its node's and its service's scope).
 */
export function summaryScopes(state: CatalogState): WatchScope[] {
  const scopes: WatchScope[] = [{ kind: "services" }, { kind: "nodes" }, { kind: "checks" }];
  for (const n of state.nodes()) scopes.push({ kind: "node", name: n.node });
  return scopes;
}
