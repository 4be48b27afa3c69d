import t, { type Test } from "tap";
import Consul from "consul";
import { Agent } from "../../../lib/index.js";

async function startAgent(t: Test): Promise<{ agent: Agent; base: string }> {
  const agent = await Agent.start({ node: "n1", http: "127.0.0.1:0" });
  t.teardown(() => agent.close());
  return { agent, base: `http://127.0.0.1:${agent.httpAddress!.port}` };
}

const json = (body: unknown): RequestInit => ({ method: "POST", body: JSON.stringify(body), headers: { "content-type": "application/json" } });

t.test("/v1/query: POST creates ({ID}), GET lists and reads (Consul's shape), PUT updates, DELETE removes", async (t) => {
  const { base } = await startAgent(t);
  const created = await fetch(`${base}/v1/query`, json({
    Name: "web-nearest", Service: { Service: "web", Failover: { NearestN: 2, Datacenters: ["dc2"] }, OnlyPassing: true, Tags: ["v1", "!canary"], IgnoreCheckIDs: ["maint"] },
    DNS: { TTL: "10s" },
  }));
  t.equal(created.status, 200);
  const { ID } = (await created.json()) as { ID: string };
  t.match(ID, /^[0-9a-f-]{36}$/);
  const list = await fetch(`${base}/v1/query`);
  t.ok(Number(list.headers.get("x-consul-index")) > 1, "X-Consul-Index of the queries table");
  t.match(await list.json(), [{
    ID, Name: "web-nearest", Session: "", DNS: { TTL: "10s" },
    Service: { Service: "web", Failover: { NearestN: 2, Datacenters: ["dc2"] }, OnlyPassing: true, Tags: ["v1", "!canary"], IgnoreCheckIDs: ["maint"] },
  }]);
  t.match(await (await fetch(`${base}/v1/query/${ID}`)).json(), [{ ID, Name: "web-nearest" }], "GET by ID answers a one-item list");
  const put = await fetch(`${base}/v1/query/${ID}`, { method: "PUT", body: JSON.stringify({ Name: "web-any", Service: { Service: "web" } }) });
  t.equal(put.status, 200);
  t.match(await (await fetch(`${base}/v1/query/${ID}`)).json(), [{ Name: "web-any", DNS: { TTL: "" }, Service: { Tags: [], OnlyPassing: false } }]);
  t.match(await (await fetch(`${base}/v1/query/${ID}/explain`)).json(), { Query: { ID, Name: "web-any" } });
  t.equal((await fetch(`${base}/v1/query/${ID}`, { method: "DELETE" })).status, 200);
  const gone = await fetch(`${base}/v1/query/${ID}`);
  t.equal(gone.status, 404);
  t.match(await gone.text(), /Query not found/);
  t.equal((await fetch(`${base}/v1/query/${ID}`, { method: "DELETE" })).status, 404);
  t.equal((await fetch(`${base}/v1/query/${ID}`, { method: "PUT", body: JSON.stringify({ Service: { Service: "web" } }) })).status, 404);
});

t.test("/v1/query: bad bodies are 400 naming the field; templates and session-bound queries are 501", async (t) => {
  const { base } = await startAgent(t);
  const cases: Array<[unknown, number, RegExp]> = [
    [{ Name: "x" }, 400, /Must provide a Service/],
    [{ Service: { Service: "" } }, 400, /query\.service\.service/],
    [{ Service: { Service: "web", Tags: "v1" } }, 400, /query\.service\.tags/],
    [{ Service: { Service: "web" }, DNS: { TTL: "soon" } }, 400, /query\.dns\.ttl/],
    [{ Service: { Service: "web", Failover: { NearestN: -1 } } }, 400, /nearestN/],
    [{ Service: { Service: "web" }, Session: "abc" }, 501, /session/],
    [{ Service: { Service: "web" }, Template: { Type: "name_prefix_match" } }, 501, /templates/],
    [[], 400, /body must be an object/],
  ];
  for (const [body, status, text] of cases) {
    const res = await fetch(`${base}/v1/query`, json(body));
    t.equal(res.status, status, JSON.stringify(body));
    t.match(await res.text(), text);
  }
  await fetch(`${base}/v1/query`, json({ Name: "taken", Service: { Service: "web" } }));
  const dup = await fetch(`${base}/v1/query`, json({ Name: "TAKEN", Service: { Service: "web" } }));
  t.equal(dup.status, 400);
  t.match(await dup.text(), /already used/);
});

