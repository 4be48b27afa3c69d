import t from "tap";
import { CatalogState } from "../../lib/catalog/state.js";
import type { WatchScope } from "../../lib/catalog/scope.js";
import { WatchHub } from "../../lib/catalog/watch.js";
import { ManualTimers } from "../../lib/util/timers.js";
import { BLOCKING_WAIT_MS_MAX } from "../../lib/util/limits.js";
import type { CatalogCommand } from "../../lib/catalog/commands.js";
import { bytes, reg } from "./helpers.js";

/** A state, a hub and a log index, wired like the Catalog facade. */
function rig() {
  const timers = new ManualTimers();
  const state = new CatalogState();
  const hub = new WatchHub(state, timers);
  let index = 1; // index 1 is the empty catalog's
  const apply = (cmd: CatalogCommand) => {
    const out = state.apply(++index, cmd);
    hub.notify(out.touched);
    return out;
  };
  return { timers, state, hub, apply };
}

/** Settles pending promise callbacks. */
const flush = () => new Promise<void>((r) => setImmediate(r));

function track(p: Promise<number>) {
  const s: { value?: number; error?: unknown } = {};
  p.then((v) => (s.value = v), (e: unknown) => (s.error = e));
  return s;
}

const web: WatchScope = { kind: "service", name: "web" };

t.test("watch: resolves at once when the index is already past minIndex, or for timeout 0", async (t) => {
  const { hub, apply } = rig();
  apply(reg("n1", { service: "web" }));
  t.equal(await hub.wait(web, 0, { timeoutMs: 1000 }), 2);
  t.equal(await hub.wait(web, 1, { timeoutMs: 1000 }), 2);
  t.equal(await hub.wait(web, 2, { timeoutMs: 0 }), 2);
  t.equal(hub.size, 0);
});

t.test("watch: a write to the scope wakes its waiters; a write elsewhere does not", async (t) => {
  const { hub, apply, timers } = rig();
  apply(reg("n1", { service: "web" }));
  const w = track(hub.wait(web, 2, { timeoutMs: 60_000 }));
  apply(reg("n2", { service: "db" }));
  apply({ op: "kv-set", key: "k", value: bytes("v"), nowMs: 0 });
  await flush();
  t.same(w, {}, "still waiting");
  apply(reg("n1", { service: "web", tags: ["new"] }));
  await flush();
  t.same(w, { value: 5 });
  t.equal(hub.size, 0);
  t.equal(timers.size, 0, "its timer was cancelled");
});

t.test("watch: timeout resolves with the current index (no change)", async (t) => {
  const { hub, apply, timers } = rig();
  apply(reg("n1", { service: "web" }));
  const w = track(hub.wait(web, 2, { timeoutMs: 5000 }));
  timers.advance(4999);
  await flush();
  t.same(w, {});
  timers.advance(1);
  await flush();
  t.same(w, { value: 2 });
  t.equal(hub.size, 0);
});

t.test("watch: timeouts are clamped to BLOCKING_WAIT_MS_MAX", async (t) => {
  const { hub, timers } = rig();
  const w = track(hub.wait(web, 1, { timeoutMs: BLOCKING_WAIT_MS_MAX * 10 }));
  timers.advance(BLOCKING_WAIT_MS_MAX);
  await flush();
  t.same(w, { value: 1 });
});

t.test("watch: abort rejects with AbortedError and releases the waiter", async (t) => {
  const { hub, timers } = rig();
  const ac = new AbortController();
  const p = hub.wait(web, 1, { timeoutMs: 5000, signal: ac.signal });
  t.equal(hub.size, 1);
  ac.abort(new Error("bye"));
  await t.rejects(p, { name: "AbortedError", code: "ABORTED" });
  t.equal(hub.size, 0);
  t.equal(timers.size, 0);
  await t.rejects(hub.wait(web, 1, { timeoutMs: 5000, signal: ac.signal }), { name: "AbortedError" }, "an aborted signal rejects at once");
  // A signal that outlives the wait must not keep a listener: aborting later is harmless.
  const ac2 = new AbortController();
  const done = hub.wait(web, 0, { timeoutMs: 5000, signal: ac2.signal });
  t.equal(await done, 1);
  const later = track(hub.wait(web, 1, { timeoutMs: 10, signal: ac2.signal }));
  timers.advance(10);
  await flush();
  ac2.abort();
  await flush();
  t.same(later, { value: 1 }, "abort after resolve does nothing");
});

