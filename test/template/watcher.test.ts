import t from "tap";
import { ManualTimers } from "../../lib/util/timers.js";
import { DependencyWatcher, MIN_INTERVAL_MS_DEFAULT } from "../../lib/template/watcher.js";
import type { Dependency } from "../../lib/template/dependency.js";
import type { FetchOptions, FetchResult, TemplateSource } from "../../lib/template/source.js";
import { tick } from "./fake-source.js";
import { flush } from "./helpers.js";

const dep: Dependency = { kind: "catalog-nodes", dc: undefined };

/** A source answering from a script of indexes, recording the index each read asked with. */
function scripted(indexes: number[]): TemplateSource & { asked: number[] } {
  const asked: number[] = [];
  return {
    asked,
    async fetch(_dep: Dependency, o: FetchOptions): Promise<FetchResult> {
      asked.push(o.index);
      const index = indexes.shift();
      if (index === undefined) {
        // Out of script: block until aborted.
        await new Promise((_r, reject) => o.signal.addEventListener("abort", () => reject(new Error("aborted")), { once: true }));
      }
      return { value: [index], index: index! };
    },
  };
}

t.test("watcher: blocking reads carry the last index; an index going backwards resets to 0 (Consul's blocking-query rule)", async (t) => {
  const timers = new ManualTimers();
  const source = scripted([5, 9, 3, 4]);
  const w = new DependencyWatcher(source, { timers });
  t.teardown(() => w.close());
  let changes = 0;
  w.track({}, [dep], () => changes++);
  await tick(timers, 1000);
  t.same(source.asked, [0, 5, 9, 0, 4], "after 9 came 3: the next read starts over from 0");
  t.equal(changes, 4);
  t.same(w.get(dep), { ready: true, value: [4] });
});

t.test("watcher: an index of 0 from the source is clamped to 1, so reads block instead of spinning", async (t) => {
  const timers = new ManualTimers();
  const source = scripted([0]);
  const w = new DependencyWatcher(source, { timers });
  t.teardown(() => w.close());
  w.track({}, [dep], () => {});
  await tick(timers, 500);
  t.same(source.asked, [0, 1]);
});

t.test("watcher: at least minIntervalMs between reads of one dependency (consul-template's 100 ms)", async (t) => {
  const timers = new ManualTimers();
  const source = scripted([2, 3, 4, 5, 6]);
  const w = new DependencyWatcher(source, { timers });
  t.teardown(() => w.close());
  w.track({}, [dep], () => {});
  await flush();
  t.equal(source.asked.length, 1);
  timers.advance(MIN_INTERVAL_MS_DEFAULT - 1);
  await flush();
  t.equal(source.asked.length, 1, "not before the interval");
  timers.advance(1);
  await flush();
  t.equal(source.asked.length, 2);
});

t.test("watcher: shared dependencies run one loop; it stops when its last owner lets go", async (t) => {
  const timers = new ManualTimers();
  const source = scripted([2]);
  const w = new DependencyWatcher(source, { timers });
  t.teardown(() => w.close());
  const a = {};
  const b = {};
  let seenA = 0;
  let seenB = 0;
  w.track(a, [dep], () => seenA++);
  w.track(b, [dep], () => seenB++);
  await tick(timers, 200);
  t.equal(w.size, 1);
  t.equal(source.asked.length, 2, "one loop: first read, then one blocked read");
  t.equal(seenA + seenB, 2, "both owners heard of the answer");
  w.untrack(a);
  t.equal(w.size, 1);
  w.untrack(b);
  w.untrack(b);
  t.equal(w.size, 0);
  t.same(w.get(dep), { ready: false });
});

t.test("watcher: a listener that throws is logged and the others still hear", async (t) => {
  const timers = new ManualTimers();
  const errors: string[] = [];
  const logger = { debug() {}, info() {}, warn() {}, error: (_o: object | string, m?: string) => void errors.push(m ?? "") };
  const w = new DependencyWatcher(scripted([2]), { timers, logger });
  t.teardown(() => w.close());
  let heard = 0;
  w.track({}, [dep], () => {
    throw new Error("bug");
  });
  w.track({}, [dep], () => heard++);
  await tick(timers, 200);
  t.equal(heard, 1);
  t.same(errors, ["change listener threw"]);
  w.close();
  w.track({}, [dep], () => {});
  t.equal(w.size, 0, "a closed watcher starts nothing");
});
