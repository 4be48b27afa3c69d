import t from "tap";
import { inst } from "./helpers.js";
import { EndpointTable } from "../../lib/resolver/endpoints.js";
import { instanceEquals, instanceKey } from "../../lib/resolver/instance.js";

t.test("endpoints: replace() reports where each instance was, -1 for new ones, null for no change", async (t) => {
  const table = new EndpointTable();
  t.same([...table.replace([inst(2), inst(0)])!], [-1, -1]);
  t.same(table.keys, [instanceKey(inst(0)), instanceKey(inst(2))]);
  t.equal(table.replace([inst(0), inst(2)]), null);
  t.same([...table.replace([inst(1), inst(2)])!], [-1, 1]);
  t.equal(table.indexOf(inst(2)), 1, "by key");
  t.equal(table.indexOf(table.instances[0]!), 0, "by identity");
  t.equal(table.indexOf(inst(9)), -1);
  table.clear();
  t.equal(table.size, 0);
});

t.test("endpoints: instanceEquals compares every handed-out field, meta by content", async (t) => {
  t.ok(instanceEquals(inst(0), inst(0)));
  t.ok(instanceEquals(inst(0, { meta: { a: "1", b: "2" } }), inst(0, { meta: { b: "2", a: "1" } })));
  t.notOk(instanceEquals(inst(0, { meta: { a: "1" } }), inst(0, { meta: { b: "1" } })));
  t.notOk(instanceEquals(inst(0, { meta: { a: "1" } }), inst(0, { meta: { a: "1", b: "" } })));
  t.notOk(instanceEquals(inst(0, { tags: ["a", "b"] }), inst(0, { tags: ["b", "a"] })));
  t.notOk(instanceEquals(inst(0), inst(0, { address: "x" })));
  t.notOk(instanceEquals(inst(0), inst(0, { service: "api" })));
});
