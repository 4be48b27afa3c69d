import t from "tap";
import Consul from "consul";
import { createServer } from "node:http";
import { Agent } from "../../../lib/index.js";
import { waitFor } from "../../agent/helpers.js";

async function startAgent(t: Tap.Test): Promise<{ agent: Agent; consul: Consul; base: string }> {
  const agent = await Agent.start({ node: "n1", http: "127.0.0.1:0" });
  t.teardown(() => agent.close());
  const { port } = agent.httpAddress!;
  return { agent, consul: new Consul({ host: "127.0.0.1", port }), base: `http://127.0.0.1:${port}` };
}

type CheckJson = { CheckID: string; Status: string; ServiceID: string; Notes: string; Output: string; Name: string; Type: string };

const passingIds = async (consul: Consul, service: string): Promise<string[]> =>
  (await consul.health.service({ service, passing: true })).map((e: { Service: { ID: string } }) => e.Service.ID).sort();

t.test("check register: a node-level TTL check gates every instance of the node; pass, then deregister (consul npm client)", async (t) => {
  const { consul, agent } = await startAgent(t);
  await consul.agent.service.register({ name: "web", id: "web-1", port: 80 });
  t.same(await passingIds(consul, "web"), ["web-1"]);
  await consul.agent.check.register({ name: "disk", ttl: "30s", notes: "free space" });
  const checks = (await consul.agent.check.list()) as Record<string, CheckJson>;
  t.match(checks["disk"], { CheckID: "disk", Name: "disk", Status: "critical", ServiceID: "", Notes: "free space", Type: "ttl" }, "the ID defaults to the name; status to critical");
  t.same(await passingIds(consul, "web"), [], "a critical node check hides the node's instances");
  await consul.agent.check.pass({ id: "disk", note: "80% free" });
  t.same(await passingIds(consul, "web"), ["web-1"]);
  t.equal(((await consul.agent.check.list()) as Record<string, CheckJson>)["disk"]!.Output, "80% free");
  await consul.agent.check.deregister("disk");
  t.notOk("disk" in (await consul.agent.check.list()), "gone from the agent");
  t.same((await agent.health.node("n1")).map((c) => c.checkId), ["serfHealth"], "and from the catalog");
});

t.test("check register: a service-level check joins that service's checks and leaves with the service", async (t) => {
  const { consul, agent } = await startAgent(t);
  await consul.agent.service.register({ name: "web", id: "web-1", port: 80 });
  await consul.agent.service.register({ name: "web", id: "web-2", port: 81 });
  await consul.agent.check.register({ name: "web-1 deep", id: "deep-1", serviceid: "web-1", ttl: "30s", status: "passing" });
  t.match(await consul.health.checks("web"), [{ CheckID: "deep-1", ServiceID: "web-1", ServiceName: "web", Status: "passing" }]);
  await consul.agent.check.fail({ id: "deep-1", note: "slow" });
  t.same(await passingIds(consul, "web"), ["web-2"], "only the instance it covers is affected");
  await consul.agent.service.deregister("web-1");
  t.same(await consul.health.checks("web"), [], "the check left with its service");
  t.equal((await fetch(`http://127.0.0.1:${agent.httpAddress!.port}/v1/agent/check/pass/deep-1`, { method: "PUT" })).status, 404, "and from the agent");
});

t.test("check register: an HTTP check runs on its interval and reports the endpoint's health", async (t) => {
  let status = 200;
  const target = createServer((_req, res) => {
    res.statusCode = status;
    res.end("ok");
  });
  await new Promise<void>((resolve) => target.listen(0, "127.0.0.1", resolve));
  t.teardown(() => new Promise<void>((resolve) => target.close(() => resolve())));
  const { consul } = await startAgent(t);
  const url = `http://127.0.0.1:${(target.address() as { port: number }).port}/health`;
  await consul.agent.check.register({ name: "upstream", checkid: "upstream", http: url, interval: "100ms", timeout: "1s" });
  const statusOf = async (): Promise<string> => ((await consul.agent.check.list()) as Record<string, CheckJson>)["upstream"]!.Status;
  await waitFor(async () => (await statusOf()) === "passing", 5000, "the HTTP check to pass");
  status = 503;
  await waitFor(async () => (await statusOf()) === "critical", 5000, "the HTTP check to fail");
  t.equal(await statusOf(), "critical", "the check followed the endpoint");
});

