import t from "tap";
import fc from "fast-check";
import { RETIRED_SCOPES_MAX } from "../../lib/catalog/limits.js";
import { ScopeIndexes } from "../../lib/catalog/scope-index.js";
import { scopeKey, type WatchScope } from "../../lib/catalog/scope.js";
import { CatalogState } from "../../lib/catalog/state.js";
import { SCOPES, command, stamp } from "./gen.js";
import { Log, bytes, reg, serf } from "./helpers.js";

const web: WatchScope = { kind: "service", name: "web" };

t.test("scopes: a write to one service does not move another service's index (Consul #1244)", async (t) => {
  const l = new Log();
  l.run(reg("n1", { service: "web" }, [serf()]));
  l.run(reg("n2", { service: "db" }, [serf()]));
  const before = l.state.scopeIndex(web);
  l.run(reg("n2", { service: "db", tags: ["new"] }));
  l.run({ op: "check-update", node: "n2", checkId: "serfHealth", status: "critical", nowMs: 0 });
  l.run({ op: "kv-set", key: "k", value: bytes("v"), nowMs: 0 });
  t.equal(l.state.scopeIndex(web), before);
  t.equal(l.state.scopeIndex({ kind: "service", name: "db" }), 4);
});

t.test("scopes: identical re-registration moves no index at all (Consul #3259)", async (t) => {
  const l = new Log();
  const cmd = reg("n1", { service: "web", tags: ["a", "b"], meta: { z: "1", a: "2" } }, [serf(), { checkId: "c", serviceId: "web", status: "passing", output: "ok" }]);
  l.run(cmd);
  const before = SCOPES.map((s) => l.state.scopeIndex(s));
  const out = l.apply({ ...cmd, service: { ...cmd.service!, meta: { a: "2", z: "1" } } });
  t.same(out, { result: { ok: true }, touched: [] }, "meta order does not matter");
  t.same(SCOPES.map((s) => l.state.scopeIndex(s)), before);
});

t.test("scopes: the node record and node checks move every service on the node, and only those", async (t) => {
  const l = new Log();
  l.run(reg("n1", { service: "web" }, [serf()]));
  l.run(reg("n1", { service: "api" }));
  l.run(reg("n2", { service: "db" }, [serf()]));
  l.run({ op: "register", node: { node: "n1", address: "10.9.9.9" } });
  t.equal(l.state.scopeIndex(web), 4);
  t.equal(l.state.scopeIndex({ kind: "service", name: "api" }), 4);
  t.equal(l.state.scopeIndex({ kind: "service", name: "db" }), 3);
  l.run({ op: "check-update", node: "n1", checkId: "serfHealth", status: "warning", nowMs: 0 });
  t.equal(l.state.scopeIndex(web), 5);
  t.equal(l.state.scopeIndex({ kind: "service", name: "db" }), 3);
});

t.test("scopes: 'services' moves only when a name or the tag union changes", async (t) => {
  const l = new Log();
  l.run(reg("n1", { service: "web", tags: ["v1"] }));
  t.equal(l.state.scopeIndex({ kind: "services" }), 1);
  l.run(reg("n2", { service: "web", tags: ["v1"] }));
  t.equal(l.state.scopeIndex({ kind: "services" }), 1, "another instance with known tags");
  l.run(reg("n2", { service: "web", tags: ["v1"], port: 9999 }));
  t.equal(l.state.scopeIndex({ kind: "services" }), 1, "a port change");
  l.run(reg("n2", { service: "web", tags: ["v2"] }));
  t.equal(l.state.scopeIndex({ kind: "services" }), 4, "a new tag");
  l.run({ op: "deregister", node: "n1", serviceId: "web" });
  t.equal(l.state.scopeIndex({ kind: "services" }), 5, "the last v1 is gone");
  l.run({ op: "deregister", node: "n2" });
  t.equal(l.state.scopeIndex({ kind: "services" }), 6, "the name is gone");
  t.equal(l.state.scopeIndex(web), 6, "a gone service keeps the index of its removal");
});

