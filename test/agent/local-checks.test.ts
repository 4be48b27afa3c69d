import t from "tap";
import { LocalBackend } from "../../lib/agent/local-backend.js";
import { LocalServices } from "../../lib/agent/local-services.js";
import { parseServiceInput } from "../../lib/agent/service-input.js";
import { parseCheckInput } from "../../lib/health/index.js";
import { silentLogger } from "../../lib/util/logger.js";
import { ManualTimers } from "../../lib/util/timers.js";

const NODE = { node: "n1", address: "127.0.0.1", datacenter: "dc1", meta: {} };

async function setup(t: Tap.Test): Promise<{ backend: LocalBackend; local: LocalServices; timers: ManualTimers }> {
  const timers = new ManualTimers();
  const backend = await LocalBackend.open({ datacenter: "dc1", timers, logger: silentLogger, snapshotThreshold: 1000 });
  const local = new LocalServices(backend, NODE, timers, silentLogger);
  t.teardown(async () => {
    local.close();
    await backend.close();
  });
  await backend.propose({ op: "register", node: NODE, checks: [{ checkId: "serfHealth", status: "passing", type: "serf" }] });
  return { backend, local, timers };
}

const nodeCheck = (id: string, ttl = "10s") => parseCheckInput({ id, name: id, ttl }, "check", { serviceId: "", serviceName: "", ordinal: 0, single: true });
const ids = (backend: LocalBackend): string[] => backend.catalog.state.nodeChecks("n1").map((c) => c.checkId);

t.test("local checks: a node-level TTL check runs on its own, expires to critical, and leaves on deregisterAll", async (t) => {
  const { backend, local, timers } = await setup(t);
  await local.registerCheck(nodeCheck("disk"));
  await local.updateCheck("disk", "passing", "ok");
  t.equal(backend.catalog.state.check("n1", "disk")?.status, "passing");
  timers.advance(10_001);
  await new Promise((r) => setImmediate(r));
  t.equal(backend.catalog.state.check("n1", "disk")?.status, "critical", "the TTL ran out");
  await local.registerCheck(nodeCheck("disk", "1m"));
  t.equal(backend.catalog.state.check("n1", "disk")?.ttlMs, 60_000, "registering the same ID replaces it");
  await local.deregisterAll();
  t.same(ids(backend), ["serfHealth"], "a graceful leave takes the node's own checks too");
});

t.test("local checks: deregisterCheck removes a service definition's check; unknown IDs are false", async (t) => {
  const { backend, local } = await setup(t);
  await local.register(parseServiceInput({ name: "web", port: 80, checks: [{ ttl: "10s" }, { ttl: "20s" }], heartbeat: false }, "127.0.0.1"));
  t.same(ids(backend), ["serfHealth", "service:web:1", "service:web:2"]);
  t.equal(await local.deregisterCheck("service:web:1"), true);
  t.same(ids(backend), ["serfHealth", "service:web:2"]);
  await t.rejects(local.updateCheck("service:web:1", "passing", undefined), { name: "NotFoundError" }, "its runner is gone");
  t.equal(await local.deregisterCheck("nope"), false);
  await t.rejects(local.registerCheck(nodeCheck("service:web:2")), { name: "InvalidArgumentError" }, "a definition's check ID is taken");
  const forGhost = parseCheckInput({ id: "x", name: "x", ttl: "1s" }, "check", { serviceId: "ghost", serviceName: "", ordinal: 0, single: true });
  await t.rejects(local.registerCheck(forGhost), { name: "NotFoundError", message: /ServiceID "ghost" does not exist/ });
});

t.test("local checks: resync writes the services and checks this agent holds back, with their latest results", async (t) => {
  const { backend, local } = await setup(t);
  await local.register(parseServiceInput({ name: "web", port: 80, check: { ttl: "10s" }, heartbeat: false }, "127.0.0.1"));
  await local.registerCheck(nodeCheck("disk"));
  const extra = parseCheckInput({ id: "deep", name: "deep", ttl: "10s" }, "check", { serviceId: "web", serviceName: "web", ordinal: 0, single: true });
  await local.registerCheck(extra);
  await local.updateCheck("disk", "warning", "80% full");
  await local.updateCheck("deep", "passing", "fine");
  await backend.propose({ op: "deregister", node: "n1", serviceId: "web" });
  await backend.propose({ op: "deregister", node: "n1", checkId: "disk" });
  t.same(ids(backend), ["serfHealth"], "the catalog lost them (as after a restore of an older snapshot)");
  await local.resync();
  t.same(ids(backend), ["deep", "disk", "serfHealth", "service:web"]);
  t.match(backend.catalog.state.check("n1", "disk"), { status: "warning", output: "80% full" });
  t.match(backend.catalog.state.check("n1", "deep"), { status: "passing", serviceId: "web" });
  t.equal(backend.catalog.state.serviceNodes("web").length, 1);
  t.equal(await local.deregister("web"), true);
  t.same(ids(backend), ["disk", "serfHealth"], "a service's added checks leave with it");
  await t.rejects(local.updateCheck("deep", "passing", undefined), { name: "NotFoundError" });
});