t.test("bad check registrations get Consul's status and reason; nothing is registered", async (t) => {
  const { base, agent, consul } = await startAgent(t);
  await consul.agent.service.register({ name: "web", id: "web-1", port: 80, check: { ttl: "10s" } });
  const cases: Array<[string, string, unknown, number, RegExp]> = [
    ["PUT", "/v1/agent/check/register", { TTL: "10s" }, 400, /^Missing check name$/],
    ["PUT", "/v1/agent/check/register", { Name: "x", TTL: "10s", Status: "sideways" }, 400, /^Bad check status$/],
    ["PUT", "/v1/agent/check/register", { Name: "x", TTL: "10s", ServiceID: "ghost" }, 404, /^ServiceID "ghost" does not exist$/],
    ["PUT", "/v1/agent/check/register", { Name: "x", TTL: "soon" }, 400, /^Invalid check: .*ttl/],
    ["PUT", "/v1/agent/check/register", { Name: "x", HTTP: "http://127.0.0.1:1/" }, 400, /^Invalid check: .*interval/],
    ["PUT", "/v1/agent/check/register", { Name: "x" }, 400, /TTL, HTTP or TCP/],
    ["PUT", "/v1/agent/check/register", { Name: "x", Args: ["/bin/true"], Interval: "10s" }, 400, /script checks/],
    ["PUT", "/v1/agent/check/register", { Name: "serfHealth", TTL: "10s" }, 400, /reserved/],
    ["PUT", "/v1/agent/check/register", { Name: "m", ID: "_node_maintenance", TTL: "10s" }, 400, /reserved/],
    ["PUT", "/v1/agent/check/register", { Name: "x", ID: "service:web-1", TTL: "10s" }, 400, /check of service "web-1"/],
    ["PUT", "/v1/agent/check/register", [1], 400, /must be an object/],
    ["PUT", "/v1/agent/check/deregister/nope", undefined, 404, /^Unknown check ID "nope"/],
    ["PUT", "/v1/agent/check/deregister/serfHealth", undefined, 400, /managed by the agent/],
  ];
  const before = Object.keys(await consul.agent.check.list()).sort();
  for (const [method, path, body, status, reason] of cases) {
    const res = await fetch(base + path, { method, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    t.equal(res.status, status, `${JSON.stringify(body) ?? path} -> ${status}`);
    t.match(text, reason, `says why: ${text}`);
  }
  t.same(Object.keys(await consul.agent.check.list()).sort(), before, "no check slipped through");
  t.same((await agent.health.node("n1")).map((c) => c.checkId).sort(), before, "the catalog agrees");
});

t.test("node maintenance: a critical _node_maintenance check takes every instance out of passing answers", async (t) => {
  const { consul, agent } = await startAgent(t);
  await agent.register({ name: "web", id: "web-1", port: 80 });
  const web = agent.discover("web", { passingOnly: true });
  t.teardown(() => web.close());
  await web.ready();
  t.equal(web.instances().length, 1);
  await consul.agent.maintenance({ enable: true, reason: "kernel upgrade" });
  const checks = (await consul.agent.check.list()) as Record<string, CheckJson>;
  t.match(checks["_node_maintenance"], { Status: "critical", Notes: "kernel upgrade", ServiceID: "", Name: "Node Maintenance Mode" });
  t.same(await passingIds(consul, "web"), []);
  await waitFor(() => web.instances().length === 0, 3000, "the resolver to drop the instance");
  t.ok(agent.maintenance.nodeEnabled());
  await consul.agent.maintenance({ enable: true, reason: "another reason" });
  t.equal(((await consul.agent.check.list()) as Record<string, CheckJson>)["_node_maintenance"]!.Notes, "kernel upgrade", "enabling again keeps the first reason, as Consul");
  await consul.agent.maintenance(false);
  t.notOk("_node_maintenance" in (await consul.agent.check.list()));
  t.same(await passingIds(consul, "web"), ["web-1"]);
  await waitFor(() => web.instances().length === 1, 3000, "the resolver to take it back");
  await consul.agent.maintenance(false);
  t.notOk("_node_maintenance" in (await consul.agent.check.list()), "disabling when off is a no-op");
  t.same(await passingIds(consul, "web"), ["web-1"], "… and the instance stays passing");
  await consul.agent.maintenance(true);
  t.match(((await consul.agent.check.list()) as Record<string, CheckJson>)["_node_maintenance"], { Notes: /no reason was given/ });
});

t.test("service maintenance: only that instance leaves passing answers; bad requests get Consul's reasons", async (t) => {
  const { consul, agent, base } = await startAgent(t);
  await agent.register({ name: "web", id: "web-1", port: 80 });
  await agent.register({ name: "web", id: "web-2", port: 81 });
  await consul.agent.service.maintenance({ id: "web-1", enable: true, reason: "draining" });
  t.match(await consul.health.checks("web"), [{ CheckID: "_service_maintenance:web-1", ServiceID: "web-1", Status: "critical", Notes: "draining" }]);
  t.same(await passingIds(consul, "web"), ["web-2"]);
  t.ok(agent.maintenance.serviceEnabled("web-1"));
  await consul.agent.service.maintenance({ id: "web-1", enable: false });
  t.same(await passingIds(consul, "web"), ["web-1", "web-2"]);
  const cases: Array<[string, number, RegExp]> = [
    ["/v1/agent/maintenance", 400, /^Missing value for enable$/],
    ["/v1/agent/maintenance?enable=maybe", 400, /^Invalid value for enable: "maybe"$/],
    ["/v1/agent/service/maintenance/web-1", 400, /^Missing value for enable$/],
    ["/v1/agent/service/maintenance/ghost?enable=true", 404, /^No service registered with ID "ghost"$/],
    ["/v1/agent/service/maintenance/ghost?enable=false", 404, /ghost/],
    ["/v1/agent/service/maintenance/?enable=true", 400, /^Missing service ID$/],
  ];
  for (const [path, status, reason] of cases) {
    const res = await fetch(base + path, { method: "PUT" });
    const text = await res.text();
    t.equal(res.status, status, `${path} -> ${status}`);
    t.match(text, reason, `says why: ${text}`);
  }
  t.equal((await fetch(`${base}/v1/agent/maintenance?enable=1&reason=x`, { method: "PUT" })).status, 200, "Go's boolean spellings are accepted");
  t.equal((await fetch(`${base}/v1/agent/maintenance?enable=F`, { method: "PUT" })).status, 200);
  t.notOk(agent.maintenance.nodeEnabled());
  await t.rejects(agent.maintenance.enableService("ghost"), { name: "NotFoundError" });
});
