/**
 * Resolver feeds across datacenters: one that follows another datacenter's
 * instances with blocking queries forwarded through the servers, and one
 * that serves the local instances and fails over, in the order given, to
 * the first datacenter that has some.
 *
 * @module
 */
import type { CheckStatus } from "../catalog/types.js";
import type { Instance } from "../resolver/instance.js";
import type { InstanceFeed } from "../resolver/resolver.js";

/** How long one forwarded blocking query waits. */
const REMOTE_WAIT = "60s";
/** Pause after a failed remote query before the next. */
const REMOTE_RETRY_MS = 1000;

interface ConsulHealthEntry {
  Node: { Node: string; Address: string };
  Service: { ID: string; Service: string; Address: string; Port: number; Tags: string[] | null; Meta: Record<string, string> | null; Weights?: { Passing: number; Warning: number } };
  Checks: { Status: CheckStatus }[];
}

const RANK: Record<CheckStatus, number> = { passing: 0, warning: 1, critical: 2 };

/** A /v1/health/service entry as an {@link Instance}. */
export function instanceFromConsul(e: ConsulHealthEntry): Instance {
  const status = e.Checks.reduce<CheckStatus>((worst, c) => (RANK[c.Status] > RANK[worst] ? c.Status : worst), "passing");
  return {
    id: e.Service.ID, service: e.Service.Service, node: e.Node.Node, address: e.Service.Address || e.Node.Address,
    port: e.Service.Port, tags: e.Service.Tags ?? [], meta: e.Service.Meta ?? {}, status,
    weights: { passing: e.Service.Weights?.Passing ?? 1, warning: e.Service.Weights?.Warning ?? 1 },
  };
}

/** What a remote feed needs from the agent. */
export interface RemoteReader {
  remoteJson(dc: string, url: string, signal?: AbortSignal): Promise<{ index: number; body: unknown }>;
}

/** Follows `service` in datacenter `dc` with forwarded blocking queries. */
export function remoteFeed(reader: RemoteReader, dc: string, service: string, filter: { tag?: string | undefined; passingOnly: boolean }): InstanceFeed {
  return {
    start(push, fail) {
      const stop = new AbortController();
      void (async () => {
        let index = 0;
        while (!stop.signal.aborted) {
          const q = new URLSearchParams({ wait: REMOTE_WAIT, index: String(index) });
          if (filter.passingOnly) q.set("passing", "");
          if (filter.tag) q.set("tag", filter.tag);
          try {
            const answer = await reader.remoteJson(dc, `/v1/health/service/${encodeURIComponent(service)}?${q}`, stop.signal);
            if (stop.signal.aborted) return;
            // An index that went backwards (a restore there) restarts the watch, as Consul's clients do.
            index = answer.index < index ? 0 : answer.index;
            push((answer.body as ConsulHealthEntry[]).map(instanceFromConsul));
          } catch (err) {
            if (stop.signal.aborted) return;
            fail(err instanceof Error ? err : new Error(String(err)));
            await new Promise((r) => setTimeout(r, REMOTE_RETRY_MS).unref());
          }
        }
      })();
      return () => stop.abort();
    },
  };
}

/**
 * Serves the first feed (local first, then the failover datacenters in
 * order) that has at least one instance; moves back as soon as an earlier
 * one has instances again.
 */
export function failoverFeed(feeds: InstanceFeed[]): InstanceFeed {
  return {
    start(push, fail) {
      const latest: (Instance[] | undefined)[] = feeds.map(() => undefined);
      let pushedOnce = false;
      const choose = (): void => {
        const chosen = latest.find((list) => list !== undefined && list.length > 0);
        if (chosen) push(chosen);
        else if (latest.every((l) => l !== undefined) || (!pushedOnce && latest[0] !== undefined)) push([]);
        else return;
        pushedOnce = true;
      };
      const stops = feeds.map((feed, i) => feed.start((instances) => {
        latest[i] = instances;
        choose();
      }, fail));
      return () => stops.forEach((s) => s());
    },
  };
}
