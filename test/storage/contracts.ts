/**
 * Contract tests written once and run against every implementation of a
 * storage seam (file and memory), so the twins cannot drift apart.
 */
import type { Test } from "tap";
import type { HardState, LogStore, SnapshotStore, StableStore } from "../../lib/storage/types.js";
import { RECORD_DATA_BYTES_MAX } from "../../lib/storage/limits.js";
import { dataFor, records } from "./helpers.js";

/** Opens a store on the same underlying "disk" each time it is called: a second call is a restart. */
export type Opener<S> = (t: Test) => Promise<() => Promise<S>>;

/** Runs the LogStore contract against `name`. */
export function logContract(t: Test, name: string, setup: Opener<LogStore>): void {
  const test = (claim: string, fn: (t: Test, open: () => Promise<LogStore>) => Promise<void>): void => {
    t.test(`${name}: ${claim}`, async (t) => fn(t, await setup(t)));
  };

  test("a new log is empty at 0/0", async (t, open) => {
    const log = await open();
    t.equal(log.firstIndex(), 0);
    t.equal(log.lastIndex(), 0);
    t.equal(log.get(1), undefined);
    t.same(log.range(1, 10), []);
    t.equal(log.termAt(0), undefined);
    await log.close();
  });

  test("appended records read back by get, range and termAt", async (t, open) => {
    const log = await open();
    await log.append(records(1, 3, 1));
    await log.append(records(4, 5, 2));
    t.equal(log.firstIndex(), 1);
    t.equal(log.lastIndex(), 5);
    t.same(log.get(4)?.data, dataFor(4));
    t.equal(log.termAt(3), 1);
    t.equal(log.termAt(5), 2);
    t.equal(log.termAt(6), undefined);
    t.same(log.range(2, 4).map((r) => r.index), [2, 3, 4]);
    t.same(log.range(0, 100).map((r) => r.index), [1, 2, 3, 4, 5], "range clips to what is stored");
    t.same(log.range(4, 3), []);
    await log.close();
  });

  test("reopening after close returns the same records", async (t, open) => {
    const log = await open();
    await log.append(records(1, 40, 3, 100));
    await log.close();
    const again = await open();
    t.equal(again.firstIndex(), 1);
    t.equal(again.lastIndex(), 40);
    for (const r of again.range(1, 40)) t.same(r.data, dataFor(r.index, 100), `record ${r.index}`);
    await again.append(records(41, 41, 3));
    t.equal(again.lastIndex(), 41);
    await again.close();
  });

  test("an append that is not contiguous is refused and changes nothing", async (t, open) => {
    const log = await open();
    await log.append(records(1, 2));
    await t.rejects(log.append(records(4, 4)), { name: "InvalidArgumentError", field: "records[0].index" });
    await t.rejects(log.append(records(2, 2)), { name: "InvalidArgumentError", field: "records[0].index" });
    const gap = [...records(3, 3), ...records(5, 5)];
    await t.rejects(log.append(gap), { name: "InvalidArgumentError", field: "records[1].index" });
    t.equal(log.lastIndex(), 2);
    await t.rejects(log.append([{ index: 3, term: -1, data: new Uint8Array() }]), { name: "InvalidArgumentError", field: "records[0].term" });
    await t.rejects(log.append([{ index: 3, term: 1, data: "x" as unknown as Uint8Array }]), { name: "InvalidArgumentError", field: "records[0].data" });
    await t.rejects(log.append([null as unknown as never]), { name: "InvalidArgumentError", field: "records[0]" });
    await t.rejects(log.append("x" as unknown as never), { name: "InvalidArgumentError", field: "records" });
    t.equal(log.lastIndex(), 2);
    await log.close();
  });

  test("a record over RECORD_DATA_BYTES_MAX is refused with ValueTooLargeError", async (t, open) => {
    const log = await open();
    const big = { index: 1, term: 1, data: new Uint8Array(RECORD_DATA_BYTES_MAX + 1) };
    await t.rejects(log.append([big]), { name: "ValueTooLargeError", limitBytes: RECORD_DATA_BYTES_MAX });
    t.equal(log.lastIndex(), 0);
    await log.close();
  });

  test("an empty append is a no-op", async (t, open) => {
    const log = await open();
    await log.append([]);
    t.equal(log.lastIndex(), 0);
    await log.close();
  });

  test("the log keeps its own copy of appended data", async (t, open) => {
    const log = await open();
    const data = new Uint8Array([1, 2, 3]);
    await log.append([{ index: 1, term: 1, data }]);
    data[0] = 9;
    t.same(log.get(1)?.data, new Uint8Array([1, 2, 3]));
    await log.close();
  });

  test("concurrent appends land in call order and all resolve", async (t, open) => {
    const log = await open();
    const pending = [];
    for (let i = 1; i <= 50; i++) pending.push(log.append(records(i, i, 1, 40)));
    t.equal(log.lastIndex(), 50, "reads reflect calls already made");
    await Promise.all(pending);
    await log.close();
    const again = await open();
    t.same(again.range(1, 50).map((r) => r.index), Array.from({ length: 50 }, (_, i) => i + 1));
    await again.close();
  });

  test("truncateAfter drops the suffix durably (Raft §5.3 conflict)", async (t, open) => {
    const log = await open();
    await log.append(records(1, 30, 1, 64));
    await log.truncateAfter(12);
    t.equal(log.lastIndex(), 12);
    t.equal(log.get(13), undefined);
    await log.append(records(13, 14, 2));
    await log.truncateAfter(100);
    t.equal(log.lastIndex(), 14, "beyond the end is a no-op");
    await log.close();
    const again = await open();
    t.equal(again.lastIndex(), 14);
    t.equal(again.termAt(12), 1);
    t.equal(again.termAt(13), 2);
    await again.truncateAfter(0);
    t.equal(again.firstIndex(), 0);
    t.equal(again.lastIndex(), 0);
    await again.close();
    const third = await open();
    t.equal(third.lastIndex(), 0);
    await third.append(records(1, 1, 5));
    t.equal(third.termAt(1), 5);
    await third.close();
  });

  test("compactThrough drops the prefix durably and appends continue", async (t, open) => {
    const log = await open();
    await log.append(records(1, 60, 1, 64));
    await log.compactThrough(25);
    t.equal(log.firstIndex(), 26);
    t.equal(log.lastIndex(), 60);
    t.equal(log.get(25), undefined);
    t.same(log.range(1, 27).map((r) => r.index), [26, 27]);
    await log.compactThrough(10);
    t.equal(log.firstIndex(), 26, "below the start is a no-op");
    await log.close();
    const again = await open();
    t.equal(again.firstIndex(), 26);
    t.equal(again.lastIndex(), 60);
    t.same(again.get(26)?.data, dataFor(26, 64));
    await again.append(records(61, 61));
    await again.close();
  });

  test("compactThrough past the end empties the log and moves its start (snapshot install)", async (t, open) => {
    const log = await open();
    await log.append(records(1, 5));
    await log.compactThrough(20);
    t.equal(log.firstIndex(), 21);
    t.equal(log.lastIndex(), 20);
    await t.rejects(log.append(records(6, 6)), { name: "InvalidArgumentError", field: "records[0].index" });
    await log.close();
    const again = await open();
    t.equal(again.firstIndex(), 21);
    t.equal(again.lastIndex(), 20);
    await again.append(records(21, 22));
    await again.close();
    const third = await open();
    t.same(third.range(0, 100).map((r) => r.index), [21, 22]);
    await third.close();
  });

  test("compacting everything then appending survives reopen", async (t, open) => {
    const log = await open();
    await log.append(records(1, 10));
    await log.compactThrough(10);
    t.equal(log.firstIndex(), 11);
    t.equal(log.lastIndex(), 10);
    await log.close();
    const again = await open();
    t.equal(again.firstIndex(), 11);
    t.equal(again.lastIndex(), 10);
    await again.close();
  });

  test("truncateAfter into the compacted prefix is refused", async (t, open) => {
    const log = await open();
    await log.append(records(1, 10));
    await log.compactThrough(5);
    await t.rejects(log.truncateAfter(4), { name: "InvalidArgumentError", field: "index" });
    await t.rejects(log.truncateAfter(1.5), { name: "InvalidArgumentError", field: "index" });
    await t.rejects(log.compactThrough(-1), { name: "InvalidArgumentError", field: "index" });
    await log.truncateAfter(5);
    t.equal(log.firstIndex(), 6);
    t.equal(log.lastIndex(), 5, "truncated back to the compaction point: empty, start kept");
    await log.close();
    const again = await open();
    t.equal(again.firstIndex(), 6);
    t.equal(again.lastIndex(), 5);
    await again.close();
  });

  test("the Raft snapshot-install sequence works on a fresh log", async (t, open) => {
    const log = await open();
    await log.truncateAfter(log.firstIndex() - 1);
    await log.compactThrough(100);
    await log.append(records(101, 102, 7));
    t.equal(log.firstIndex(), 101);
    await log.close();
  });

  test("every call after close fails with ClosedError", async (t, open) => {
    const log = await open();
    await log.append(records(1, 1));
    await log.close();
    await log.close();
    t.throws(() => log.firstIndex(), { name: "ClosedError" });
    t.throws(() => log.lastIndex(), { name: "ClosedError" });
    t.throws(() => log.get(1), { name: "ClosedError" });
    t.throws(() => log.range(1, 1), { name: "ClosedError" });
    t.throws(() => log.termAt(1), { name: "ClosedError" });
    await t.rejects(log.append(records(2, 2)), { name: "ClosedError" });
    await t.rejects(log.truncateAfter(0), { name: "ClosedError" });
    await t.rejects(log.compactThrough(1), { name: "ClosedError" });
  });
}

