import t from "tap";
import { Agent } from "../../lib/index.js";
import { freePorts, waitFor } from "./helpers.js";

/** A server's WAN gossip address, from its own entry in the WAN pool (`NODE.DC`). */
function wanAddress(agent: Agent): string {
  const self = agent.members({ wan: true }).find((m) => m.name === `${agent.node}.${agent.datacenter}`)!;
  return `${self.address}:${self.port}`;
}

async function datacenter(t: Tap.Test, dc: string, joinWan: string[] = []): Promise<{ servers: Agent[]; rpc: string[]; wan: string[] }> {
  const ports = await freePorts(3);
  const rpc = ports.map((p) => `127.0.0.1:${p}`);
  const servers = await Promise.all(rpc.map((addr, i) => Agent.start({
    mode: "raft", server: true, datacenter: dc, node: `${dc}-s${i}`, rpc: addr, join: rpc.filter((a) => a !== addr),
    bootstrapExpect: 3, http: "127.0.0.1:0", bindWan: "127.0.0.1:0", joinWan,
  })));
  t.teardown(() => Promise.all(servers.map((s) => s.close())));
  await waitFor(() => servers.every((s) => s.raft.leader() !== undefined), 10_000, `a leader in ${dc}`);
  return { servers, rpc, wan: servers.map(wanAddress) };
}

t.test("multi-dc: a service only in dc2 is found from dc1 over the SDK and HTTP; failover moves to dc2 and back", async (t) => {
  const keepAlive = setInterval(() => {}, 1000);
  t.teardown(() => clearInterval(keepAlive));
  const dc2 = await datacenter(t, "dc2");
  const dc1 = await datacenter(t, "dc1", [dc2.wan[0]!]);
  const client = await Agent.start({ mode: "raft", server: false, datacenter: "dc1", node: "app", join: dc1.rpc });
  t.teardown(() => client.close());
  const base1 = `http://127.0.0.1:${dc1.servers[0]!.httpAddress!.port}`;
  await waitFor(async () => ((await (await fetch(`${base1}/v1/catalog/datacenters`)).json()) as string[]).length === 2, 10_000, "dc1 to learn dc2");
  t.same(await (await fetch(`${base1}/v1/catalog/datacenters`)).json(), ["dc1", "dc2"], "own datacenter first");
  const base2 = `http://127.0.0.1:${dc2.servers[1]!.httpAddress!.port}`;
  await waitFor(async () => ((await (await fetch(`${base2}/v1/catalog/datacenters`)).json()) as string[]).length === 2, 10_000, "dc2 to learn dc1 back");

  await dc2.servers[0]!.register({ name: "billing", port: 9100, check: { ttl: "10s" } });
  const billing = client.discover("billing", { dc: "dc2" });
  await billing.ready();
  t.match(billing.pick(), { service: "billing", node: "dc2-s0", port: 9100 }, "SDK: a dc2-only service discovered from a dc1 client");
  const res = await fetch(`${base1}/v1/health/service/billing?dc=dc2&passing`);
  t.equal(res.status, 200);
  t.ok(Number(res.headers.get("x-consul-index")) > 0, "the remote index comes back");
  t.match(await res.json(), [{ Node: { Node: "dc2-s0", Datacenter: "dc2" }, Service: { Service: "billing" } }]);
  const changed = new Promise((resolve) => billing.once("change", resolve));
  await dc2.servers[1]!.register({ name: "billing", id: "billing-2", port: 9101, check: { ttl: "10s" } });
  await changed;
  t.equal(billing.instances().length, 2, "the remote resolver stays fresh through forwarded blocking queries");
  billing.close();
  const kvRes = await fetch(`${base1}/v1/kv/only-in-dc2?dc=dc2`, { method: "PUT", body: "x" });
  t.equal(await kvRes.text(), "true");
  t.equal(await dc1.servers[0]!.kv.get("only-in-dc2"), undefined, "KV is not replicated across datacenters");
  t.equal((await dc2.servers[2]!.kv.get("only-in-dc2"))?.value.toString(), "x");

  const local = await dc1.servers[1]!.register({ name: "web", id: "web-dc1", port: 8001, check: { ttl: "10s" } });
  await dc2.servers[2]!.register({ name: "web", id: "web-dc2", port: 8002, check: { ttl: "10s" } });
  const web = client.discover("web", { failover: ["dc2"] });
  await web.ready();
  await waitFor(() => web.instances().some((i) => i.id === "web-dc1"), 5000, "local instances first");
  await local.fail("down");
  await waitFor(() => web.instances().length === 1 && web.instances()[0]!.id === "web-dc2", 5000, "failover to dc2");
  await local.pass("back");
  await waitFor(() => web.instances().length === 1 && web.instances()[0]!.id === "web-dc1", 5000, "back to dc1 when it recovers");
  web.close();

  const unknown = await fetch(`${base1}/v1/health/service/web?dc=dc9`);
  t.equal(unknown.status, 500);
  t.match(await unknown.text(), /No path to datacenter/);
});

t.test("multi-dc: a WAN partition gives the typed error, not a hang, and heals by itself", async (t) => {
  const keepAlive = setInterval(() => {}, 1000);
  t.teardown(() => clearInterval(keepAlive));
  const dc2 = await datacenter(t, "dc2");
  const dc1 = await datacenter(t, "dc1", [dc2.wan[0]!]);
  const base1 = `http://127.0.0.1:${dc1.servers[0]!.httpAddress!.port}`;
  await waitFor(async () => (await fetch(`${base1}/v1/catalog/services?dc=dc2`)).status === 200, 10_000, "a path to dc2");
  const cut = (on: boolean): void => {
    for (const s of dc2.servers) {
      const rpc = (s as unknown as { backend: { rpc: { setFilter(f: ((d: string, p: string) => boolean) | undefined): void } } }).backend.rpc;
      rpc.setFilter(on ? (_d, peer) => dc2.rpc.includes(peer) : undefined);
    }
  };
  cut(true);
  const started = Date.now();
  let status = 200;
  let text = "";
  await waitFor(async () => {
    const res = await fetch(`${base1}/v1/catalog/services?dc=dc2`);
    status = res.status;
    text = await res.text();
    return status === 500;
  }, 20_000, "the partition to show");
  t.match(text, /No path to datacenter/);
  t.ok(Date.now() - started < 20_000, `answered within ${Date.now() - started} ms, no hang`);
  cut(false);
  await waitFor(async () => (await fetch(`${base1}/v1/catalog/services?dc=dc2`)).status === 200, 15_000, "healing");
  t.equal((await fetch(`${base1}/v1/catalog/services?dc=dc2`)).status, 200, "healed by itself");
});
