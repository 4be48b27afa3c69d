import t, { type Test } from "tap";
import { Resolver } from "node:dns/promises";
import dns2 from "dns2";
import { buildQuery, dig, exchange, startFixture, type Fixture } from "./helpers.js";

const NODE_META = { rack: "r1", "rfc1035-spf": "v=spf1 -all" };

/** One agent (node n1, 127.0.0.1) with web ×4 (v1 on 0 and 2), db on its own IP, and a v6 instance. */
async function fixture(t: Test, dnsOptions = {}): Promise<Fixture & { regs: Awaited<ReturnType<Fixture["agent"]["register"]>>[] }> {
  const f = await startFixture(dnsOptions, { meta: NODE_META });
  t.teardown(() => f.close());
  const regs = [];
  for (let i = 0; i < 4; i++) {
    regs.push(await f.agent.register({
      name: "web", id: `web-${i}`, address: `10.0.0.${i + 1}`, port: 8080 + i, tags: i % 2 === 0 ? ["v1"] : ["v2"], check: { ttl: "60s" },
    }));
  }
  regs.push(await f.agent.register({ name: "db", id: "db-0", address: "10.1.0.1", port: 5432, check: { ttl: "60s" } }));
  regs.push(await f.agent.register({ name: "v6", id: "v6-0", address: "::1", port: 9000, check: { ttl: "60s" } }));
  return { ...f, regs };
}

t.test("dns server: dig gets A records of passing instances, at most 3 over UDP (udp_answer_limit)", async (t) => {
  const f = await fixture(t);
  const r = await dig(f.port, "web.service.disco", "A");
  t.equal(r.status, "NOERROR");
  t.ok(r.flags.includes("aa"), "authoritative");
  t.equal(r.transport, "UDP");
  t.equal(r.answer.length, 3);
  t.ok(r.answer.every((a) => a.type === "A" && /^10\.0\.0\.[1-4]$/.test(a.data) && a.ttl === 0));
  const tagged = await dig(f.port, "v1.web.service.dc1.disco", "A");
  t.same(tagged.answer.map((a) => a.data).sort(), ["10.0.0.1", "10.0.0.3"], "tag and datacenter in the name");
  const v6 = await dig(f.port, "v6.service.disco", "AAAA", "+short");
  t.match(v6.raw, /^::1$/m, "AAAA for an IPv6 instance");
});

t.test("dns server: dig SRV (RFC 2782 form) lists port and target with the target's A in ADDITIONAL", async (t) => {
  const f = await fixture(t);
  const r = await dig(f.port, "_db._tcp.service.disco", "SRV");
  t.equal(r.status, "NOERROR");
  t.same(r.answer.map((a) => a.data), ["1 1 5432 0a010001.addr.dc1.disco."]);
  t.same(r.additional.map((a) => [a.name, a.type, a.data]), [["0a010001.addr.dc1.disco.", "A", "10.1.0.1"]]);
  const web = await dig(f.port, "_web._v2.service.disco", "SRV", "+tcp");
  t.equal(web.transport, "TCP");
  t.same(web.answer.map((a) => a.data.split(" ")[2]).sort(), ["8081", "8083"]);
});

t.test("dns server: dig NODE.node gives its A and TXT records from node meta", async (t) => {
  const f = await fixture(t);
  const a = await dig(f.port, "n1.node.disco", "A");
  t.same(a.answer.map((x) => x.data), ["127.0.0.1"]);
  const txt = await dig(f.port, "n1.node.dc1.disco", "TXT");
  t.same(txt.answer.map((x) => x.data).sort(), ['"rack=r1"', '"v=spf1 -all"']);
});

t.test("dns server: dig gets NXDOMAIN with the SOA for unknown names and other datacenters; REFUSED outside", async (t) => {
  const f = await fixture(t);
  for (const name of ["nope.service.disco", "web.service.dc9.disco", "n2.node.disco"]) {
    const r = await dig(f.port, name, "A");
    t.equal(r.status, "NXDOMAIN", name);
    t.equal(r.authority[0]?.type, "SOA", `${name}: SOA in AUTHORITY`);
    t.match(r.authority[0]?.data, /^ns\.disco\. hostmaster\.disco\. \d+ 3600 600 86400 0$/);
  }
  const out = await dig(f.port, "example.com", "A");
  t.equal(out.status, "REFUSED");
  t.notOk(out.flags.includes("ra"), "no recursion available");
});

t.test("dns server: dig over TCP (+tcp) gets every instance, no answer limit", async (t) => {
  const f = await fixture(t);
  const r = await dig(f.port, "web.service.disco", "A", "+tcp");
  t.equal(r.transport, "TCP");
  t.equal(r.answer.length, 4);
});

