/**
 * Feeds a resolver from the local catalog with blocking watches: it waits for
 * the service's own index to move, then pushes the new instance list. No polling.
 *
 * @module
 */
import type { Catalog } from "../catalog/catalog.js";
import type { HealthEntry } from "../catalog/types.js";
import type { Instance } from "../resolver/instance.js";
import type { InstanceFeed } from "../resolver/resolver.js";

/** How long one blocking wait lasts before it is simply renewed. */
const FEED_WAIT_MS = 5 * 60_000;

/** Turns a catalog health entry into the instance a resolver hands out. */
export function toInstance(entry: HealthEntry): Instance {
  const s = entry.service;
  return {
    id: s.id,
    service: s.service,
    node: s.node,
    address: s.address || entry.node.address,
    port: s.port,
    tags: s.tags,
    meta: s.meta,
    status: entry.status,
    weights: s.weights,
  };
}

/** A feed of one service's instances from `catalog`, optionally filtered by tag and health. */
export function catalogFeed(
  catalog: () => Promise<Catalog>,
  service: string,
  filter: { tag?: string | undefined; passingOnly: boolean },
): InstanceFeed {
  return {
    start(push, fail) {
      const stop = new AbortController();
      const run = async (): Promise<void> => {
        const c = await catalog();
        let index = 0;
        while (!stop.signal.aborted) {
          index = await c.hub.wait({ kind: "service", name: service }, index, { timeoutMs: FEED_WAIT_MS, signal: stop.signal });
          if (stop.signal.aborted) return;
          const entries = c.state.healthService(service, { tag: filter.tag, passingOnly: filter.passingOnly });
          push(entries.map(toInstance));
        }
      };
      run().catch((err: unknown) => {
        if (!stop.signal.aborted) fail(err instanceof Error ? err : new Error(String(err)));
      });
      return () => stop.abort();
    },
  };
}
