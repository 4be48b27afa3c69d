import t from "tap";
import { failoverFeed, instanceFromConsul, remoteFeed, REMOTE_RETRY_MS } from "../../lib/agent/remote-feed.js";
import type { Instance } from "../../lib/resolver/instance.js";
import type { InstanceFeed } from "../../lib/resolver/resolver.js";
import { NoPathToDatacenterError } from "../../lib/util/errors.js";
import { SimTimers, runUntil } from "../sim/multi-dc-net.js";

/** A feed a test drives by hand. */
function handFeed(): InstanceFeed & { push(list: Instance[]): void; fail(err: Error): void; stopped: boolean } {
  let push: ((l: Instance[]) => void) | undefined;
  let fail: ((e: Error) => void) | undefined;
  const feed = {
    stopped: false,
    start(p: (l: Instance[]) => void, f: (e: Error) => void) {
      push = p;
      fail = f;
      return () => void (feed.stopped = true);
    },
    push: (list: Instance[]) => push!(list),
    fail: (err: Error) => fail!(err),
  };
  return feed;
}

function inst(id: string, status: Instance["status"] = "passing"): Instance {
  return { id, service: "web", node: "n", address: "10.0.0.1", port: 80, tags: [], meta: {}, status, weights: { passing: 1, warning: 1 } };
}

function start(feeds: { dc: string; feed: InstanceFeed }[], rank: () => string[] = () => []) {
  const pushed: string[][] = [];
  const errors: Error[] = [];
  const stop = failoverFeed(feeds, rank).start((l) => pushed.push(l.map((i) => i.id)), (e) => errors.push(e));
  return { pushed, errors, stop, last: () => pushed.at(-1) };
}

t.test("failover: the primary serves while it has a non-critical instance; then the nearest failover datacenter with one; back to the primary when it recovers", async (t) => {
  const [dc1, dc2, dc3] = [handFeed(), handFeed(), handFeed()];
  let rank = ["dc1", "dc3", "dc2"];
  const f = start([{ dc: "dc1", feed: dc1 }, { dc: "dc2", feed: dc2 }, { dc: "dc3", feed: dc3 }], () => rank);
  dc2.push([inst("b")]);
  t.same(f.pushed, [], "nothing until the primary has answered");
  dc1.push([inst("a1"), inst("a2")]);
  t.same(f.last(), ["a1", "a2"]);
  dc3.push([inst("c")]);
  dc1.push([inst("a1", "critical"), inst("a2", "critical")]);
  t.same(f.last(), ["c"], "dc3 is nearer than dc2 by RTT, though listed after it");
  rank = ["dc1", "dc2", "dc3"];
  dc3.push([inst("c", "critical")]);
  t.same(f.last(), ["b"], "dc3 has none left: the next nearest");
  dc1.push([inst("a1")]);
  t.same(f.last(), ["a1"], "back to the primary as soon as it recovers");
  f.stop();
  t.ok(dc1.stopped && dc2.stopped && dc3.stopped, "stopping stops every feed");
});

t.test("failover: datacenters the rank does not list keep their given order, after the listed ones", async (t) => {
  const [dc1, dc2, dc3] = [handFeed(), handFeed(), handFeed()];
  const f = start([{ dc: "dc1", feed: dc1 }, { dc: "dc2", feed: dc2 }, { dc: "dc3", feed: dc3 }], () => ["dc1", "dc3"]);
  dc1.push([]);
  dc2.push([inst("b")]);
  dc3.push([inst("c")]);
  t.same(f.last(), ["c"]);
  const g = start([{ dc: "dc1", feed: handFeed() }, { dc: "x", feed: dc2 }, { dc: "y", feed: dc3 }]);
  dc2.push([inst("b2")]);
  dc3.push([inst("c2")]);
  t.same(g.pushed, [], "the primary has not answered yet");
  t.same(g.errors, []);
});

