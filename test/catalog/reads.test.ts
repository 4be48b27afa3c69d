import t from "tap";
import { Log, reg, serf, bytes } from "./helpers.js";

function fixture(): Log {
  const l = new Log();
  l.run(reg("n2", { service: "web", id: "w2", tags: ["V1", "blue"] }, [serf(), { checkId: "c-w2", serviceId: "w2", status: "passing" }]));
  l.run(reg("n1", { service: "web", id: "w1", tags: ["v1"] }, [serf("warning"), { checkId: "c-w1", serviceId: "w1", status: "passing" }]));
  l.run(reg("n1", { service: "web", id: "w0", tags: ["v2"] }));
  l.run(reg("n3", { service: "db", id: "d", tags: ["primary"] }, [serf("critical"), { checkId: "c-d", serviceId: "d", status: "passing" }]));
  l.run(reg("n3", { service: "web", id: "w3", tags: [] }, [{ checkId: "c-w3", serviceId: "w3", status: "warning" }]));
  return l;
}

t.test("reads: nodes and services are sorted; services() is the union of tags", async (t) => {
  const s = fixture().state;
  t.same(s.nodes().map((n) => n.node), ["n1", "n2", "n3"]);
  t.same({ ...s.services() }, { db: ["primary"], web: ["V1", "blue", "v1", "v2"] });
  t.same(s.nodeServices("n1").map((x) => x.id), ["w0", "w1"]);
  t.same(s.nodeServices("nope"), []);
  t.equal(s.node("nope"), undefined);
  t.equal(s.service("n1", "nope"), undefined);
  t.equal(s.check("nope", "c"), undefined);
});

t.test("reads: serviceNodes joins nodes, sorted by node then ID, tag filter case-insensitive (Consul's)", async (t) => {
  const s = fixture().state;
  t.same(s.serviceNodes("web").map((e) => `${e.node.node}/${e.service.id}`), ["n1/w0", "n1/w1", "n2/w2", "n3/w3"]);
  t.same(s.serviceNodes("web", { tag: "v1" }).map((e) => e.service.id), ["w1", "w2"]);
  t.equal(s.serviceNodes("web")[0]!.node, s.node("n1"), "the node is the stored record");
  t.same(s.serviceNodes("nope"), []);
});

t.test("reads: healthService includes node checks, rolls up the worst status, filters passing", async (t) => {
  const s = fixture().state;
  const h = s.healthService("web");
  t.same(h.map((e) => [e.service.id, e.status, e.checks.map((c) => c.checkId)]), [
    ["w0", "warning", ["serfHealth"]],
    ["w1", "warning", ["serfHealth", "c-w1"]],
    ["w2", "passing", ["serfHealth", "c-w2"]],
    ["w3", "critical", ["serfHealth", "c-w3"]],
  ]);
  t.same(s.healthService("web", { passingOnly: true }).map((e) => e.service.id), ["w2"]);
  t.same(s.healthService("web", { passingOnly: true, tag: "v2" }), []);
  t.same(s.healthService("db").map((e) => e.status), ["critical"], "a critical node check fails every instance on it");
});

t.test("reads: check queries", async (t) => {
  const s = fixture().state;
  t.same(s.nodeChecks("n1").map((c) => c.checkId), ["c-w1", "serfHealth"]);
  t.same(s.serviceChecks("web").map((c) => `${c.node}/${c.checkId}`), ["n1/c-w1", "n2/c-w2", "n3/c-w3"]);
  t.same(s.checksInState("critical").map((c) => `${c.node}/${c.checkId}`), ["n3/serfHealth"]);
  t.same(s.checksInState("warning").map((c) => `${c.node}/${c.checkId}`), ["n1/serfHealth", "n3/c-w3"]);
  t.equal(s.checksInState("any").length, 7);
});

t.test("reads: callers cannot change the state through an answer", async (t) => {
  const l = fixture();
  const s = l.state;
  const n = s.node("n1")!;
  t.throws(() => ((n as { address: string }).address = "evil"));
  t.throws(() => ((n.meta as Record<string, string>)["x"] = "y"));
  const svc = s.service("n1", "w1")!;
  t.throws(() => svc.tags.push("evil"));
  t.throws(() => ((svc.weights as { passing: number }).passing = 9));
  t.throws(() => ((s.check("n1", "c-w1") as { status: string }).status = "critical"));
  s.nodes().pop();
  t.equal(s.nodes().length, 3, "answers are fresh arrays");
  s.services()["web"]!.push("evil");
  t.notOk(s.services()["web"]!.includes("evil"));
  l.run({ op: "kv-set", key: "k", value: bytes("abc"), nowMs: 0 });
  s.kvGet("k")!.value[0] = 0x7a;
  s.kvList("")[0]!.value[1] = 0x7a;
  t.equal(s.kvGet("k")!.value.toString(), "abc", "KV values are copies");
});
