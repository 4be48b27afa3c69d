import t from "tap";
import { deriveNodeId } from "../../lib/catalog/apply-catalog.js";
import type { CatalogCommand, RegisterCommand } from "../../lib/catalog/commands.js";
import { CatalogState } from "../../lib/catalog/state.js";
import { CHECK_OUTPUT_BYTES_MAX } from "../../lib/util/limits.js";
import { readAll } from "./gen.js";
import { Log, keysOf, reg, serf } from "./helpers.js";

t.test("register: upserts node, service and checks with Consul's defaults", async (t) => {
  const l = new Log(new CatalogState({ datacenter: "eu1" }));
  const r = l.apply(reg("n1", { service: "web", id: "web-1", tags: ["v1"] }, [
    serf(),
    { checkId: "service:web-1", serviceId: "web-1", status: "critical", output: "x".repeat(CHECK_OUTPUT_BYTES_MAX + 10) },
  ]));
  t.same(r.result, { ok: true });
  t.same(keysOf(r.touched), ["checks", "node:n1", "nodes", "service:web", "services"]);
  const node = l.state.node("n1")!;
  t.match(node, { node: "n1", id: deriveNodeId("n1"), address: "10.0.0.2", datacenter: "eu1", createIndex: 1, modifyIndex: 1 });
  t.match(deriveNodeId("n1"), /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, "node IDs are UUID-shaped");
  t.match(l.state.service("n1", "web-1"), { service: "web", tags: ["v1"], address: "", port: 80, weights: { passing: 1, warning: 1 } });
  const c = l.state.check("n1", "service:web-1")!;
  t.match(c, { name: "service:web-1", serviceName: "web", status: "critical", notes: "", type: "", ttlMs: 0 });
  t.equal(Buffer.byteLength(c.output), CHECK_OUTPUT_BYTES_MAX, "output is cut to CHECK_OUTPUT_BYTES_MAX");
});

t.test("register: output truncation never splits a UTF-8 character", async (t) => {
  const l = new Log();
  l.run(reg("n1", undefined, [{ checkId: "c", status: "passing", output: "é".repeat(CHECK_OUTPUT_BYTES_MAX) }]));
  const out = l.state.check("n1", "c")!.output;
  t.ok(Buffer.byteLength(out) <= CHECK_OUTPUT_BYTES_MAX);
  t.notOk(out.includes("\ufffd"), "no replacement character");
});

t.test("register: an existing node keeps its ID and createIndex; meta and address are replaced", async (t) => {
  const l = new Log();
  l.run({ op: "register", node: { node: "n1", id: "11111111-2222-3333-4444-555555555555", address: "a", meta: { k: "v" } } });
  l.run({ op: "register", node: { node: "n1", address: "b" } });
  t.match(l.state.node("n1"), { id: "11111111-2222-3333-4444-555555555555", address: "b", createIndex: 1, modifyIndex: 2 });
  t.same(Object.keys(l.state.node("n1")!.meta), []);
});

t.test("register: bad input is an error result naming the field, and changes nothing", async (t) => {
  const l = new Log();
  l.run(reg("n1", { service: "web" }, [serf()]));
  l.run({ op: "register", node: { node: "n2", id: "taken", address: "a" } });
  const reads = (): unknown => ({ ...(JSON.parse(readAll(l.state)) as object), last: 0 });
  const before = reads();
  const base = (over: Partial<RegisterCommand>): CatalogCommand => ({ ...reg("n1", { service: "api" }), ...over });
  const cases: Array<[CatalogCommand, RegExp]> = [
    [{ op: "register", node: { node: "", address: "a" } }, /node\.node/],
    [{ op: "register", node: { node: "n1", address: "" } }, /node\.address/],
    [{ op: "register", node: { node: "n".repeat(300), address: "a" } }, /node\.node/],
    [{ op: "register", node: { node: "n1", address: "a", meta: Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`k${i}`, "v"])) } }, /node\.meta/],
    [{ op: "register", node: { node: "n1", address: "a", meta: { k: "v".repeat(513) } } }, /node\.meta\.k/],
    [{ op: "register", node: { node: "n1", address: "a", meta: JSON.parse('{"__proto__":"x"}') as Record<string, string> } }, /__proto__/],
    [{ op: "register", node: { node: "n1", address: "a", datacenter: "dc9" } }, /datacenter/],
    [{ op: "register", node: { node: "n1", address: "a", id: "taken" } }, /node\.id .* in use by node "n2"/],
    [base({ service: { id: "x", service: "api", port: 70_000 } }), /service\.port/],
    [base({ service: { id: "x", service: "api", port: 1.5 } }), /service\.port/],
    [base({ service: { id: "x", service: "", port: 1 } }), /service\.service/],
    [base({ service: { id: "x", service: "api", port: 1, tags: Array.from({ length: 65 }, (_, i) => `t${i}`) } }), /service\.tags/],
    [base({ service: { id: "x", service: "api", port: 1, weights: { passing: 0, warning: 1 } } }), /service\.weights\.passing/],
    [base({ checks: [{ checkId: "c", status: "bogus" as "passing" }] }), /checks\[0\]\.status/],
    [base({ checks: [{ checkId: "c", status: "passing", type: "grpc" as "ttl" }] }), /checks\[0\]\.type/],
    [base({ checks: [{ checkId: "c", status: "passing", ttlMs: -1 }] }), /checks\[0\]\.ttlMs/],
    [base({ checks: [{ checkId: "c", status: "passing", serviceId: "nope" }] }), /checks\[0\]\.serviceId "nope" is not a service/],
    [base({ checks: [{ checkId: "c", status: "passing" }, { checkId: "c", status: "warning" }] }), /checks\[1\]\.checkId "c" appears twice/],
    [base({ checks: Array.from({ length: 65 }, (_, i) => ({ checkId: `c${i}`, status: "passing" as const })) }), /checks/],
  ];
  for (const [cmd, why] of cases) {
    const out = l.apply(cmd);
    t.equal(out.result.ok, false, String(why));
    if (!out.result.ok) t.match(out.result.error, why);
    t.same(out.touched, []);
  }
  t.same(reads(), before, "every read and index unchanged");
  t.equal(l.state.nodes().length, 2);
});

