import t from "tap";
import dns2 from "dns2";
import { DnsResponder } from "../../../lib/api/dns/responder.js";
import { decodeQuery } from "../../../lib/api/dns/wire.js";
import { silentLogger } from "../../../lib/util/logger.js";
import { SeededRng } from "../../../lib/util/rng.js";
import { buildQuery } from "./helpers.js";
import { FakeSource } from "./fake-source.js";

const { Packet } = dns2;
const T = { A: 1, SOA: 6, TXT: 16, AAAA: 28, SRV: 33, ANY: 255, AXFR: 252 };

function responder(source: FakeSource, udpAnswerLimit = 3, seed = 1): DnsResponder {
  return new DnsResponder(source, { domainLabels: ["disco"], ttlSeconds: 0, udpAnswerLimit }, new SeededRng(seed), silentLogger);
}

/** Asks over UDP and decodes the answer with dns2 (a second, independent decoder of our encoding). */
function ask(r: DnsResponder, name: string, type: number, opts: Parameters<typeof buildQuery>[2] = {}) {
  const bytes = r.handleUdp(buildQuery(name, type, opts)) as Buffer | undefined;
  if (!bytes) throw new Error("no answer");
  const p = Packet.parse(bytes);
  if (p.errors.length) throw new Error(`dns2 could not decode our answer: ${p.errors[0]!.message}`);
  return { p, bytes };
}

function askTcp(r: DnsResponder, name: string, type: number) {
  const p = Packet.parse(r.handleTcp(decodeQuery(buildQuery(name, type))) as Buffer);
  if (p.errors.length) throw new Error(p.errors[0]!.message);
  return p;
}

const addresses = (p: InstanceType<typeof Packet>) => p.answers.map((a) => (a as unknown as { address: string }).address);

function webFarm(n: number): FakeSource {
  const s = new FakeSource().addNode("n1", "10.0.0.100");
  for (let i = 0; i < n; i++) s.add({ node: "n1", id: `web-${i}`, service: "web", address: `10.0.1.${i + 1}`, port: 8000 + i });
  return s;
}

t.test("dns answer: A records of passing instances only, at most udpAnswerLimit over UDP, all over TCP", async (t) => {
  const s = webFarm(6).add({ node: "n1", id: "sick", service: "web", address: "10.9.9.9", port: 1, status: "critical" })
    .add({ node: "n1", id: "meh", service: "web", address: "10.9.9.8", port: 1, status: "warning" });
  const r = responder(s);
  const { p } = ask(r, "web.service.disco", T.A);
  t.equal(p.header.rcode, 0);
  t.equal(p.header.aa, 1, "authoritative");
  t.equal(p.answers.length, 3, "udpAnswerLimit 3");
  t.ok(addresses(p).every((a) => a.startsWith("10.0.1.")), "no critical or warning instance");
  t.ok(p.answers.every((a) => a.name === "web.service.disco" && a.ttl === 0), "owner is the question, TTL 0");
  const tcp = askTcp(r, "web.service.disco", T.A);
  t.equal(tcp.answers.length, 6, "TCP carries every passing instance");
});

t.test("dns answer: order is random per response from the injected Rng, and every instance gets its turn", async (t) => {
  const r = responder(webFarm(10), 3, 7);
  const firsts = new Set<string>();
  const seen = new Set<string>();
  const sequence: string[] = [];
  for (let i = 0; i < 200; i++) {
    const got = addresses(ask(r, "web.service.disco", T.A, { id: i }).p);
    t.equal(new Set(got).size, 3, "three distinct addresses");
    firsts.add(got[0]!);
    got.forEach((a) => seen.add(a));
    sequence.push(got.join());
  }
  t.equal(seen.size, 10, "all 10 instances served over 200 cached answers");
  t.ok(firsts.size >= 8, `first position varies (${firsts.size} distinct)`);
  const again = responder(webFarm(10), 3, 7);
  const replay = Array.from({ length: 200 }, (_, i) => addresses(ask(again, "web.service.disco", T.A, { id: i }).p).join());
  t.same(replay, sequence, "the same seed replays the same order");
});

