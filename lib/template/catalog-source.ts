/**
 * A {@link TemplateSource} in the agent's own process: blocking reads wait on
 * the catalog's watch hub (no HTTP, no polling) and answers are built with the
 * HTTP API's JSON helpers, so both sources hand templates the same data.
 *
 * @module
 */
import type { Agent } from "../agent/agent.js";
import type { Catalog } from "../catalog/catalog.js";
import type { WatchScope } from "../catalog/scope.js";
import { healthEntryJson, kvJson, nodeJson, serviceJson } from "../api/http/consul-json.js";
import { ClosedError, NotSupportedError } from "../util/errors.js";
import type { Dependency } from "./dependency.js";
import type { FetchOptions, FetchResult, TemplateSource } from "./source.js";

/** What {@link catalogTemplateSource} needs of an agent. */
export interface CatalogSourceOptions {
  /** The agent's catalog replica (a function: a snapshot restore may replace it). */
  catalog: () => Catalog;
  /** The agent's datacenter; other datacenters are refused with NotSupportedError. */
  datacenter: string;
  /** The agent's node name, for `node` without an argument. */
  node: string;
  /** Waits until the replica may serve a default-consistency read (raft followers). @defaultValue no wait */
  readBarrier?: (signal: AbortSignal) => Promise<void>;
}

/** The catalog watch scope that moves when a dependency's answer changes. */
export function scopeOf(dep: Dependency, node: string): WatchScope {
  switch (dep.kind) {
    case "health-service":
      return { kind: "service", name: dep.name };
    case "catalog-services":
      return { kind: "services" };
    case "catalog-nodes":
      return { kind: "nodes" };
    case "catalog-node":
      return { kind: "node", name: dep.name || node };
    case "kv-get":
      return { kind: "kv", key: dep.key };
    case "kv-list":
      return { kind: "kv", key: dep.prefix, prefix: true };
  }
}

function answer(catalog: Catalog, dep: Dependency, node: string): unknown {
  const state = catalog.state;
  switch (dep.kind) {
    case "health-service":
      return state.healthService(dep.name, { tag: dep.tag, passingOnly: dep.passingOnly }).map((e) => healthEntryJson(e, state));
    case "catalog-services":
      return state.services();
    case "catalog-nodes":
      return state.nodes().map(nodeJson);
    case "catalog-node": {
      const n = state.node(dep.name || node);
      if (!n) return undefined;
      return { Node: nodeJson(n), Services: Object.fromEntries(state.nodeServices(n.node).map((s) => [s.id, serviceJson(s)])) };
    }
    case "kv-get": {
      const e = state.kvGet(dep.key);
      return e ? kvJson(e) : undefined;
    }
    case "kv-list":
      return state.kvList(dep.prefix).map(kvJson);
  }
}

/** A source over a catalog in this process. */
export function catalogTemplateSource(options: CatalogSourceOptions): TemplateSource {
  return {
    async fetch(dep: Dependency, o: FetchOptions): Promise<FetchResult> {
      if (dep.dc !== undefined && dep.dc !== options.datacenter) {
        throw new NotSupportedError(`template data from another datacenter ("${dep.dc}")`);
      }
      const scope = scopeOf(dep, options.node);
      let catalog = options.catalog();
      if (catalog.closed) throw new ClosedError("agent");
      if (o.index > 0) await catalog.hub.wait(scope, o.index, { timeoutMs: o.waitMs, signal: o.signal });
      await options.readBarrier?.(o.signal);
      catalog = options.catalog();
      if (catalog.closed) throw new ClosedError("agent");
      return { value: answer(catalog, dep, options.node), index: Math.max(1, catalog.state.scopeIndex(scope)) };
    },
  };
}

/** A source over an agent in this process (its local catalog replica). */
export function agentTemplateSource(agent: Agent): TemplateSource {
  const { replica } = agent;
  return catalogTemplateSource({
    catalog: () => replica.catalog,
    datacenter: agent.datacenter,
    node: agent.node,
    readBarrier: (signal) => replica.readBarrier("default", signal),
  });
}