t.test("watch: bad arguments reject with InvalidArgumentError", async (t) => {
  const { hub } = rig();
  await t.rejects(hub.wait({ kind: "nope" } as unknown as WatchScope, 0, { timeoutMs: 1 }), { name: "InvalidArgumentError", field: "scope.kind" });
  await t.rejects(hub.wait(web, -1, { timeoutMs: 1 }), { name: "InvalidArgumentError", field: "minIndex" });
  await t.rejects(hub.wait(web, Number.NaN, { timeoutMs: 1 }), { name: "InvalidArgumentError", field: "minIndex" });
  await t.rejects(hub.wait(web, 0, { timeoutMs: -5 }), { name: "InvalidArgumentError", field: "timeoutMs" });
  await t.rejects(hub.wait(web, 0, {} as { timeoutMs: number }), { name: "InvalidArgumentError", field: "timeoutMs" });
});

t.test("watch: close resolves every waiter with its index; later waits answer at once", async (t) => {
  const { hub, apply, timers } = rig();
  apply(reg("n1", { service: "web" }));
  const a = track(hub.wait(web, 2, { timeoutMs: 5000 }));
  const b = track(hub.wait({ kind: "kv", key: "x", prefix: true }, 5, { timeoutMs: 5000 }));
  hub.close();
  await flush();
  t.same([a, b], [{ value: 2 }, { value: 1 }]);
  t.equal(timers.size, 0);
  t.equal(await hub.wait(web, 99, { timeoutMs: 5000 }), 2);
  hub.close();
});

t.test("watch: KV prefix waiters wake for keys under the prefix only", async (t) => {
  const { hub, apply } = rig();
  const root = track(hub.wait({ kind: "kv", key: "", prefix: true }, 1, { timeoutMs: 5000 }));
  const app = track(hub.wait({ kind: "kv", key: "app/", prefix: true }, 1, { timeoutMs: 5000 }));
  const appX = track(hub.wait({ kind: "kv", key: "app/x", prefix: true }, 1, { timeoutMs: 5000 }));
  const key = track(hub.wait({ kind: "kv", key: "app/y" }, 1, { timeoutMs: 5000 }));
  const other = track(hub.wait({ kind: "kv", key: "other/", prefix: true }, 1, { timeoutMs: 5000 }));
  apply({ op: "kv-set", key: "app/y", value: bytes("1"), nowMs: 0 });
  await flush();
  t.same([root, app, appX, key, other], [{ value: 2 }, { value: 2 }, {}, { value: 2 }, {}]);
  apply({ op: "kv-delete", key: "app/y" });
  const again = track(hub.wait({ kind: "kv", key: "app/", prefix: true }, 2, { timeoutMs: 5000 }));
  await flush();
  t.same(again, { value: 3 }, "a delete moved the prefix index past the waiter's");
  hub.close();
});

t.test("watch: a change at log index 1 still wakes its waiters", async (t) => {
  const timers = new ManualTimers();
  const state = new CatalogState();
  const hub = new WatchHub(state, timers);
  const w = track(hub.wait(web, 1, { timeoutMs: 5000 }));
  hub.notify(state.apply(1, reg("n1", { service: "web" })).touched);
  await flush();
  t.same(w, { value: 1 });
});

t.test("watch: 10,000 waiters on other services are not woken by one service's write", async (t) => {
  const { hub, apply, timers } = rig();
  const others = Array.from({ length: 10_000 }, (_, i) => track(hub.wait({ kind: "service", name: `svc-${i}` }, 1, { timeoutMs: 60_000 })));
  const mine = Array.from({ length: 5 }, () => track(hub.wait(web, 1, { timeoutMs: 60_000 })));
  apply(reg("n1", { service: "web" }));
  await flush();
  t.ok(mine.every((w) => w.value === 2), "every waiter on the written service woke");
  t.equal(others.filter((w) => w.value !== undefined).length, 0, "no other waiter woke");
  t.equal(hub.size, 10_000);
  hub.close();
  await flush();
  t.equal(others.filter((w) => w.value === 1).length, 10_000);
  t.equal(timers.size, 0);
});

t.test("watch: setState (restore) wakes everyone with the new state's index", async (t) => {
  const { hub, apply } = rig();
  apply(reg("n1", { service: "web" }));
  const w = track(hub.wait(web, 2, { timeoutMs: 5000 }));
  const other = new CatalogState();
  other.apply(7, reg("n9", { service: "web" }));
  hub.setState(other);
  await flush();
  t.same(w, { value: 7 });
  t.equal(await hub.wait(web, 0, { timeoutMs: 10 }), 7, "later waits read the new state");
});