t.test("register: a check may name the service registered in the same command or already on the node", async (t) => {
  const l = new Log();
  t.same(l.run(reg("n1", { service: "web" }, [{ checkId: "c1", serviceId: "web", status: "passing" }])), { ok: true });
  t.same(l.run(reg("n1", undefined, [{ checkId: "c2", serviceId: "web", status: "warning" }])), { ok: true });
  t.equal(l.state.check("n1", "c2")!.serviceName, "web");
});

t.test("register: re-registering under a new service name moves the instance and its checks", async (t) => {
  const l = new Log();
  l.run(reg("n1", { service: "web", id: "x" }, [{ checkId: "c", serviceId: "x", status: "passing" }]));
  const out = l.apply(reg("n1", { service: "api", id: "x" }));
  t.same(keysOf(out.touched), ["checks", "node:n1", "service:api", "service:web", "services"]);
  t.same(l.state.serviceNodes("web"), []);
  t.equal(l.state.serviceNodes("api").length, 1);
  t.equal(l.state.check("n1", "c")!.serviceName, "api");
  t.same(l.state.serviceChecks("api").map((c) => c.checkId), ["c"]);
  t.same(Object.keys(l.state.services()), ["api"]);
});

t.test("deregister: node, service, check, or nothing", async (t) => {
  const l = new Log();
  l.run(reg("n1", { service: "web" }, [serf(), { checkId: "w", serviceId: "web", status: "passing" }]));
  l.run(reg("n1", { service: "db" }, [{ checkId: "d", serviceId: "db", status: "passing" }]));
  l.run(reg("n2", { service: "web" }));

  t.same(l.apply({ op: "deregister", node: "ghost" }), { result: { ok: true }, touched: [] }, "unknown node is a no-op");
  t.same(l.apply({ op: "deregister", node: "n1", serviceId: "nope" }).touched, [], "unknown service is a no-op");
  t.same(l.apply({ op: "deregister", node: "n1", checkId: "nope" }).touched, [], "unknown check is a no-op");

  const svc = l.apply({ op: "deregister", node: "n1", serviceId: "db" });
  t.same(keysOf(svc.touched), ["checks", "node:n1", "service:db", "services"]);
  t.equal(l.state.check("n1", "d"), undefined, "a service's checks go with it");
  t.same(l.state.nodeServices("n1").map((s) => s.id), ["web"]);

  const chk = l.apply({ op: "deregister", node: "n1", checkId: "w" });
  t.same(keysOf(chk.touched), ["checks", "node:n1", "service:web"]);
  t.same(l.state.nodeChecks("n1").map((c) => c.checkId), ["serfHealth"]);

  const node = l.apply({ op: "deregister", node: "n1" });
  t.same(keysOf(node.touched), ["checks", "node:n1", "nodes", "service:web"]);
  t.equal(l.state.node("n1"), undefined);
  t.same(l.state.nodeServices("n1"), []);
  t.same(l.state.nodeChecks("n1"), []);
  t.same(l.state.serviceNodes("web").map((e) => e.node.node), ["n2"]);
});

t.test("check-update: changes status and output; the same values change nothing", async (t) => {
  const l = new Log();
  l.run(reg("n1", { service: "web" }, [{ checkId: "c", serviceId: "web", status: "passing", output: "fine" }]));
  const same = l.apply({ op: "check-update", node: "n1", checkId: "c", status: "passing", nowMs: 1 });
  t.same(same, { result: { ok: true }, touched: [] }, "heartbeat with no change moves nothing");
  const out = l.apply({ op: "check-update", node: "n1", checkId: "c", status: "warning", nowMs: 2 });
  t.same(keysOf(out.touched), ["checks", "node:n1", "service:web"]);
  t.match(l.state.check("n1", "c"), { status: "warning", output: "fine", modifyIndex: 3, createIndex: 1 });
  l.run({ op: "check-update", node: "n1", checkId: "c", status: "warning", output: "slow", nowMs: 3 });
  t.equal(l.state.check("n1", "c")!.output, "slow");
  const missing = l.apply({ op: "check-update", node: "n1", checkId: "zz", status: "passing", nowMs: 4 });
  t.match(missing.result, { ok: false, error: /check "zz" does not exist on node "n1"/ });
  t.match(l.run({ op: "check-update", node: "n1", checkId: "c", status: "down" as "passing", nowMs: 4 }), { ok: false, error: /status/ });
});

t.test("apply: log indexes must increase; failed commands still consume their index", async (t) => {
  const s = new CatalogState();
  s.apply(5, { op: "session-destroy", id: "x", nowMs: 0 });
  t.equal(s.lastIndex, 5);
  t.throws(() => s.apply(5, { op: "session-destroy", id: "x", nowMs: 0 }), /not after the last applied index 5/);
  t.throws(() => s.apply(6.5, { op: "session-destroy", id: "x", nowMs: 0 }), /not after/);
  s.apply(7, { op: "nope" } as unknown as CatalogCommand);
  t.equal(s.lastIndex, 7);
  t.throws(() => new CatalogState({ datacenter: "" }), { name: "InvalidArgumentError", field: "datacenter" });
});
