import t, { type Test } from "tap";
import { Agent } from "../../../lib/index.js";
import { freePorts, waitFor } from "../../agent/helpers.js";
import { dig } from "./helpers.js";

/** A server's WAN gossip address, from its own entry in the WAN pool (`NODE.DC`). */
function wanAddress(agent: Agent): string {
  const self = agent.members({ wan: true }).find((m) => m.name === `${agent.node}.${agent.datacenter}`)!;
  return `${self.address}:${self.port}`;
}

/** A one-server datacenter (enough for DNS across datacenters), with DNS when asked. */
async function datacenter(t: Test, dc: string, joinWan: string[] = [], dns = false): Promise<{ server: Agent; rpc: string }> {
  const [port] = await freePorts(1);
  const rpc = `127.0.0.1:${port}`;
  const server = await Agent.start({
    mode: "raft", server: true, datacenter: dc, node: `${dc}-s0`, rpc, bootstrapExpect: 1, bindWan: "127.0.0.1:0", joinWan,
    ...(dns ? { dns: "127.0.0.1:0", domain: "disco" } : {}),
  });
  t.teardown(() => server.close());
  await waitFor(() => server.raft.leader() !== undefined, 10_000, `a leader in ${dc}`);
  return { server, rpc };
}

/** Two datacenters in this process; dc1 serves DNS. */
async function twoDatacenters(t: Test) {
  const keepAlive = setInterval(() => {}, 1000);
  t.teardown(() => clearInterval(keepAlive));
  const dc2 = await datacenter(t, "dc2");
  const dc1 = await datacenter(t, "dc1", [wanAddress(dc2.server)], true);
  await waitFor(() => dc1.server.datacenters().includes("dc2"), 10_000, "dc1 to learn dc2");
  return { dc1, dc2, port: dc1.server.dnsAddress!.port };
}

t.test("dns across datacenters: NAME.service.DC, TAG.NAME.service.DC and _NAME._TAG.service.DC are answered by the remote datacenter (dig)", async (t) => {
  const { dc2, port } = await twoDatacenters(t);
  await dc2.server.register({ name: "billing", id: "b1", address: "10.2.0.1", port: 9100, tags: ["v1"], check: { ttl: "30s" } });
  await dc2.server.register({ name: "billing", id: "b2", address: "10.2.0.2", port: 9101, tags: ["v2"], check: { ttl: "30s" } });
  const a = await dig(port, "billing.service.dc2.disco", "A");
  t.equal(a.status, "NOERROR");
  t.ok(a.flags.includes("aa"));
  t.same(a.answer.map((r) => r.data).sort(), ["10.2.0.1", "10.2.0.2"]);
  t.same((await dig(port, "v1.billing.service.dc2.disco", "A")).answer.map((r) => r.data), ["10.2.0.1"], "tag form");
  t.same((await dig(port, "billing.service.dc2.dc.disco", "A")).answer.length, 2, "the .DC.dc form");
  const srv = await dig(port, "_billing._v2.service.dc2.disco", "SRV", "+tcp");
  t.equal(srv.transport, "TCP", "answered later over TCP too");
  t.same(srv.answer.map((r) => r.data), ["1 1 9101 0a020002.addr.dc2.disco."], "SRV target in the remote datacenter");
  t.same(srv.additional.map((r) => [r.name, r.data]), [["0a020002.addr.dc2.disco.", "10.2.0.2"]]);
  const none = await dig(port, "nope.service.dc2.disco", "A");
  t.equal(none.status, "NXDOMAIN", "no such service there");
  t.equal(none.authority[0]?.type, "SOA");
  const unknownDc = await dig(port, "billing.service.dc9.disco", "A");
  t.equal(unknownDc.status, "NXDOMAIN", "an unknown datacenter");
  t.equal(unknownDc.authority[0]?.type, "SOA");
});

t.test("dns prepared query: NAME.query serves local instances with the query's TTL, fails over to dc2, and moves back", async (t) => {
  const { dc1, dc2, port } = await twoDatacenters(t);
  const local = await dc1.server.register({ name: "web", id: "web-dc1", address: "10.1.0.1", port: 8001, check: { ttl: "30s" } });
  await dc2.server.register({ name: "web", id: "web-dc2", address: "10.2.0.3", port: 8002, check: { ttl: "30s" } });
  await dc1.server.query.create({ name: "web", service: { service: "web", failover: { nearestN: 1, datacenters: ["dc2"] } }, dns: { ttl: "5s" } });
  const first = await dig(port, "web.query.disco", "A");
  t.same(first.answer.map((r) => [r.data, r.ttl]), [["10.1.0.1", 5]], "local first, TTL from the query's DNS.TTL");
  await local.fail("down");
  await waitFor(async () => (await dig(port, "web.query.disco", "A")).answer[0]?.data === "10.2.0.3", 10_000, "failover to dc2");
  const srv = await dig(port, "web.query.disco", "SRV");
  t.same(srv.answer.map((r) => r.data), ["1 1 8002 0a020003.addr.dc2.disco."], "SRV of the failover instance names dc2");
  await local.pass("back");
  await waitFor(async () => (await dig(port, "web.query.disco", "A")).answer[0]?.data === "10.1.0.1", 10_000, "back to dc1");
  const nx = await dig(port, "nope.query.disco", "A");
  t.equal(nx.status, "NXDOMAIN", "an unknown query name");
  t.equal(nx.authority[0]?.type, "SOA");
  await dc2.server.query.create({ name: "web-dc2", service: { service: "web" } });
  t.same((await dig(port, "web-dc2.query.dc2.disco", "A")).answer.map((r) => r.data), ["10.2.0.3"], "NAME.query.DC runs the query stored there");
  t.equal((await dig(port, "web-dc1.query.dc2.disco", "A")).status, "NXDOMAIN", "no such query there");
});

t.test("dns across datacenters: a partitioned datacenter answers SERVFAIL within the remote timeout, not a hang", async (t) => {
  const { dc2, port } = await twoDatacenters(t);
  await dc2.server.register({ name: "billing", address: "10.2.0.1", port: 9100, check: { ttl: "30s" } });
  t.equal((await dig(port, "billing.service.dc2.disco", "A")).status, "NOERROR");
  const rpc = (dc2.server as unknown as { backend: { rpc: { setFilter(f: ((d: string, p: string) => boolean) | undefined): void } } }).backend.rpc;
  rpc.setFilter(() => false);
  t.teardown(() => rpc.setFilter(undefined));
  const started = Date.now();
  const cut = await dig(port, "other.service.dc2.disco", "A");
  const tookMs = Date.now() - started;
  t.equal(cut.status, "SERVFAIL");
  t.ok(tookMs < 2_900, `answered in ${tookMs} ms, before dig's 3 s timeout`);
  const again = await dig(port, "other.service.dc2.disco", "A");
  t.equal(again.status, "SERVFAIL", "the failure is remembered for a moment");
  const cached = await dig(port, "billing.service.dc2.disco", "A");
  t.same(cached.answer.map((r) => r.data), ["10.2.0.1"], "a name answered moments ago is still served from the cache");
});
