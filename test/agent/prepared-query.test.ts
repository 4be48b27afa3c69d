import t from "tap";
import { PreparedQueries, entriesFromJson, type PreparedQueryDeps } from "../../lib/agent/prepared-query.js";
import { Catalog } from "../../lib/catalog/catalog.js";
import type { CatalogCommand, CheckInput } from "../../lib/catalog/commands.js";
import type { DnsDeferred, DnsInstances } from "../../lib/api/dns/source.js";
import { NoPathToDatacenterError } from "../../lib/util/errors.js";
import { SeededRng } from "../../lib/util/rng.js";
import { ManualTimers } from "../../lib/util/timers.js";

/** A Consul /v1/health/service entry as another datacenter sends it. */
function remoteEntry(node: string, id: string, status: "passing" | "warning" | "critical" = "passing", tags: string[] = []) {
  return {
    Node: { ID: node, Node: node, Address: `10.9.0.${node.length}`, Datacenter: "", Meta: {}, CreateIndex: 1, ModifyIndex: 1 },
    Service: { ID: id, Service: "web", Tags: tags, Address: "", Port: 8080, Meta: {}, Weights: { Passing: 1, Warning: 1 }, CreateIndex: 1, ModifyIndex: 1 },
    Checks: [{ Node: node, CheckID: "serfHealth", Name: "Serf", Status: status, ServiceID: "", ServiceName: "", Output: "" }],
  };
}

/** A catalog behind a trivial backend, and a fake WAN: per datacenter, its entries or "down". */
function setup(remote: Record<string, unknown[] | "down"> = {}, dcs: string[] = ["dc1", ...Object.keys(remote)]) {
  const catalog = new Catalog({ datacenter: "dc1", timers: new ManualTimers() });
  let index = 1;
  const calls: string[] = [];
  const deps: PreparedQueryDeps = {
    backend: {
      catalog,
      propose: async (cmd: CatalogCommand) => catalog.apply(++index, cmd),
      readBarrier: async () => {},
    },
    datacenter: "dc1",
    datacenters: () => dcs,
    knowsDatacenter: (dc) => dcs.includes(dc),
    rng: new SeededRng(3),
    remoteJson: async (dc, url) => {
      calls.push(`${dc} ${url}`);
      const r = remote[dc];
      if (r === undefined || r === "down") throw new NoPathToDatacenterError(dc, "no server reachable");
      if (url.startsWith("/v1/query/")) {
        if (url.includes("/missing/")) throw new NoPathToDatacenterError(dc, "answered 404: Query not found");
        return { index: 9, body: { Service: "web", Nodes: r, DNS: { TTL: "4s" }, Datacenter: dc, Failovers: 0 } };
      }
      return { index: 9, body: r };
    },
  };
  const register = (id: string, status: CheckInput["status"], tags: string[] = [], node = "n1") => catalog.apply(++index, {
    op: "register", node: { node, address: "10.0.0.1" }, service: { id, service: "web", port: 80, tags },
    checks: [{ checkId: `service:${id}`, serviceId: id, status }],
  });
  return { q: new PreparedQueries(deps), catalog, register, calls };
}

t.test("prepared queries: create, list, get (by ID or name), update and delete, with typed errors", async (t) => {
  const { q } = setup();
  const id = await q.create({ name: "web-v1", service: { service: "web", tags: ["v1"] }, dns: { ttl: "10s" } });
  t.match(id, /^[0-9a-f-]{36}$/, "a UUID");
  t.match(await q.get(id), { id, name: "web-v1", dnsTtlMs: 10_000, service: { service: "web", tags: ["v1"] } });
  t.equal((await q.get("WEB-V1"))?.id, id);
  t.same((await q.list()).map((x) => x.id), [id]);
  await q.update(id, { name: "web-any", service: { service: "web" } });
  t.match(await q.get(id), { name: "web-any", dnsTtlMs: 0, service: { tags: [] } });
  await t.rejects(q.create({ name: "WEB-ANY", service: { service: "web" } }), { name: "InvalidArgumentError", message: /already used/ });
  await t.rejects(q.update("nope", { service: { service: "web" } }), { name: "NotFoundError" });
  await t.rejects(q.delete("nope"), { name: "NotFoundError" });
  await t.rejects(q.create({ service: { service: "" } }), { name: "InvalidArgumentError", field: "query.service.service" });
  await t.rejects(q.create({} as never), { name: "InvalidArgumentError", field: "query.service" });
  await t.rejects(q.create({ service: { service: "web", tags: "v1" } } as never), { name: "InvalidArgumentError", field: "query.service.tags" });
  await t.rejects(q.create({ service: { service: "web" }, dns: { ttl: "soon" } }), { name: "InvalidArgumentError", field: "query.dns.ttl" });
  await t.rejects(q.create({ service: { service: "web", failover: { nearestN: 1.5 } } }), { name: "InvalidArgumentError", field: "query.service.failover.nearestN" });
  await t.rejects(q.update("", { service: { service: "web" } }), { name: "InvalidArgumentError", field: "id" });
  await q.delete(id);
  t.same(await q.list(), []);
});

