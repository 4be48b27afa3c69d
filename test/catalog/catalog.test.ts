import t from "tap";
import { Catalog } from "../../lib/catalog/catalog.js";
import * as api from "../../lib/catalog/index.js";
import { ManualTimers } from "../../lib/util/timers.js";
import { reg } from "./helpers.js";

const flush = () => new Promise<void>((r) => setImmediate(r));

t.test("catalog: apply runs the command and wakes the watchers of what it changed", async (t) => {
  const c = new Catalog({ timers: new ManualTimers() });
  t.equal(c.state.datacenter, "dc1");
  let woke: number | undefined;
  void c.hub.wait({ kind: "service", name: "web" }, 1, { timeoutMs: 1000 }).then((i) => (woke = i));
  t.same(c.apply(2, reg("n1", { service: "web" })), { ok: true });
  await flush();
  t.equal(woke, 2);
  t.match(c.apply(3, { op: "check-update", node: "n1", checkId: "x", status: "passing", nowMs: 0 }), { ok: false });
  t.throws(() => c.apply(3, reg("n2")), /not after/);
});

t.test("catalog: restore swaps the state and wakes everyone; bad bytes keep the old state", async (t) => {
  const a = new Catalog({ datacenter: "eu1", timers: new ManualTimers() });
  a.apply(2, reg("n1", { service: "web" }));
  const snap = a.snapshot();
  const b = new Catalog({ datacenter: "eu1", timers: new ManualTimers() });
  let woke: number | undefined;
  void b.hub.wait({ kind: "nodes" }, 1, { timeoutMs: 1000 }).then((i) => (woke = i));
  const before = b.state;
  t.throws(() => b.restore(new Uint8Array([1, 2, 3])), { name: "StorageCorruptError" });
  t.equal(b.state, before);
  b.restore(snap);
  await flush();
  t.equal(woke, 2);
  t.not(b.state, before);
  t.equal(b.state.node("n1")!.datacenter, "eu1");
  t.same(b.apply(3, { op: "deregister", node: "n1" }), { ok: true });
});

t.test("catalog: close wakes all waits, sets closed, and leaves the state readable", async (t) => {
  const timers = new ManualTimers();
  const c = new Catalog({ timers });
  const p = c.hub.wait({ kind: "checks" }, 1, { timeoutMs: 1000 });
  t.equal(c.closed, false);
  c.close();
  t.equal(c.closed, true);
  t.equal(await p, 1);
  t.equal(timers.size, 0);
  t.same(c.apply(2, reg("n1")), { ok: true });
  t.equal(c.state.nodes().length, 1);
});

t.test("catalog: index.ts exports the public pieces", async (t) => {
  for (const name of ["Catalog", "CatalogState", "WatchHub", "encodeCommand", "decodeCommand", "scopeKey", "deriveNodeId"]) {
    t.ok(name in api, name);
  }
  t.equal(api.DEFAULT_DATACENTER, "dc1");
  t.equal(api.SERF_HEALTH_CHECK, "serfHealth");
});