/** Runs the StableStore contract against `name`. */
export function stableContract(t: Test, name: string, setup: Opener<StableStore>): void {
  const test = (claim: string, fn: (t: Test, open: () => Promise<StableStore>) => Promise<void>): void => {
    t.test(`${name}: ${claim}`, async (t) => fn(t, await setup(t)));
  };

  test("load is undefined before any save; a save reads back, also after reopen", async (t, open) => {
    const store = await open();
    t.equal(await store.load(), undefined);
    const state: HardState = { term: 4, vote: "node-b", commit: 17 };
    await store.save(state);
    t.same(await store.load(), state);
    await store.save({ term: 5, vote: "", commit: 18 });
    await store.close();
    const again = await open();
    t.same(await again.load(), { term: 5, vote: "", commit: 18 });
    await again.close();
  });

  test("concurrent saves apply in call order", async (t, open) => {
    const store = await open();
    await Promise.all([1, 2, 3, 4].map((term) => store.save({ term, vote: "", commit: 0 })));
    t.equal((await store.load())?.term, 4);
    await store.close();
  });

  test("an invalid state is refused naming the field, and nothing is saved", async (t, open) => {
    const store = await open();
    await store.save({ term: 1, vote: "a", commit: 0 });
    await t.rejects(store.save({ term: -1, vote: "", commit: 0 }), { name: "InvalidArgumentError", field: "state.term" });
    await t.rejects(store.save({ term: 1, vote: 3 as unknown as string, commit: 0 }), { name: "InvalidArgumentError", field: "state.vote" });
    await t.rejects(store.save({ term: 1, vote: "", commit: 0.5 }), { name: "InvalidArgumentError", field: "state.commit" });
    await t.rejects(store.save(null as unknown as HardState), { name: "InvalidArgumentError", field: "state" });
    t.same(await store.load(), { term: 1, vote: "a", commit: 0 });
    await store.close();
  });

  test("every call after close fails with ClosedError", async (t, open) => {
    const store = await open();
    await store.close();
    await t.rejects(store.load(), { name: "ClosedError" });
    await t.rejects(store.save({ term: 1, vote: "", commit: 0 }), { name: "ClosedError" });
  });
}

