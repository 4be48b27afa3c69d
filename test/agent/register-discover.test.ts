import t from "tap";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Agent, NoInstancesError, type Instance } from "../../lib/index.js";
import { waitFor } from "./helpers.js";

function listen(handler: (status: { code: number }) => void): Promise<{ server: Server; port: number; status: { code: number } }> {
  const status = { code: 200 };
  handler(status);
  const server = createServer((_req, res) => {
    res.statusCode = status.code;
    res.end(`status ${status.code}`);
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () =>
    resolve({ server, port: (server.address() as AddressInfo).port, status })));
}

t.test("register with a TTL check: the SDK heartbeats it, so it is passing and discoverable at once", async (t) => {
  const agent = await Agent.start({ node: "n1" });
  t.teardown(() => agent.close());
  const reg = await agent.register({ name: "web", port: 8080, tags: ["v1"], meta: { zone: "a" }, check: { ttl: "10s" } });
  t.equal(reg.id, "web", "ID defaults to the name");
  const web = agent.discover("web");
  await web.ready();
  const inst = web.pick();
  t.match(inst, { id: "web", service: "web", node: "n1", address: "127.0.0.1", port: 8080, tags: ["v1"], meta: { zone: "a" }, status: "passing" });
  const checks = await agent.health.checks("web");
  t.same(checks.map((c) => [c.checkId, c.status, c.type]), [["service:web", "passing", "ttl"]], "a single check is service:<id>");
  web.close();
});

t.test("a TTL check that is not renewed turns critical and leaves a passing-only resolver", async (t) => {
  const agent = await Agent.start({ node: "n1" });
  t.teardown(() => agent.close());
  const a = await agent.register({ name: "api", id: "api-1", port: 1, check: { ttl: "1s" }, heartbeat: false });
  await agent.register({ name: "api", id: "api-2", port: 2, check: { ttl: "30s" } });
  const api = agent.discover("api");
  await api.ready();
  t.same(api.instances().map((i) => i.id), ["api-2"], "without heartbeats a new check starts critical (Consul)");
  await a.pass("manual pass");
  await waitFor(() => api.instances().length === 2, 2000, "api-1 to join after pass()");
  const changes: string[][] = [];
  api.on("change", (list) => changes.push(list.map((i) => i.id)));
  await waitFor(() => api.instances().length === 1, 3000, "api-1 to expire after its 1 s TTL");
  t.same(api.instances().map((i) => i.id), ["api-2"]);
  t.same(changes.at(-1), ["api-2"], "a change event carried the new set");
  const check = (await agent.health.checks("api")).find((c) => c.serviceId === "api-1");
  t.equal(check?.status, "critical");
  t.match(check?.output, /TTL/i, "the output says the TTL expired");
  api.close();
});

t.test("pass/warn/fail move the instance through passing-only resolvers; fail() holds against SDK heartbeats", async (t) => {
  const agent = await Agent.start({ node: "n1" });
  t.teardown(() => agent.close());
  const reg = await agent.register({ name: "db", port: 5432, check: { ttl: "10s" } });
  const all = agent.discover("db", { passingOnly: false });
  const passing = agent.discover("db");
  await all.ready();
  await passing.ready();
  await reg.warn("slow disk");
  await waitFor(() => passing.instances().length === 0, 2000, "warning to leave passing-only");
  t.equal(all.instances()[0]?.status, "warning");
  await reg.fail("down");
  await waitFor(() => all.instances()[0]?.status === "critical", 2000, "critical");
  t.throws(() => passing.pick(), NoInstancesError);
  await reg.pass();
  await waitFor(() => passing.instances().length === 1, 2000, "passing again");
  all.close();
  passing.close();
});

t.test("heartbeats do not write to the catalog: the service's index stays put", async (t) => {
  const agent = await Agent.start({ node: "n1" });
  t.teardown(() => agent.close());
  const reg = await agent.register({ name: "quiet", port: 1, check: { ttl: "10s" } });
  const web = agent.discover("quiet");
  await web.ready();
  let changes = 0;
  web.on("change", () => changes++);
  for (let i = 0; i < 20; i++) await reg.pass();
  await new Promise((r) => setTimeout(r, 100));
  t.equal(changes, 0, "20 passes of an already passing check wake no watcher");
  web.close();
});

t.test("an HTTP check against a real server: 200 passing, 429 warning, 500 critical", async (t) => {
  const backend = await listen(() => {});
  t.teardown(() => backend.server.close());
  const agent = await Agent.start({ node: "n1" });
  t.teardown(() => agent.close());
  await agent.register({
    name: "site", port: backend.port,
    check: { http: `http://127.0.0.1:${backend.port}/health`, interval: "100ms", timeout: "1s" },
  });
  const all = agent.discover("site", { passingOnly: false });
  await all.ready();
  await waitFor(() => all.instances()[0]?.status === "passing", 3000, "passing on 200");
  backend.status.code = 429;
  await waitFor(() => all.instances()[0]?.status === "warning", 3000, "warning on 429");
  backend.status.code = 500;
  await waitFor(() => all.instances()[0]?.status === "critical", 3000, "critical on 500");
  const [check] = await agent.health.checks("site");
  t.match(check?.output, /500/);
  all.close();
});