t.test("dns server: UDP answers over the size budget set TC; dig retries over TCP and gets them all", async (t) => {
  const f = await startFixture({ udpAnswerLimit: 100 });
  t.teardown(() => f.close());
  for (let i = 0; i < 40; i++) {
    await f.agent.register({ name: "big", id: `big-${i}`, address: `10.2.0.${i + 1}`, port: 7000 + i, check: { ttl: "60s" } });
  }
  const raw = await dig(f.port, "big.service.disco", "SRV", "+ignore", "+bufsize=512");
  t.ok(raw.flags.includes("tc"), "TC set with a 512-byte EDNS size");
  t.ok(raw.answer.length > 0 && raw.answer.length < 40, `whole records that fit (${raw.answer.length})`);
  const plain = await dig(f.port, "big.service.disco", "SRV", "+ignore", "+noedns");
  t.ok(plain.flags.includes("tc"), "TC set without EDNS (512 bytes)");
  const retried = await dig(f.port, "big.service.disco", "SRV");
  t.match(retried.raw, /Truncated, retrying in TCP mode/);
  t.equal(retried.transport, "TCP");
  t.equal(retried.answer.length, 40);
  t.equal(retried.additional.filter((a) => a.type === "A").length, 40);
  t.ok(f.dns.stats().truncated >= 3);
});

t.test("dns server: an instance turning critical leaves the next answer (cache follows the index)", async (t) => {
  const f = await fixture(t);
  const before = await dig(f.port, "db.service.disco", "A");
  t.same(before.answer.map((a) => a.data), ["10.1.0.1"]);
  await dig(f.port, "db.service.disco", "A");
  const hits = f.dns.stats().cacheHits;
  t.ok(hits >= 1, "the repeated query was a cache hit");
  await f.regs[4]!.fail("down");
  const after = await dig(f.port, "db.service.disco", "A");
  t.equal(after.status, "NXDOMAIN", "no passing instance left");
  await f.regs[4]!.pass();
  const back = await dig(f.port, "db.service.disco", "A");
  t.same(back.answer.map((a) => a.data), ["10.1.0.1"], "and back once passing");
});

t.test("dns server: node:dns Resolver reads A, SRV and TXT, and sees NXDOMAIN as ENOTFOUND", async (t) => {
  const f = await fixture(t);
  const resolver = new Resolver({ timeout: 2000, tries: 1 });
  resolver.setServers([`127.0.0.1:${f.port}`]);
  const a = await resolver.resolve4("v1.web.service.disco");
  t.same(a.sort(), ["10.0.0.1", "10.0.0.3"]);
  const srv = await resolver.resolveSrv("_db._tcp.service.disco");
  t.same(srv, [{ name: "0a010001.addr.dc1.disco", port: 5432, priority: 1, weight: 1 }]);
  const txt = await resolver.resolveTxt("n1.node.disco");
  t.same(txt.map((x) => x.join("")).sort(), ["rack=r1", "v=spf1 -all"]);
  await t.rejects(resolver.resolve4("nope.service.disco"), { code: "ENOTFOUND" });
  await t.rejects(resolver.resolve4("example.com"), { code: "EREFUSED" });
  resolver.cancel();
});

t.test("dns server: dns2's UDP and TCP clients read the same answers", async (t) => {
  const f = await fixture(t);
  const udp = dns2.UDPClient({ dns: "127.0.0.1", port: f.port, timeout: 2000 });
  const a = await udp("web.service.disco", "A");
  t.equal(a.answers.length, 3);
  const tcp = dns2.TCPClient({ dns: "127.0.0.1", port: f.port });
  const all = await tcp("web.service.disco", "A");
  t.equal(all.answers.length, 4);
  const srv = await udp("_web._tcp.service.disco", "SRV");
  t.equal(srv.answers.length, 3);
  t.equal(srv.additionals.length, 3, "one A per SRV target");
  t.ok(srv.additionals.every((r) => r.type === 1 && /^0a00000[1-4]\.addr\.dc1\.disco$/.test(r.name)), "instances with their own IP: .addr targets");
});

t.test("dns server: a custom domain and TTL apply to every record", async (t) => {
  const f = await startFixture({ domain: "corp.", ttlSeconds: 15 });
  t.teardown(() => f.close());
  await f.agent.register({ name: "api", port: 80, check: { ttl: "60s" } });
  const r = await dig(f.port, "_api._tcp.service.corp", "SRV");
  t.same(r.answer.map((a) => [a.ttl, a.data]), [[15, "1 1 80 n1.node.dc1.corp."]], "node target: the service uses the node's address");
  t.same(r.additional.filter((a) => a.type === "A").map((a) => [a.name, a.ttl, a.data]), [["n1.node.dc1.corp.", 15, "127.0.0.1"]]);
  t.equal((await dig(f.port, "api.service.disco", "A")).status, "REFUSED", "the default domain is now outside");
});

t.test("dns server: UDP and TCP share the port; close() releases both and is idempotent", async (t) => {
  const f = await startFixture();
  t.equal(f.dns.address.udpPort, f.dns.address.tcpPort);
  t.equal(f.dns.address.host, "127.0.0.1");
  await Promise.all([f.dns.close(), f.dns.close()]);
  await f.agent.close();
  t.equal(await exchange(f.port, buildQuery("n1.node.disco", 1)), undefined, "nothing answers after close");
});