t.test("/v1/query/:name/execute answers Consul's shape with passing instances, ?limit, and 404 for an unknown query", async (t) => {
  const { agent, base } = await startAgent(t);
  const sick = await agent.register({ name: "web", id: "web-1", address: "10.0.0.1", port: 80, tags: ["v1"], check: { ttl: "10s" } });
  await agent.register({ name: "web", id: "web-2", address: "10.0.0.2", port: 81, tags: ["v1"], check: { ttl: "10s" } });
  await fetch(`${base}/v1/query`, json({ Name: "web", Service: { Service: "web", Tags: ["v1"] }, DNS: { TTL: "5s" } }));
  const res = await fetch(`${base}/v1/query/web/execute`);
  t.equal(res.status, 200);
  t.ok(Number(res.headers.get("x-consul-index")) >= 1);
  const body = (await res.json()) as { Nodes: Array<{ Service: { ID: string }; Checks: Array<{ ServiceTags: string[]; ServiceID: string }> }> };
  t.match(body, { Service: "web", DNS: { TTL: "5s" }, Datacenter: "dc1", Failovers: 0 });
  t.same(body.Nodes.map((n) => n.Service.ID).sort(), ["web-1", "web-2"]);
  t.same(body.Nodes[0]!.Checks.find((c) => c.ServiceID !== "")?.ServiceTags, ["v1"]);
  await sick.fail("down");
  const after = (await (await fetch(`${base}/v1/query/web/execute`)).json()) as typeof body;
  t.same(after.Nodes.map((n) => n.Service.ID), ["web-2"], "critical instances are left out");
  t.equal(((await (await fetch(`${base}/v1/query/web/execute?limit=0`)).json()) as typeof body).Nodes.length, 0);
  const unknown = await fetch(`${base}/v1/query/nope/execute`);
  t.equal(unknown.status, 404);
  const otherDc = await fetch(`${base}/v1/query/web/execute?dc=dc9`);
  t.equal(otherDc.status, 500);
  t.match(await otherDc.text(), /No path to datacenter/);
});

t.test("/v1/query: GET ?index= blocks until a query changes", async (t) => {
  const { agent, base } = await startAgent(t);
  const first = await fetch(`${base}/v1/query`);
  const index = Number(first.headers.get("x-consul-index"));
  await first.arrayBuffer();
  const blocked = fetch(`${base}/v1/query?index=${index}&wait=5s`);
  await agent.register({ name: "unrelated", port: 1, check: { ttl: "10s" } });
  const raced = await Promise.race([blocked.then(() => "returned"), new Promise((r) => setTimeout(() => r("blocked"), 200))]);
  t.equal(raced, "blocked", "other writes do not end the wait");
  await agent.query.create({ name: "q", service: { service: "web" } });
  const res = await blocked;
  t.ok(Number(res.headers.get("x-consul-index")) > index);
  t.match(await res.json(), [{ Name: "q" }]);
});

t.test("the consul npm client's query API works unchanged", async (t) => {
  const { agent, base } = await startAgent(t);
  await agent.register({ name: "redis", address: "10.0.0.7", port: 6379, tags: ["primary"], check: { ttl: "10s" } });
  const consul = new Consul({ host: "127.0.0.1", port: Number(new URL(base).port) });
  const { ID } = (await consul.query.create({
    name: "redis", service: { service: "redis", onlypassing: true, tags: ["primary"] }, dns: { ttl: "9s" },
  } as never)) as { ID: string }; // the client's typings put tags outside service; its code reads them inside
  t.match(await consul.query.get(ID), { ID, Name: "redis", DNS: { TTL: "9s" } });
  t.equal(((await consul.query.list()) as unknown[]).length, 1);
  await consul.query.update({ query: ID, name: "redis", service: { service: "redis" } });
  const run = (await consul.query.execute("redis")) as { Nodes: Array<{ Service: { Port: number } }> };
  t.same(run.Nodes.map((n) => n.Service.Port), [6379]);
  // destroy exists in the client's code, not in its typings.
  await (consul.query as unknown as { destroy(id: string): Promise<unknown> }).destroy(ID);
  t.same(await consul.query.list(), []);
});
