import t from "tap";
import Consul from "consul";
import { Agent } from "../../../lib/index.js";
import { waitFor } from "../../agent/helpers.js";

async function startAgent(t: Tap.Test): Promise<{ agent: Agent; consul: Consul; base: string }> {
  const agent = await Agent.start({ node: "n1", http: "127.0.0.1:0" });
  t.teardown(() => agent.close());
  const { port } = agent.httpAddress!;
  return { agent, consul: new Consul({ host: "127.0.0.1", port }), base: `http://127.0.0.1:${port}` };
}

t.test("the consul npm client registers, heartbeats and finds a service through the HTTP API", async (t) => {
  const { agent, consul } = await startAgent(t);
  await consul.agent.service.register({ name: "web", id: "web-1", port: 8080, tags: ["v1"], check: { ttl: "10s" } });
  const services = await consul.agent.service.list();
  t.match(services["web-1"], { ID: "web-1", Service: "web", Port: 8080, Tags: ["v1"] });
  t.same(await consul.health.service({ service: "web", passing: true }), [], "a TTL check registered over HTTP starts critical");
  await consul.agent.check.pass({ id: "service:web-1", note: "ok" });
  const entries = await consul.health.service({ service: "web", passing: true });
  t.equal(entries.length, 1);
  t.match(entries[0], { Node: { Node: "n1" }, Service: { ID: "web-1", Service: "web", Port: 8080 } });
  t.same(entries[0].Checks.map((c: { CheckID: string }) => c.CheckID).sort(), ["serfHealth", "service:web-1"], "node serfHealth check included");
  t.equal(entries[0].Checks.find((c: { CheckID: string }) => c.CheckID === "service:web-1").Output, "ok");
  t.same(await consul.catalog.service.list(), { web: ["v1"] });
  t.match(await consul.catalog.service.nodes("web"), [{ Node: "n1", ServiceID: "web-1", ServicePort: 8080, ServiceTags: ["v1"] }]);
  t.match(await consul.catalog.node.list(), [{ Node: "n1", Datacenter: "dc1" }]);
  await consul.agent.check.fail({ id: "service:web-1", note: "down" });
  t.same(await consul.health.service({ service: "web", passing: true }), []);
  t.match(await consul.health.state("critical"), [{ CheckID: "service:web-1", Output: "down" }]);
  const discovered = agent.discover("web", { passingOnly: false });
  await discovered.ready();
  t.equal(discovered.pick().status, "critical", "SDK resolvers see HTTP registrations");
  discovered.close();
  await consul.agent.service.deregister("web-1");
  t.same(await consul.catalog.service.list(), {});
});

t.test("the consul npm client drives KV, sessions and locks", async (t) => {
  const { consul } = await startAgent(t);
  t.equal(await consul.kv.set("app/config", "hello"), true);
  const got = await consul.kv.get("app/config");
  t.match(got, { Key: "app/config", Value: "hello", Flags: 0 });
  // The server answers `false`; this client turns a false body into undefined.
  t.notOk(await consul.kv.set({ key: "app/config", value: "x", cas: 0 }), "cas 0 on an existing key");
  t.equal((await consul.kv.get("app/config")).Value, "hello", "nothing written");
  t.equal(await consul.kv.set({ key: "app/config", value: "world", cas: got.ModifyIndex }), true);
  t.same(await consul.kv.keys("app/"), ["app/config"]);
  t.equal(await consul.kv.get("missing"), undefined, "a missing key is 404, which the client maps to undefined");
  const session = await consul.session.create({ ttl: "15s", lockdelay: "1s" });
  t.match(session, { ID: /^[0-9a-f-]{36}$/ });
  t.equal(await consul.kv.set({ key: "lock", value: "me", acquire: session.ID }), true);
  t.match(await consul.kv.get("lock"), { Session: session.ID, LockIndex: 1 });
  t.match(await consul.session.info(session.ID), { ID: session.ID, Node: "n1", Behavior: "release", TTL: "15s" });
  t.match(await consul.session.renew(session.ID), [{ ID: session.ID }]);
  await consul.session.destroy(session.ID);
  t.equal((await consul.kv.get("lock")).Session, undefined, "destroying the session released the lock");
  await consul.kv.del({ key: "app/", recurse: true });
  t.equal(await consul.kv.get("app/config"), undefined);
});

t.test("consul.watch wakes on its service's change and not on unrelated writes", async (t) => {
  const { consul, agent } = await startAgent(t);
  await agent.register({ name: "api", id: "api-1", port: 1, check: { ttl: "10s" } });
  const watch = consul.watch({ method: consul.health.service, options: { service: "api", passing: true, wait: "5s" } });
  t.teardown(() => watch.end());
  const changes: number[] = [];
  watch.on("change", (data: unknown[]) => changes.push(data.length));
  watch.on("error", (err: Error) => t.fail(`watch error: ${err.message}`));
  await waitFor(() => changes.length === 1, 3000, "the first answer");
  for (let i = 0; i < 5; i++) await agent.kv.put(`noise/${i}`, "x");
  await agent.register({ name: "other", port: 2, check: { ttl: "10s" } });
  await new Promise((r) => setTimeout(r, 200));
  t.same(changes, [1], "KV writes and another service do not wake the watch");
  await agent.register({ name: "api", id: "api-2", port: 3, check: { ttl: "10s" } });
  await waitFor(() => changes.length === 2, 3000, "the change");
  t.same(changes, [1, 2]);
});

t.test("status, self, members and metrics", async (t) => {
  const { consul, base } = await startAgent(t);
  t.equal(await consul.status.leader(), "127.0.0.1:8300");
  t.same(await consul.status.peers(), ["127.0.0.1:8300"]);
  const self = await consul.agent.self();
  t.match(self, { Config: { Datacenter: "dc1", NodeName: "n1" }, Stats: { raft: { state: "Leader" } } });
  t.match(await consul.agent.members(), [{ Name: "n1", Status: 1 }]);
  const prom = await (await fetch(`${base}/v1/agent/metrics?format=prometheus`)).text();
  t.match(prom, /^disco_catalog_nodes 1$/m);
  const json = (await (await fetch(`${base}/v1/agent/metrics`)).json()) as { Gauges: { Name: string }[] };
  t.ok(json.Gauges.some((g) => g.Name === "disco.catalog.nodes"));
});