t.test("failover: a datacenter whose feed failed (no path to it) is skipped until it delivers again; the errors are passed on", async (t) => {
  const [dc1, dc2, dc3] = [handFeed(), handFeed(), handFeed()];
  const f = start([{ dc: "dc1", feed: dc1 }, { dc: "dc2", feed: dc2 }, { dc: "dc3", feed: dc3 }], () => ["dc1", "dc2", "dc3"]);
  dc1.push([]);
  dc2.push([inst("b")]);
  dc3.push([inst("c")]);
  t.same(f.last(), ["b"]);
  const err = new NoPathToDatacenterError("dc2", "no server reachable");
  dc2.fail(err);
  t.same(f.last(), ["c"], "dc2 is unreachable: dc3 serves");
  t.same(f.errors, [err]);
  dc2.push([inst("b")]);
  t.same(f.last(), ["b"], "dc2 is back");
});

t.test("failover: with no usable instance anywhere it serves the primary's list once every feed has answered or failed", async (t) => {
  const [dc1, dc2] = [handFeed(), handFeed()];
  const f = start([{ dc: "dc1", feed: dc1 }, { dc: "dc2", feed: dc2 }]);
  dc1.push([inst("a", "critical")]);
  t.same(f.pushed, [["a"]], "the first answer is served at once so ready() resolves");
  dc2.fail(new Error("down"));
  t.same(f.last(), ["a"]);
  dc2.push([inst("b", "critical")]);
  t.same(f.last(), ["a"], "critical everywhere: the primary's own list");
});

t.test("remote feed: follows another datacenter with blocking queries, retries a failure after REMOTE_RETRY_MS on the injected timers, and asks afresh after it", async (t) => {
  const timers = new SimTimers();
  const urls: string[] = [];
  let fails = 1;
  let index = 10;
  const entry = { Node: { Node: "n2", Address: "10.0.0.2" }, Service: { ID: "w", Service: "web", Address: "", Port: 80, Tags: null, Meta: null }, Checks: [{ Status: "passing" as const }] };
  const reader = {
    async remoteJson(_dc: string, url: string, signal?: AbortSignal) {
      urls.push(url);
      if (fails > 0) {
        fails--;
        throw new NoPathToDatacenterError("dc2", "no server reachable");
      }
      if (url.includes(`index=${index}`)) {
        // A blocking query with nothing new: wait until aborted.
        await new Promise((_, reject) => signal?.addEventListener("abort", () => reject(new Error("aborted")), { once: true }));
      }
      return { index: index, body: [entry] };
    },
  };
  const pushed: Instance[][] = [];
  const errors: Error[] = [];
  const stop = remoteFeed(reader, "dc2", "web", { tag: "v1", passingOnly: true }, timers).start((l) => pushed.push(l), (e) => errors.push(e));
  await runUntil(timers, 10);
  t.match(errors, [{ name: "NoPathToDatacenterError" }]);
  t.same(pushed, []);
  await runUntil(timers, REMOTE_RETRY_MS + 10);
  t.match(pushed, [[{ id: "w", node: "n2", address: "10.0.0.2", tags: [], meta: {}, status: "passing" }]]);
  t.match(urls, [/index=0.*passing=.*tag=v1/, /index=0/, /index=10/], "after the failure it asks without an index, then blocks on the one it got");
  index = 3;
  stop();
  await runUntil(timers, 5 * REMOTE_RETRY_MS);
  t.equal(urls.length, 3, "stopped: no more queries");
});

t.test("remote feed: a stop during the retry pause ends it at once", async (t) => {
  const timers = new SimTimers();
  let calls = 0;
  const reader = { remoteJson: async () => { calls++; throw new Error("down"); } };
  const stop = remoteFeed(reader, "dc2", "web", { passingOnly: false }, timers).start(() => {}, () => {});
  await runUntil(timers, 10);
  stop();
  await runUntil(timers, 10 * REMOTE_RETRY_MS);
  t.equal(calls, 1);
});

t.test("remote feed: a Consul health entry becomes an Instance with its worst check status", async (t) => {
  const i = instanceFromConsul({
    Node: { Node: "n", Address: "10.0.0.9" },
    Service: { ID: "x", Service: "web", Address: "10.1.1.1", Port: 1, Tags: ["a"], Meta: { k: "v" }, Weights: { Passing: 3, Warning: 2 } },
    Checks: [{ Status: "passing" }, { Status: "warning" }],
  });
  t.match(i, { address: "10.1.1.1", status: "warning", tags: ["a"], meta: { k: "v" }, weights: { passing: 3, warning: 2 } });
});
