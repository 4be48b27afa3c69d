import t from "tap";
import { inst, insts, makeResolver } from "./helpers.js";
import type { Instance } from "../../lib/resolver/instance.js";
import { SnapshotWatch } from "../../lib/resolver/watch.js";

const ids = (set: readonly Instance[]): string => set.map((i) => i.id).join(",");

t.test("watch: yields the current set first, then every change", async (t) => {
  const { resolver, feed } = makeResolver({}, insts(1));
  const it = resolver.watch();
  t.equal(ids((await it.next()).value!), "i0");
  const next = it.next();
  feed.push(insts(2));
  t.equal(ids((await next).value!), "i0,i1");
  feed.push(insts(2)); // not a change
  feed.push(insts(3));
  t.equal(ids((await it.next()).value!), "i0,i1,i2");
  await it.return!();
  t.same(await it.next(), { value: undefined, done: true });
});

t.test("watch: before the first push it waits; the first set (even empty) is yielded", async (t) => {
  const { resolver, feed } = makeResolver({});
  const it = resolver.watch();
  const first = it.next();
  feed.push([]);
  t.same((await first).value, []);
});

t.test("watch: a slow consumer sees the newest set and skips the ones in between (bounded)", async (t) => {
  const { resolver, feed } = makeResolver({}, insts(1));
  const it = resolver.watch();
  for (let n = 2; n <= 50; n++) feed.push(insts(n));
  t.equal((await it.next()).value!.length, 50);
  let settled = false;
  void it.next().then(() => (settled = true));
  await new Promise((r) => setImmediate(r));
  t.notOk(settled, "nothing newer to give");
  resolver.close();
});

t.test("watch: for-await ends cleanly when the signal aborts", async (t) => {
  const { resolver, feed } = makeResolver({}, insts(1));
  const ac = new AbortController();
  const seen: number[] = [];
  const loop = (async () => {
    for await (const set of resolver.watch({ signal: ac.signal })) {
      seen.push(set.length);
      if (set.length === 2) ac.abort();
      else feed.push([...set, inst(set.length)]);
    }
  })();
  await loop;
  t.same(seen, [1, 2]);
  const pre = resolver.watch({ signal: AbortSignal.abort() });
  t.same(await pre.next(), { value: undefined, done: true }, "an already-aborted signal ends it at once");
});

t.test("watch: close() ends pending and later iterators", async (t) => {
  const { resolver } = makeResolver({});
  const it = resolver.watch();
  const pending = it.next();
  resolver.close();
  t.same(await pending, { value: undefined, done: true });
  t.same(await resolver.watch().next(), { value: undefined, done: true });
});

t.test("watch: break in for-await unregisters the watcher", async (t) => {
  const { resolver, feed } = makeResolver({}, insts(1));
  for await (const set of resolver.watch()) {
    t.equal(set.length, 1);
    break;
  }
  t.equal((resolver as unknown as { watchers: Set<unknown> }).watchers.size, 0);
  feed.push(insts(2));
});

t.test("watch: SnapshotWatch serves concurrent next() calls in order and ignores offers after end", async (t) => {
  let ended = 0;
  const w = new SnapshotWatch<number>(undefined, () => ended++);
  const a = w.next();
  const b = w.next();
  w.offer(1);
  w.offer(2);
  t.same(await a, { value: 1, done: false });
  t.same(await b, { value: 2, done: false });
  t.equal(w[Symbol.asyncIterator](), w);
  w.end();
  w.end();
  w.offer(3);
  t.equal(ended, 1);
  t.same(await w.next(), { value: undefined, done: true });
});