t.test("dns answer: SRV (RFC 2782) with priority 1 weight 1, node/addr/host targets, addresses in ADDITIONAL", async (t) => {
  const s = new FakeSource().addNode("n1", "10.0.0.1").addNode("n2", "2001:db8::2").add(
    { node: "n1", id: "a", service: "db", port: 5432 },
    { node: "n1", id: "b", service: "db", address: "10.0.0.1", port: 5433 },
    { node: "n2", id: "c", service: "db", port: 5434 },
    { node: "n1", id: "d", service: "db", address: "10.7.7.7", port: 5435 },
    { node: "n1", id: "e", service: "db", address: "db.example.com", port: 5436 },
  );
  const p = askTcp(responder(s), "_db._tcp.service.disco", T.SRV);
  const srv = p.answers.map((a) => a as unknown as { priority: number; weight: number; port: number; target: string });
  const byPort = new Map(srv.map((x) => [x.port, x]));
  t.equal(srv.length, 5);
  t.ok(srv.every((x) => x.priority === 1 && x.weight === 1));
  t.equal(byPort.get(5432)!.target, "n1.node.dc1.disco", "no own address: the node target");
  t.equal(byPort.get(5433)!.target, "n1.node.dc1.disco", "own address equal to the node's: the node target");
  t.equal(byPort.get(5434)!.target, "n2.node.dc1.disco");
  t.equal(byPort.get(5435)!.target, "0a070707.addr.dc1.disco", "own IP: Consul's hex .addr target");
  t.equal(byPort.get(5436)!.target, "db.example.com", "own host name: used as the target, resolved by the client");
  const extra = new Map(p.additionals.map((a) => [a.name, a as unknown as { type: number; address: string }]));
  t.equal(p.additionals.length, 3, "one address per distinct target; none for the host name");
  t.equal(extra.get("n1.node.dc1.disco")!.address, "10.0.0.1");
  t.equal(extra.get("n2.node.dc1.disco")!.type, T.AAAA);
  t.equal(extra.get("n2.node.dc1.disco")!.address, "2001:db8::2");
  t.equal(extra.get("0a070707.addr.dc1.disco")!.address, "10.7.7.7");
  const udp = ask(responder(s), "_db._tcp.service.disco", T.SRV).p;
  t.equal(udp.answers.length, 3, "UDP SRV answers are limited too");
  t.ok(udp.additionals.length >= 1 && udp.additionals.length <= 3);
});

t.test("dns answer: tag filters, in both the standard and the RFC 2782 form", async (t) => {
  const s = new FakeSource().addNode("n1", "10.0.0.1").add(
    { node: "n1", id: "a", service: "web", address: "10.0.0.2", port: 1, tags: ["v1"] },
    { node: "n1", id: "b", service: "web", address: "10.0.0.3", port: 2, tags: ["v2"] },
  );
  const r = responder(s);
  t.same(addresses(ask(r, "v1.web.service.disco", T.A).p), ["10.0.0.2"]);
  t.same(askTcp(r, "_web._v2.service.disco", T.SRV).answers.map((a) => (a as unknown as { port: number }).port), [2]);
  t.equal(ask(r, "v3.web.service.disco", T.A).p.header.rcode, 3, "no instance with the tag: NXDOMAIN");
});

t.test("dns answer: AAAA for IPv6 instances; a known name without the type is NOERROR/no data with the SOA", async (t) => {
  const s = new FakeSource().addNode("n1", "10.0.0.1").add({ node: "n1", id: "a", service: "v6", address: "::1", port: 1 });
  const r = responder(s);
  t.same(addresses(ask(r, "v6.service.disco", T.AAAA).p), ["::1"]);
  const a = ask(r, "v6.service.disco", T.A).p;
  t.equal(a.header.rcode, 0);
  t.equal(a.answers.length, 0);
  t.equal(a.authorities[0]?.type, T.SOA, "SOA in AUTHORITY (RFC 2308 §2.2)");
  t.equal(ask(r, "v6.service.disco", T.TXT).p.answers.length, 0, "service meta is not served as TXT ([issue #8733])");
});

t.test("dns answer: nodes answer A and TXT from meta (key=value; rfc1035- prefix gives the bare value)", async (t) => {
  const s = new FakeSource().addNode("n1", "10.0.0.1", { rack: "r1", "rfc1035-note": "hello", long: "x".repeat(300) });
  const r = responder(s);
  t.same(addresses(ask(r, "n1.node.disco", T.A).p), ["10.0.0.1"]);
  const txt = askTcp(r, "n1.node.dc1.disco", T.TXT).answers.map((a) => (a as unknown as { data: string[] | string }).data);
  const flat = txt.map((d) => (Array.isArray(d) ? d.join("") : d));
  t.same(flat, [`long=${"x".repeat(300)}`, "rack=r1", "hello"], "sorted by key; long values split into 255-byte strings");
  t.equal(askTcp(r, "n1.node.disco", T.ANY).answers.length, 4, "ANY: A and TXT");
  t.equal(ask(r, "n1.node.disco", T.AAAA).p.answers.length, 0);
});