t.test("scopes: indexes are >= 1 on an empty catalog and for unknown names", async (t) => {
  const s = new CatalogState();
  for (const scope of SCOPES) t.equal(s.scopeIndex(scope), 1, scopeKey(scope));
  t.throws(() => s.scopeIndex({ kind: "bogus" } as unknown as WatchScope), { name: "InvalidArgumentError", field: "scope.kind" });
  t.throws(() => s.scopeIndex({ kind: "service" } as unknown as WatchScope), { name: "InvalidArgumentError", field: "scope.name" });
  t.throws(() => s.scopeIndex({ kind: "kv", key: 1 } as unknown as WatchScope), { name: "InvalidArgumentError", field: "scope.key" });
  t.throws(() => s.scopeIndex({ kind: "kv", key: "", prefix: 1 } as unknown as WatchScope), { name: "InvalidArgumentError", field: "scope.prefix" });
  t.throws(() => s.scopeIndex(null as unknown as WatchScope), { name: "InvalidArgumentError", field: "scope" });
});

t.test("scopes: retired service and node indexes are bounded and never go back", async (t) => {
  const s = new ScopeIndexes();
  const n = RETIRED_SCOPES_MAX + 10;
  for (let i = 1; i <= n; i++) {
    s.bumpNamed("service", `s${i}`, i);
    s.retire("service", `s${i}`);
  }
  t.equal(s.namedCount, RETIRED_SCOPES_MAX);
  t.equal(s.namedIndex("service", "s1"), 10, "a reaped name answers the floor, the highest reaped index");
  t.equal(s.namedIndex("service", `s${n}`), n);
  t.equal(s.namedIndex("node", "x"), 1, "floors are per kind");
  s.bumpNamed("service", "s5000", n + 1);
  s.retire("service", "late");
  t.equal(s.namedIndex("service", "s5000"), n + 1, "a revived name is live again, not reaped");
  const back = ScopeIndexes.fromData(s.toData());
  t.same(back.toData(), s.toData());
});

/** What a reader of `scope` sees, as a string. */
function answer(s: CatalogState, scope: WatchScope): string {
  switch (scope.kind) {
    case "services": return JSON.stringify(s.services());
    case "nodes": return JSON.stringify(s.nodes());
    case "checks": return JSON.stringify(s.checksInState("any"));
    case "sessions": return JSON.stringify(s.sessions());
    case "service": return JSON.stringify([s.healthService(scope.name), s.serviceChecks(scope.name)]);
    case "node": return JSON.stringify([s.node(scope.name), s.nodeServices(scope.name), s.nodeChecks(scope.name)]);
    case "kv": return JSON.stringify(scope.prefix ? s.kvList(scope.key) : s.kvGet(scope.key));
  }
}

function touches(touched: WatchScope[], scope: WatchScope): boolean {
  if (scope.kind !== "kv") return touched.some((x) => scopeKey(x) === scopeKey(scope));
  return touched.some((x) => x.kind === "kv" && (scope.prefix ? x.key.startsWith(scope.key) : x.key === scope.key));
}

t.test("scopes (property): an index moves exactly when its answer changes, to the apply's index, never back", async (t) => {
  t.doesNotThrow(() => fc.assert(
    fc.property(fc.array(command, { minLength: 1, maxLength: 60 }), (cmds) => {
      const s = new CatalogState();
      cmds.forEach((c, i) => {
        // From 2: index 1 is what untouched scopes answer (see CatalogState's contract).
        const index = i + 2;
        const before = SCOPES.map((sc) => [s.scopeIndex(sc), answer(s, sc)] as const);
        const { result, touched } = s.apply(index, stamp(c, index));
        if (!result.ok && touched.length > 0) throw new Error("a refused command touched scopes");
        SCOPES.forEach((sc, k) => {
          const [idx0, ans0] = before[k]!;
          const idx1 = s.scopeIndex(sc);
          const changed = answer(s, sc) !== ans0;
          const moved = idx1 !== idx0;
          if (idx1 < idx0) throw new Error(`${scopeKey(sc)} went back`);
          if (moved !== changed) throw new Error(`${scopeKey(sc)}: moved=${moved} changed=${changed} at ${index} (${c.op})`);
          if (moved && idx1 !== index) throw new Error(`${scopeKey(sc)} moved to ${idx1}, not ${index}`);
          if (touches(touched, sc) !== moved) throw new Error(`${scopeKey(sc)}: touched disagrees with moved at ${index}`);
        });
      });
    }),
    { numRuns: 150 },
  ), "150 random sequences");
});