t.test("a function check drives health from application code", async (t) => {
  const agent = await Agent.start({ node: "n1" });
  t.teardown(() => agent.close());
  let healthy = true;
  await agent.register({
    name: "worker", port: 0,
    check: { fn: async () => { if (!healthy) throw new Error("queue stalled"); return "ok"; }, interval: "100ms" },
  });
  const w = agent.discover("worker");
  await w.ready();
  healthy = false;
  await waitFor(() => w.instances().length === 0, 3000, "the instance to leave when fn throws");
  t.match((await agent.health.checks("worker"))[0]?.output, /queue stalled/);
  w.close();
});

t.test("deregisterCriticalServiceAfter removes an instance critical for too long", async (t) => {
  const agent = await Agent.start({ node: "n1" });
  t.teardown(() => agent.close());
  await agent.register({ name: "flaky", port: 1, heartbeat: false, check: { ttl: "1s", deregisterCriticalServiceAfter: "300ms" } });
  await waitFor(async () => (await agent.catalog.service("flaky")).length === 0, 3000, "the critical instance to be deregistered");
  t.same(agent.localServices(), []);
});

t.test("deregister removes an instance everywhere and ends its checks", async (t) => {
  const agent = await Agent.start({ node: "n1" });
  t.teardown(() => agent.close());
  const a = await agent.register({ name: "svc", id: "a", port: 1, check: { ttl: "10s" } });
  await agent.register({ name: "svc", id: "b", port: 2, check: { ttl: "10s" } });
  const r = agent.discover("svc", { policy: "round-robin" });
  await r.ready();
  await waitFor(() => r.instances().length === 2, 2000, "both instances");
  const seen = new Set<string>();
  for (let i = 0; i < 4; i++) seen.add(r.pick().id);
  t.same([...seen].sort(), ["a", "b"], "round-robin visits both");
  await a.deregister();
  await waitFor(() => r.instances().length === 1, 2000, "a to leave");
  t.same((await agent.catalog.service("svc")).map((e) => e.service.id), ["b"]);
  t.same((await agent.health.checks("svc")).map((c) => c.serviceId), ["b"], "its checks are gone too");
  r.close();
});

t.test("watch() yields the current set, then each change, and ends on abort", async (t) => {
  const agent = await Agent.start({ node: "n1" });
  t.teardown(() => agent.close());
  await agent.register({ name: "q", id: "q1", port: 1, check: { ttl: "10s" } });
  const r = agent.discover("q");
  const ac = new AbortController();
  const seen: string[][] = [];
  const done = (async () => {
    for await (const list of r.watch({ signal: ac.signal })) {
      seen.push(list.map((i: Instance) => i.id).sort());
      if (seen.length === 2) ac.abort();
    }
  })();
  await waitFor(() => seen.length === 1, 2000, "the first set");
  await agent.register({ name: "q", id: "q2", port: 2, check: { ttl: "10s" } });
  await done;
  t.same(seen, [["q1"], ["q1", "q2"]]);
  r.close();
});

t.test("re-registering the same ID replaces it in place", async (t) => {
  const agent = await Agent.start({ node: "n1" });
  t.teardown(() => agent.close());
  await agent.register({ name: "r", port: 1, tags: ["old"], check: { ttl: "10s" } });
  await agent.register({ name: "r", port: 2, tags: ["new"], checks: [{ ttl: "10s" }, { ttl: "20s" }] });
  const [entry] = await agent.health.service("r");
  t.equal(entry?.service.port, 2);
  t.same(entry?.service.tags, ["new"]);
  t.same(entry?.checks.filter((c) => c.serviceId === "r").map((c) => c.checkId).sort(), ["service:r:1", "service:r:2"], "the old single check is gone");
});

t.test("after SDK heartbeats that change nothing, a status change still reaches the catalog (no stale in-flight write)", async (t) => {
  const agent = await Agent.start({ node: "n1" });
  t.teardown(() => agent.close());
  const reg = await agent.register({ name: "beat", port: 1, check: { ttl: "900ms" } });
  await new Promise((r) => setTimeout(r, 700)); // two heartbeats (every TTL/3), neither changes anything
  await reg.fail("now down");
  const [check] = await agent.health.checks("beat");
  t.match(check, { status: "critical", output: "now down" });
  await reg.pass("up again");
  t.match((await agent.health.checks("beat"))[0], { status: "passing", output: "up again" });
});
