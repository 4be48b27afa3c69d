/**
 * Resolver feeds across datacenters: one that follows another datacenter's
 * instances with blocking queries forwarded through the servers, and one
 * that serves the primary datacenter's instances and fails over to the
 * nearest failover datacenter that has usable ones.
 *
 * @module
 */
import type { CheckStatus } from "../catalog/types.js";
import type { Instance } from "../resolver/instance.js";
import type { InstanceFeed } from "../resolver/resolver.js";
import { realTimers, type Timers } from "../util/timers.js";

/** How long one forwarded blocking query waits. */
const REMOTE_WAIT = "60s";
/** Pause after a failed remote query before the next. */
export const REMOTE_RETRY_MS = 1000;

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

/**
 * Follows `service` in datacenter `dc` with forwarded blocking queries. A
 * failed query (NoPathToDatacenterError during a partition) is reported
 * through `fail` and retried after {@link REMOTE_RETRY_MS} on `timers`.
 */
export function remoteFeed(
  reader: RemoteReader, dc: string, service: string, filter: { tag?: string | undefined; passingOnly: boolean },
  timers: Timers = realTimers(),
): InstanceFeed {
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
            // The next query answers at once (no index), so the consumer hears the feed is back even if nothing changed.
            index = 0;
            await new Promise<void>((resolve) => {
              const onAbort = (): void => {
                timer.cancel();
                resolve();
              };
              const timer = timers.after(REMOTE_RETRY_MS, () => {
                stop.signal.removeEventListener("abort", onAbort);
                resolve();
              });
              stop.signal.addEventListener("abort", onAbort, { once: true });
            });
          }
        }
      })();
      return () => stop.abort();
    },
  };
}

/** One datacenter's feed for {@link failoverFeed}. */
export interface DatacenterFeed {
  dc: string;
  feed: InstanceFeed;
}

/** Whether a list has an instance worth failing over for: one that is not critical. */
function usable(list: readonly Instance[] | undefined): boolean {
  return list !== undefined && list.some((i) => i.status !== "critical");
}

/**
 * Serves the first feed (the primary datacenter) while it has a usable
 * (non-critical) instance, and nothing before its first answer; otherwise the nearest of the others that has
 * one, nearest as `rank()` orders datacenters (the agent's `datacenters()`,
 * by round-trip time; datacenters it does not list keep their given order,
 * after the listed ones). A feed that fails (no path to its datacenter) is
 * skipped until it delivers again. Moves back to the primary
 * as soon as it has usable instances again. With none anywhere, serves the
 * primary's list (possibly empty) once every feed has answered or failed.
 */
export function failoverFeed(feeds: readonly DatacenterFeed[], rank: () => readonly string[] = () => []): InstanceFeed {
  return {
    start(push, fail) {
      const latest: (Instance[] | undefined)[] = feeds.map(() => undefined);
      const failed: boolean[] = feeds.map(() => false);
      let pushedOnce = false;
      const order = (): number[] => {
        const ranked = rank();
        const pos = (i: number): number => {
          const p = ranked.indexOf(feeds[i]!.dc);
          return p < 0 ? Number.MAX_SAFE_INTEGER : p;
        };
        const rest = feeds.map((_, i) => i).slice(1).sort((a, b) => pos(a) - pos(b) || a - b);
        return [0, ...rest];
      };
      const choose = (): void => {
        // The primary speaks first: a failover datacenter never serves before the primary's first answer.
        if (latest[0] === undefined && !failed[0]) return;
        const chosen = order().find((i) => !failed[i] && usable(latest[i]));
        if (chosen !== undefined) push(latest[chosen]!);
        else if (latest.every((l, i) => l !== undefined || failed[i]) || (!pushedOnce && latest[0] !== undefined)) push(latest[0] ?? []);
        else return;
        pushedOnce = true;
      };
      const stops = feeds.map(({ feed }, i) => feed.start((instances) => {
        latest[i] = instances;
        failed[i] = false;
        choose();
      }, (err) => {
        failed[i] = true;
        fail(err);
        choose();
      }));
      return () => stops.forEach((s) => s());
    },
  };
}