t.test("prepared queries: execute serves local instances that pass the filters, shuffled, with limit", async (t) => {
  const { q, register } = setup();
  register("a", "passing", ["v1"]);
  register("b", "warning", ["v1"]);
  register("c", "critical", ["v1"]);
  register("d", "passing", ["v1", "canary"]);
  register("e", "passing", ["v2"]);
  await q.create({ name: "stable", service: { service: "web", tags: ["v1", "!canary"] }, dns: { ttl: "3s" } });
  const r = await q.execute("stable");
  t.same(r.nodes.map((e) => e.service.id).sort(), ["a", "b"], "critical and excluded tags left out, warning kept");
  t.match(r, { service: "web", datacenter: "dc1", failovers: 0, dnsTtlMs: 3000, unreachable: [] });
  await q.create({ name: "strict", service: { service: "web", tags: ["v1"], onlyPassing: true } });
  t.same((await q.execute("strict")).nodes.map((e) => e.service.id).sort(), ["a", "d"], "OnlyPassing drops warning too");
  t.equal((await q.execute("strict", { limit: 1 })).nodes.length, 1);
  await t.rejects(q.execute("nope"), { name: "NotFoundError" });
  await t.rejects(q.execute("strict", { limit: -1 }), { name: "InvalidArgumentError", field: "limit" });
  await t.rejects(q.execute(""), { name: "InvalidArgumentError", field: "idOrName" });
});

t.test("prepared queries: with no local instance, failover tries the NearestN datacenters by RTT order, then the listed ones", async (t) => {
  const remote = { dc2: "down" as const, dc3: [remoteEntry("x", "web-x", "critical")], dc4: [remoteEntry("y", "web-y")], dc5: [remoteEntry("z", "web-z")] };
  const { q, register, calls } = setup(remote, ["dc1", "dc2", "dc3", "dc5", "dc4"]);
  register("a", "critical");
  await q.create({ name: "web", service: { service: "web", failover: { nearestN: 2, datacenters: ["dc3", "dc4", "dc5"] } } });
  const r = await q.execute("web");
  t.same(calls.map((c) => c.split(" ")[0]), ["dc2", "dc3", "dc4"], "nearest two (dc2, dc3), then the list without repeats");
  t.ok(calls.every((c) => c.includes("/v1/health/service/web?stale")), "stale reads, as Consul's DNS");
  t.match(r, { datacenter: "dc4", failovers: 3, unreachable: ["dc2"] });
  t.same(r.nodes.map((e) => [e.service.id, e.node.datacenter]), [["web-y", "dc4"]]);
  register("a", "passing");
  const back = await q.execute("web");
  t.match(back, { datacenter: "dc1", failovers: 0 }, "back to the local datacenter once it recovers");
  t.equal(calls.length, 3, "no remote call while local instances pass");
});

t.test("prepared queries: when every failover datacenter is empty or down, the result is empty and says which were unreachable", async (t) => {
  const { q } = setup({ dc2: "down", dc3: [] });
  await q.create({ name: "web", service: { service: "web", failover: { datacenters: ["dc2", "dc3"] } } });
  t.match(await q.execute("web"), { nodes: [], datacenter: "dc1", failovers: 2, unreachable: ["dc2"] });
});

