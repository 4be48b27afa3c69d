import t from "tap";
import { Packr } from "msgpackr";
import { crc32 } from "node:zlib";
import { decodeCommand, encodeCommand } from "../../lib/catalog/commands.js";
import { Catalog } from "../../lib/catalog/catalog.js";
import { PREPARED_QUERIES_MAX, type PreparedQueryInput } from "../../lib/catalog/query-commands.js";
import { queryMatches } from "../../lib/catalog/query-filter.js";
import { CatalogState } from "../../lib/catalog/state.js";
import { readSnapshot, writeSnapshot } from "../../lib/catalog/snapshot.js";
import type { CheckRecord, HealthEntry } from "../../lib/catalog/types.js";
import { ManualTimers } from "../../lib/util/timers.js";
import { Log, keysOf, reg, serf } from "./helpers.js";

const q = (id: string, name: string | undefined, service = "web", extra: Partial<PreparedQueryInput["service"]> = {}): PreparedQueryInput => ({
  id, ...(name === undefined ? {} : { name }), service: { service, ...extra },
});

t.test("query table: create stores the definition with defaults, answers its ID, and moves only the queries scope", async (t) => {
  const l = new Log();
  const out = l.apply({ op: "query-create", query: q("id-1", "web-nearest", "web", { tags: ["v1"] }) });
  t.same(out.result, { ok: true, value: "id-1" });
  t.same(keysOf(out.touched), ["queries"]);
  const rec = l.state.query("id-1")!;
  t.match(rec, {
    id: "id-1", name: "web-nearest", dnsTtlMs: 0, createIndex: 1, modifyIndex: 1,
    service: { service: "web", failover: { nearestN: 0, datacenters: [] }, onlyPassing: false, tags: ["v1"], ignoreCheckIds: [] },
  });
  t.equal(l.state.query("WEB-NEAREST")?.id, "id-1", "names match regardless of case, as Consul's index");
  t.equal(l.state.scopeIndex({ kind: "queries" }), 1);
  t.throws(() => ((rec.service.tags as string[]).push("x")), "records are frozen");
  t.equal(l.state.scopeIndex({ kind: "services" }), 1, "no other scope moved");
});

t.test("query table: names are unique (any case) and never another query's ID; refusals change nothing", async (t) => {
  const l = new Log();
  l.run({ op: "query-create", query: q("a", "alpha") });
  const before = l.state.snapshot();
  const refused: Array<[string, PreparedQueryInput]> = [
    ["same ID", q("a", "other")],
    ["same name, other case", q("b", "ALPHA")],
    ["name is an existing ID", q("b", "a")],
    ["ID is an existing name", q("alpha", "x")],
  ];
  for (const [what, query] of refused) {
    const out = l.apply({ op: "query-create", query });
    t.equal(out.result.ok, false, what);
    t.same(out.touched, [], `${what}: nothing touched`);
  }
  t.same(Buffer.from(l.state.snapshot()).subarray(8).length, Buffer.from(before).subarray(8).length, "state unchanged apart from the index");
  t.same(l.run({ op: "query-create", query: q("c", undefined) }), { ok: true, value: "c" }, "queries without a name are fine");
  t.same(l.run({ op: "query-create", query: q("d", undefined) }), { ok: true, value: "d" }, "…several of them");
});

t.test("query table: update replaces the definition, keeps createIndex, and an identical update moves nothing", async (t) => {
  const l = new Log();
  l.run({ op: "query-create", query: q("a", "alpha") });
  l.run({ op: "query-create", query: q("b", "beta") });
  const out = l.apply({ op: "query-update", query: { ...q("a", "gamma", "db", { onlyPassing: true }), dnsTtlMs: 10_000 } });
  t.same(out.result, { ok: true });
  t.match(l.state.query("a"), { name: "gamma", createIndex: 1, modifyIndex: 3, dnsTtlMs: 10_000, service: { service: "db", onlyPassing: true } });
  t.equal(l.state.query("alpha"), undefined, "the old name is free again");
  t.same(l.apply({ op: "query-update", query: { ...q("a", "gamma", "db", { onlyPassing: true }), dnsTtlMs: 10_000 } }).touched, [], "no-op update");
  t.equal(l.state.scopeIndex({ kind: "queries" }), 3);
  t.match(l.run({ op: "query-update", query: q("a", "beta") }), { ok: false, error: /already used/ });
  t.match(l.run({ op: "query-update", query: q("zz", "x") }), { ok: false, error: /does not exist/ });
});

