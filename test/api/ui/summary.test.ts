import t from "tap";
import { CatalogState } from "../../../lib/catalog/state.js";
import { nodesSummary, servicesSummary, summaryScopes } from "../../../lib/api/ui/summary.js";
import { Log, reg, serf } from "../../catalog/helpers.js";

t.test("services summary: instance counts, tag union, nodes, and check counts with a node check counted once per service", async (t) => {
  const log = new Log();
  log.apply(reg("n1", { service: "web", id: "web-1", tags: ["v1"] }, [serf(), { checkId: "c1", serviceId: "web-1", status: "passing" }]));
  log.apply(reg("n1", { service: "web", id: "web-2", tags: ["v2"] }, [{ checkId: "c2", serviceId: "web-2", status: "critical", output: "down" }]));
  log.apply(reg("n22", { service: "web", id: "web-3", tags: ["v1"] }, [serf("warning")]));
  log.apply(reg("n22", { service: "db" }));
  t.same(servicesSummary(log.state, "dc1"), [
    { Name: "db", Datacenter: "dc1", Tags: [], Nodes: ["n22"], InstanceCount: 1, ChecksPassing: 0, ChecksWarning: 1, ChecksCritical: 0 },
    {
      Name: "web", Datacenter: "dc1", Tags: ["v1", "v2"], Nodes: ["n1", "n22"], InstanceCount: 3,
      // n1: serfHealth once (not once per instance) + c1 passing + c2 critical; n22: serfHealth warning.
      ChecksPassing: 2, ChecksWarning: 1, ChecksCritical: 1,
    },
  ]);
});

t.test("services summary of an empty catalog is an empty list", async (t) => {
  t.same(servicesSummary(new CatalogState(), "dc1"), []);
  t.same(nodesSummary(new CatalogState()), []);
});

t.test("nodes summary: each node in Consul's node shape with its services and checks", async (t) => {
  const log = new Log();
  log.apply(reg("n1", { service: "web", id: "web-1", tags: ["v1"], port: 8080 }, [serf()]));
  log.apply(reg("n2"));
  const [n1, n2] = nodesSummary(log.state) as Array<Record<string, unknown>>;
  t.equal(n1!["Node"], "n1");
  t.equal(n1!["Address"], "10.0.0.2");
  t.same(n1!["Services"], [{ ID: "web-1", Service: "web", Tags: ["v1"], Address: "", Port: 8080 }]);
  t.match(n1!["Checks"], [{ CheckID: "serfHealth", Status: "passing", Node: "n1" }]);
  t.same(n2!["Services"], []);
  t.same(n2!["Checks"], []);
});

t.test("summary scopes: the service, node and check lists plus one scope per node", async (t) => {
  const log = new Log();
  log.apply(reg("a"));
  log.apply(reg("b"));
  t.same(summaryScopes(log.state), [
    { kind: "services" }, { kind: "nodes" }, { kind: "checks" }, { kind: "node", name: "a" }, { kind: "node", name: "b" },
  ]);
});