t.test("prepared queries: execute with dc runs the query stored there; an unknown query there is NotFoundError", async (t) => {
  const { q, calls } = setup({ dc2: [remoteEntry("y", "web-y")] });
  const r = await q.execute("web", { dc: "dc2" });
  t.same(calls, ["dc2 /v1/query/web/execute"]);
  t.match(r, { datacenter: "dc2", dnsTtlMs: 4000, service: "web" });
  t.equal(r.nodes[0]?.node.datacenter, "dc2");
  await t.rejects(q.execute("missing", { dc: "dc2" }), { name: "NotFoundError" });
  await t.rejects(q.execute("web", { dc: "dc3" }), { name: "NoPathToDatacenterError" });
});

t.test("prepared queries: remote entries that are not shaped like health entries are left out", async (t) => {
  const good = remoteEntry("y", "web-y");
  const entries = entriesFromJson([
    good, null, { Node: {}, Service: {} }, { ...good, Service: { ...good.Service, Port: 70000 } },
    { ...good, Checks: [{ Status: "exploded" }] }, { ...good, Checks: [null] },
  ], "dc2");
  t.same(entries.map((e) => e.service.id), ["web-y"]);
  t.equal(entries[0]!.node.datacenter, "dc2", "an empty Datacenter is the one asked");
  t.throws(() => entriesFromJson({}, "dc2"), { name: "DiscoError", code: "PROTOCOL" });
});

const isDeferred = (x: DnsInstances | DnsDeferred | undefined): x is DnsDeferred => typeof (x as DnsDeferred | undefined)?.load === "function";

t.test("prepared queries for DNS: local answers at once; failover is deferred, keyed by the definition, SERVFAIL-worthy when all are down", async (t) => {
  const { q, register } = setup({ dc2: "down", dc3: [remoteEntry("y", "web-y")] });
  t.equal(q.dnsQuery("nope"), undefined, "unknown query: NXDOMAIN");
  const id = await q.create({ name: "web", service: { service: "web", failover: { datacenters: ["dc2", "dc3"] } }, dns: { ttl: "7s" } });
  register("a", "passing");
  t.match(q.dnsQuery("WEB"), { datacenter: "dc1", ttlSeconds: 7, entries: [{ service: { id: "a" } }] });
  register("a", "critical");
  const d = q.dnsQuery("web");
  if (!isDeferred(d)) throw new Error("expected a deferred answer");
  t.match(await d.load(new AbortController().signal), { datacenter: "dc3", ttlSeconds: 7, entries: [{ service: { id: "web-y" } }] });
  await q.update(id, { name: "web", service: { service: "web", failover: { datacenters: ["dc2"] } } });
  const d2 = q.dnsQuery("web");
  if (!isDeferred(d2)) throw new Error("expected a deferred answer");
  t.not(d2.key, d.key, "an edited query does not reuse the old answer");
  await t.rejects(d2.load(new AbortController().signal), /unreachable: dc2/, "every failover datacenter down: an error, not an empty answer");
  await q.create({ name: "local-only", service: { service: "web" } });
  t.match(q.dnsQuery("local-only"), { entries: [], datacenter: "dc1" }, "no failover: an empty local answer (NXDOMAIN)");
});

t.test("prepared queries for DNS: names of other datacenters are deferred lookups there, unknown datacenters undefined", async (t) => {
  const { q, calls } = setup({ dc2: [remoteEntry("y", "web-y", "passing", ["v1"])] });
  t.equal(q.dnsRemote({ kind: "service", dc: "dc9", service: "web", tag: undefined }), undefined);
  const d = q.dnsRemote({ kind: "service", dc: "dc2", service: "web", tag: "v1" })!;
  t.match(await d.load(new AbortController().signal), { datacenter: "dc2", entries: [{ service: { id: "web-y" } }] });
  t.match(calls[0], /^dc2 \/v1\/health\/service\/web\?stale=&passing=&tag=v1$/, "passing only, the tag asked of the remote server");
  const qd = q.dnsRemote({ kind: "query", dc: "dc2", name: "web" })!;
  t.match(await qd.load(new AbortController().signal), { datacenter: "dc2", ttlSeconds: 4 });
  t.equal(await q.dnsRemote({ kind: "query", dc: "dc2", name: "missing" })!.load(new AbortController().signal), undefined, "no such query there: NXDOMAIN");
  t.not(d.key, qd.key);
});
