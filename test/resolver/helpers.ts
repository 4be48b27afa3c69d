/**
 * Test helpers for the resolver: instances, a hand-driven feed, and a
 * resolver wired to a manual clock and a seeded rng.
 */
import { ManualClock } from "../../lib/util/clock.js";
import { SeededRng } from "../../lib/util/rng.js";
import type { CheckStatus } from "../../lib/catalog/types.js";
import type { Instance } from "../../lib/resolver/instance.js";
import { Resolver, type InstanceFeed } from "../../lib/resolver/resolver.js";
import type { ResolverOptions } from "../../lib/resolver/options.js";

/** An instance named `i<n>` on node `n<n>`; fields can be overridden. */
export function inst(n: number, over: Partial<Instance> & { status?: CheckStatus } = {}): Instance {
  return {
    id: `i${n}`,
    service: "web",
    node: `n${String(n).padStart(4, "0")}`,
    address: `10.0.0.${n % 250}`,
    port: 8000 + n,
    tags: ["v1"],
    meta: { zone: "a" },
    status: "passing",
    weights: { passing: 1, warning: 1 },
    ...over,
  };
}

/** `count` instances numbered from 0. */
export function insts(count: number, over: (n: number) => Partial<Instance> = () => ({})): Instance[] {
  return Array.from({ length: count }, (_, n) => inst(n, over(n)));
}

/** A feed driven by hand: `push()` and `fail()` reach the resolver once started. */
export class ManualFeed implements InstanceFeed {
  pushFn: ((instances: Instance[]) => void) | undefined;
  failFn: ((err: Error) => void) | undefined;
  starts = 0;
  stops = 0;
  /** Instances pushed synchronously from start(), if set. */
  initial: Instance[] | undefined;

  start(push: (instances: Instance[]) => void, fail: (err: Error) => void): () => void {
    this.starts++;
    this.pushFn = push;
    this.failFn = fail;
    if (this.initial) push(this.initial);
    return () => {
      this.stops++;
    };
  }

  push(instances: Instance[]): void {
    this.pushFn!(instances);
  }

  fail(err: Error): void {
    this.failFn!(err);
  }
}

/** A resolver over a ManualFeed already holding `instances` (if given). */
export function makeResolver(
  options: ResolverOptions,
  instances?: Instance[],
  seed = 1,
): { resolver: Resolver; feed: ManualFeed; clock: ManualClock } {
  const feed = new ManualFeed();
  feed.initial = instances;
  const clock = new ManualClock(1_000_000);
  const resolver = new Resolver("web", options, feed, { clock, rng: new SeededRng(seed) });
  return { resolver, feed, clock };
}

/** Counts picks per instance id over `count` picks (reporting each at once when `report` is set). */
export function tally(resolver: Resolver, count: number, opts: { report?: boolean; key?: (i: number) => string } = {}): Map<string, number> {
  const counts = new Map<string, number>();
  for (let i = 0; i < count; i++) {
    const picked = resolver.pick(opts.key?.(i));
    counts.set(picked.id, (counts.get(picked.id) ?? 0) + 1);
    if (opts.report) resolver.report(picked, { ok: true });
  }
  return counts;
}