t.test("dns answer: NXDOMAIN with the SOA for unknown names, services without passing instances, other datacenters", async (t) => {
  const s = webFarm(1).add({ node: "n1", id: "x", service: "down", address: "10.0.0.9", port: 1, status: "critical" });
  const r = responder(s);
  for (const name of ["nope.service.disco", "down.service.disco", "web.service.dc2.disco", "n9.node.disco", "x.disco", "n1.node.dc2.disco"]) {
    const { p } = ask(r, name, T.A);
    t.equal(p.header.rcode, 3, `${name}: NXDOMAIN`);
    const soa = p.authorities[0] as unknown as { name: string; primary: string; admin: string; serial: number } | undefined;
    t.equal(soa?.name, "disco", `${name}: SOA owned by the domain`);
    t.equal(soa?.primary, "ns.disco");
    t.equal(soa?.admin, "hostmaster.disco");
    t.equal(soa?.serial, s.idx, "serial is the catalog index");
  }
});

t.test("dns answer: the apex answers its SOA; addr names answer their address", async (t) => {
  const r = responder(webFarm(1));
  t.equal(ask(r, "disco", T.SOA).p.answers[0]?.type, T.SOA);
  t.equal(ask(r, "disco", T.A).p.authorities[0]?.type, T.SOA, "apex A: no data");
  t.same(addresses(ask(r, "0a000001.addr.dc1.disco", T.A).p), ["10.0.0.1"]);
  t.equal(ask(r, "0a000001.addr.disco", T.AAAA).p.answers.length, 0);
});

t.test("dns answer: REFUSED outside the domain, for other classes and for zone transfers; no recursion", async (t) => {
  const r = responder(webFarm(1));
  const out = ask(r, "example.com", T.A).p;
  t.equal(out.header.rcode, 5);
  t.equal(out.header.aa, 0, "not authoritative outside the domain");
  t.equal(out.header.ra, 0, "recursion not available");
  const chaos = buildQuery("web.service.disco", T.A);
  chaos.writeUInt16BE(3, chaos.length - 2); // class CH
  t.equal(Packet.parse(r.handleUdp(chaos) as Buffer).header.rcode, 5);
  t.equal(ask(r, "disco", T.AXFR).p.header.rcode, 5);
  t.equal(r.stats.refused, 3);
});

t.test("dns answer: a repeated query is a cache hit with its own ID, until the index moves", async (t) => {
  const s = webFarm(2);
  const r = responder(s);
  ask(r, "web.service.disco", T.A, { id: 1 });
  const reads = s.reads;
  const { p } = ask(r, "web.service.disco", T.A, { id: 0xabcd });
  t.equal(p.header.id, 0xabcd, "ID patched");
  t.equal(s.reads, reads, "no catalog read");
  t.equal(r.stats.cacheHits, 1);
  s.add({ node: "n1", id: "web-new", service: "web", address: "10.0.2.1", port: 1 });
  const after = askTcp(r, "web.service.disco", T.A);
  t.ok(addresses(after).includes("10.0.2.1"), "the new instance shows once the index moved");
  t.ok(s.reads > reads);
  t.same(r.cacheSize(), { exact: 0, canonical: 1 }, "the caches were emptied by the index move");
});

t.test("dns answer: datagrams differing only in an EDNS cookie share one cached answer", async (t) => {
  const s = webFarm(2);
  const r = responder(s);
  const withCookie = (cookie: number) => {
    const q = buildQuery("web.service.disco", T.A, { edns: 1232 });
    const option = Buffer.alloc(12);
    option.writeUInt16BE(10, 0); // COOKIE (RFC 7873)
    option.writeUInt16BE(8, 2);
    option.writeUInt32BE(cookie, 4);
    q.writeUInt16BE(12, q.length - 2); // OPT RDLENGTH
    return Buffer.concat([q, option]);
  };
  r.handleUdp(withCookie(1));
  const reads = s.reads;
  const p = Packet.parse(r.handleUdp(withCookie(2)) as Buffer);
  t.equal(p.answers.length, 2);
  t.equal(s.reads, reads, "answered from the cache without reading the catalog");
  t.same(r.cacheSize(), { exact: 2, canonical: 1 });
});

t.test("dns answer: question case is echoed as sent (0x20), lookups ignore keyword case", async (t) => {
  const r = responder(webFarm(1));
  const { p } = ask(r, "web.SeRvIcE.DiScO", T.A);
  t.equal(p.questions[0]!.name, "web.SeRvIcE.DiScO");
  t.equal(p.answers.length, 1);
});