t.test("query table: delete removes by ID, frees the name, and refuses an unknown ID", async (t) => {
  const l = new Log();
  l.run({ op: "query-create", query: q("a", "alpha") });
  const out = l.apply({ op: "query-delete", id: "a" });
  t.same(out.result, { ok: true });
  t.same(keysOf(out.touched), ["queries"]);
  t.same(l.state.queries(), []);
  t.match(l.run({ op: "query-delete", id: "a" }), { ok: false, error: /does not exist/ });
  t.same(l.run({ op: "query-create", query: q("b", "alpha") }), { ok: true, value: "b" });
  t.equal(l.state.scopeIndex({ kind: "queries" }), 4);
});

t.test("query table: the table is bounded (PREPARED_QUERIES_MAX)", async (t) => {
  const l = new Log();
  for (let i = 0; i < PREPARED_QUERIES_MAX; i++) l.run({ op: "query-create", query: q(`q${i}`, undefined) });
  t.match(l.run({ op: "query-create", query: q("one-more", undefined) }), { ok: false, error: /already/ });
  t.equal(l.state.queries().length, PREPARED_QUERIES_MAX);
});

t.test("query commands: bad fields are refused naming the field, and the wire form round-trips", async (t) => {
  const l = new Log();
  const bad: Array<[string, unknown]> = [
    ["query.service.service", { id: "a", service: { service: "" } }],
    ["query.service", { id: "a" }],
    ["query.id", { id: "", service: { service: "web" } }],
    ["query.service.failover.nearestN", { id: "a", service: { service: "web", failover: { nearestN: -1 } } }],
    ["query.service.failover.datacenters", { id: "a", service: { service: "web", failover: { datacenters: [""] } } }],
    ["query.service.tags", { id: "a", service: { service: "web", tags: "v1" } }],
    ["query.dnsTtlMs", { id: "a", service: { service: "web" }, dnsTtlMs: 1.5 }],
    ["query.service.onlyPassing", { id: "a", service: { service: "web", onlyPassing: "yes" } }],
  ];
  for (const [field, query] of bad) {
    t.match(l.run({ op: "query-create", query } as never), { ok: false, error: new RegExp(field.replaceAll(".", "\\.")) }, field);
  }
  t.match(l.run({ op: "query-delete", id: "" } as never), { ok: false, error: /id/ });
  const cmd = { op: "query-create" as const, query: q("a", "n", "web", { tags: ["!canary"], nodeMeta: { rack: "r1" }, failover: { nearestN: 2, datacenters: ["dc2"] } }) };
  t.same(decodeCommand(encodeCommand(cmd)), cmd);
  t.throws(() => decodeCommand(encodeCommand({ op: "query-create", query: { id: "a" } } as never)), { name: "MalformedPacketError" });
});

t.test("query table: snapshots carry the queries and their index; a snapshot from before queries reads as none", async (t) => {
  const l = new Log(new CatalogState({ datacenter: "dc1" }));
  l.run(reg("n1", { service: "web" }, [serf()]));
  l.run({ op: "query-create", query: { ...q("a", "alpha", "web", { tags: ["v1", "!canary"], ignoreCheckIds: ["c1"], serviceMeta: { env: "prod" }, failover: { nearestN: 1, datacenters: ["dc2", "dc3"] } }), dnsTtlMs: 5000 } });
  l.run({ op: "query-create", query: q("b", undefined, "db") });
  const bytes = l.state.snapshot();
  const restored = CatalogState.restore(bytes);
  t.same(restored.queries(), l.state.queries());
  t.equal(restored.query("ALPHA")?.id, "a", "the name index is rebuilt");
  t.equal(restored.scopeIndex({ kind: "queries" }), 3);
  t.same(Buffer.from(restored.snapshot()), Buffer.from(bytes), "byte-identical after a round trip");
  t.same(restored.apply(4, { op: "query-create", query: q("c", "alpha") }).result.ok, false, "names stay unique after restore");

  // A body of 14 elements: what snapshots looked like before prepared queries.
  const body = new Packr({ useRecords: false }).pack(["dc1", 0, [], [], [], [], [], [], 1, [], [1, 1, 1, 1], [], [], [1, 1]]);
  const framed = new Uint8Array(8 + body.length);
  framed.set([0x64, 0x63, 0x73, 0x01]);
  new DataView(framed.buffer).setUint32(4, crc32(body) >>> 0);
  framed.set(body, 8);
  const old = CatalogState.restore(framed);
  t.same(old.queries(), []);
  t.equal(old.scopeIndex({ kind: "queries" }), 1);

  const d = readSnapshot(bytes);
  for (const [what, mutate] of [
    ["duplicate query", () => d.queries!.records.push(d.queries!.records[0]!)],
    ["duplicate name", () => d.queries!.records.push({ ...d.queries!.records[0]!, id: "z" })],
  ] as const) {
    const copy = readSnapshot(bytes);
    d.queries = copy.queries;
    mutate();
    t.throws(() => readSnapshot(writeSnapshot(d)), { name: "StorageCorruptError" }, what);
  }
});