/** Runs the SnapshotStore contract against `name`; `setup` receives the `retain` to use. */
export function snapshotContract(t: Test, name: string, setup: (t: Test, retain: number) => Promise<() => Promise<SnapshotStore>>): void {
  const test = (claim: string, retain: number, fn: (t: Test, open: () => Promise<SnapshotStore>) => Promise<void>): void => {
    t.test(`${name}: ${claim}`, async (t) => fn(t, await setup(t, retain)));
  };

  test("no snapshot loads as undefined and lists empty", 2, async (t, open) => {
    const store = await open();
    t.equal(await store.loadLatest(), undefined);
    t.same(await store.list(), []);
    await store.close();
  });

  test("a saved snapshot loads back with its extra metadata, also after reopen", 2, async (t, open) => {
    const store = await open();
    const meta = { index: 10, term: 2, createdAtMs: 1234, voters: ["a", "b", "c"] };
    await store.save(meta, new Uint8Array([1, 2, 3]));
    t.same(await store.loadLatest(), { meta, data: new Uint8Array([1, 2, 3]) });
    await store.close();
    const again = await open();
    const loaded = await again.loadLatest();
    t.same(loaded?.meta, meta);
    t.same(Array.from(loaded?.data ?? []), [1, 2, 3]);
    await again.close();
  });

  test("the newest `retain` snapshots are kept, listed newest first", 2, async (t, open) => {
    const store = await open();
    for (const index of [5, 9, 7, 12]) await store.save({ index, term: 1 }, dataFor(index));
    const list = await store.list();
    t.same(list.map((m) => m.index), [12, 9], "7 and 5 were pruned (7 the moment it was saved behind 9)");
    const latest = await store.loadLatest();
    t.equal(latest?.meta.index, 12);
    t.same(latest?.data, dataFor(12));
    await store.close();
  });

  test("retain 1 keeps only the newest; the same index and term is replaced", 1, async (t, open) => {
    const store = await open();
    await store.save({ index: 3, term: 1 }, new Uint8Array([1]));
    await store.save({ index: 3, term: 1 }, new Uint8Array([2]));
    t.same(Array.from((await store.loadLatest())?.data ?? []), [2]);
    await store.save({ index: 3, term: 2 }, new Uint8Array([3]));
    t.same((await store.list()).map((m) => m.term), [2], "a higher term at the same index is newer");
    await store.close();
  });

  test("bad metadata or data is refused naming the field", 2, async (t, open) => {
    const store = await open();
    await t.rejects(store.save({ index: -1, term: 0 }, new Uint8Array()), { name: "InvalidArgumentError", field: "meta.index" });
    await t.rejects(store.save({ index: 1, term: 0.5 }, new Uint8Array()), { name: "InvalidArgumentError", field: "meta.term" });
    await t.rejects(store.save({ index: 1, term: 0, createdAtMs: Number.NaN }, new Uint8Array()), { name: "InvalidArgumentError", field: "meta.createdAtMs" });
    await t.rejects(store.save({ index: 1, term: 0 }, [1] as unknown as Uint8Array), { name: "InvalidArgumentError", field: "data" });
    await t.rejects(store.save(null as unknown as never, new Uint8Array()), { name: "InvalidArgumentError", field: "meta" });
    await t.rejects(store.save({ index: 1, term: 0, s: Symbol("x") }, new Uint8Array()), { name: "InvalidArgumentError", field: "meta" });
    t.same(await store.list(), []);
    await store.close();
  });

  test("every call after close fails with ClosedError", 2, async (t, open) => {
    const store = await open();
    await store.close();
    await t.rejects(store.save({ index: 1, term: 1 }, new Uint8Array()), { name: "ClosedError" });
    await t.rejects(store.loadLatest(), { name: "ClosedError" });
    await t.rejects(store.list(), { name: "ClosedError" });
  });
}