t.test("dns answer: UDP answers over 512 bytes (or the EDNS size) set TC; TCP gets everything", async (t) => {
  const r = responder(webFarm(40), 1000);
  const plain = ask(r, "_web._tcp.service.disco", T.SRV, { edns: false });
  t.equal(plain.p.header.tc, 1, "TC set");
  t.ok(plain.bytes.length <= 512, `fits 512 bytes (${plain.bytes.length})`);
  t.ok(plain.p.answers.length > 0 && plain.p.answers.length < 40, "whole records that fit are kept");
  const edns = ask(r, "_web._tcp.service.disco", T.SRV, { edns: 1232 });
  t.equal(edns.p.header.tc, 1);
  t.ok(edns.bytes.length <= 1232 && edns.bytes.length > 512, `uses the EDNS size (${edns.bytes.length})`);
  const small = ask(r, "_web._tcp.service.disco", T.SRV, { edns: 100 });
  t.ok(small.bytes.length <= 512, "an EDNS size under 512 counts as 512 (RFC 6891 §6.2.5)");
  const tcp = askTcp(r, "_web._tcp.service.disco", T.SRV);
  t.equal(tcp.header.tc, 0);
  t.equal(tcp.answers.length, 40);
  t.equal(tcp.additionals.length, 40);
  t.equal(r.stats.truncated, 3);
});

t.test("dns answer: EDNS answers carry an OPT echoing DO; version 1 gets BADVERS (RFC 6891 §6.1.3)", async (t) => {
  const r = responder(webFarm(1));
  const q = buildQuery("web.service.disco", T.A, { edns: 4096 });
  q.writeUInt16BE(0x8000, q.length - 4);
  const p = Packet.parse(r.handleUdp(q) as Buffer);
  const opt = p.additionals.find((a) => a.type === 41) as unknown as { class: number; doFlag: boolean };
  t.equal(opt.class, 1232, "advertises our UDP size");
  t.equal(opt.doFlag, true);
  const v1 = buildQuery("web.service.disco", T.A, { edns: 4096 });
  v1[v1.length - 5] = 1; // version byte of the OPT TTL
  const bad = Packet.parse(r.handleUdp(v1) as Buffer);
  t.equal(bad.header.rcode, 16, "BADVERS = 16, high bits from the OPT");
  t.equal(r.stats.badvers, 1);
});

t.test("dns answer: a failing catalog gives SERVFAIL, which is not cached", async (t) => {
  const s = webFarm(1);
  const r = responder(s);
  s.failing = true;
  t.equal(ask(r, "web.service.disco", T.A).p.header.rcode, 2);
  s.failing = false;
  t.equal(ask(r, "web.service.disco", T.A).p.header.rcode, 0, "the next query reads again");
  t.equal(r.stats.servfail, 1);
});

t.test("dns answer: bad datagrams get FORMERR with their ID, NOTIMP for other opcodes, or nothing", async (t) => {
  const r = responder(webFarm(1));
  const zero = buildQuery("web.service.disco", T.A, { id: 0x4242 });
  zero.writeUInt16BE(0, 4);
  const formerr = Packet.parse(r.handleUdp(zero) as Buffer);
  t.equal(formerr.header.rcode, 1);
  t.equal(formerr.header.id, 0x4242);
  t.equal(formerr.questions.length, 0, "a malformed question is not echoed");
  const update = buildQuery("web.service.disco", T.A);
  update[2] = 5 << 3; // opcode UPDATE
  t.equal(Packet.parse(r.handleUdp(update) as Buffer).header.rcode, 4);
  t.equal(r.handleUdp(Buffer.alloc(5)), undefined, "shorter than a header: dropped");
  const response = buildQuery("web.service.disco", T.A);
  response[2]! |= 0x80;
  t.equal(r.handleUdp(response), undefined, "a response (QR set): dropped");
  t.equal(r.handleUdp(Buffer.alloc(2000)), undefined, "oversized: dropped");
  t.same([r.stats.formerr, r.stats.notimp, r.stats.dropped, r.stats.queries], [1, 1, 3, 5]);
});

t.test("dns answer: instances whose node name cannot be a DNS label are left out of SRV answers", async (t) => {
  const long = "n".repeat(70);
  const s = new FakeSource().addNode(long, "10.0.0.1").addNode("ok", "10.0.0.2").add(
    { node: long, id: "a", service: "svc", port: 1 },
    { node: "ok", id: "b", service: "svc", port: 2 },
    { node: "ok", id: "c", service: "svc", address: "not an address..", port: 3 },
  );
  const p = askTcp(responder(s), "svc.service.disco", T.SRV);
  t.same(p.answers.map((a) => (a as unknown as { port: number }).port), [2]);
});