t.test("query table: blocking waits on the queries scope wake on a change", async (t) => {
  const timers = new ManualTimers();
  const catalog = new Catalog({ timers });
  catalog.apply(2, { op: "query-create", query: q("a", "alpha") });
  const woke = catalog.hub.wait({ kind: "queries" }, 2, { timeoutMs: 60_000 });
  catalog.apply(3, reg("n1", { service: "web" }));
  catalog.apply(4, { op: "query-delete", id: "a" });
  t.equal(await woke, 4);
  t.equal(timers.size, 0, "its timer is cancelled");
});

function entry(tags: string[], checks: Array<Partial<CheckRecord> & Pick<CheckRecord, "checkId" | "status">>, meta = {}, nodeMeta = {}): HealthEntry {
  const node = { node: "n1", id: "n1", address: "10.0.0.1", datacenter: "dc1", meta: nodeMeta, createIndex: 1, modifyIndex: 1 };
  return {
    node,
    service: { node: "n1", id: "web-1", service: "web", tags, address: "", port: 80, meta, weights: { passing: 1, warning: 1 }, createIndex: 1, modifyIndex: 1 },
    checks: checks.map((c) => ({
      node: "n1", name: c.checkId, serviceId: "", serviceName: "", output: "", notes: "", type: "", intervalMs: 0, timeoutMs: 0,
      ttlMs: 0, deregisterCriticalAfterMs: 0, createIndex: 1, modifyIndex: 1, ...c,
    })),
    status: "passing",
  };
}

t.test("query filter: critical never passes, warning only without OnlyPassing, ignored checks do not count (Consul's execute)", async (t) => {
  const svc = (extra: object = {}) => ({
    service: "web", failover: { nearestN: 0, datacenters: [] }, onlyPassing: false, tags: [], ignoreCheckIds: [],
    nodeMeta: {}, serviceMeta: {}, ...extra,
  });
  t.ok(queryMatches(entry([], [{ checkId: "serfHealth", status: "passing" }]), svc()));
  t.notOk(queryMatches(entry([], [{ checkId: "c", status: "critical" }]), svc()));
  t.ok(queryMatches(entry([], [{ checkId: "c", status: "warning" }]), svc()));
  t.notOk(queryMatches(entry([], [{ checkId: "c", status: "warning" }]), svc({ onlyPassing: true })));
  t.ok(queryMatches(entry([], [{ checkId: "c", status: "critical" }]), svc({ ignoreCheckIds: ["c"] })), "an ignored critical check");
  t.ok(queryMatches(entry(["V1"], []), svc({ tags: ["v1"] })), "tags compare without case");
  t.notOk(queryMatches(entry(["v1", "canary"], []), svc({ tags: ["v1", "!canary"] })), "!tag excludes");
  t.ok(queryMatches(entry(["v1"], []), svc({ tags: ["v1", "!canary"] })));
  t.notOk(queryMatches(entry([], []), svc({ tags: ["v1"] })));
  t.ok(queryMatches(entry([], [], { env: "prod" }, { rack: "r1" }), svc({ serviceMeta: { env: "prod" }, nodeMeta: { rack: "r1" } })));
  t.notOk(queryMatches(entry([], [], { env: "dev" }), svc({ serviceMeta: { env: "prod" } })));
  t.notOk(queryMatches(entry([], [], {}, {}), svc({ nodeMeta: { rack: "r1" } })));
});
