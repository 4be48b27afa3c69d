import t from "tap";
import dns2 from "dns2";
import { DnsResponder } from "../../../lib/api/dns/responder.js";
import { resolveDnsServerOptions } from "../../../lib/api/dns/options.js";
import {
  REMOTE_ANSWER_FRESH_MS, REMOTE_ANSWER_STALE_FACTOR, REMOTE_FAILURE_HOLD_MS, REMOTE_LOADS_MAX, REMOTE_TIMEOUT_MS, REMOTE_WAITERS_MAX,
} from "../../../lib/api/dns/limits.js";
import { checkDnsSource, type DnsDeferred, type DnsInstances, type DnsRemoteLookup } from "../../../lib/api/dns/source.js";
import { decodeQuery } from "../../../lib/api/dns/wire.js";
import type { HealthEntry } from "../../../lib/catalog/types.js";
import { silentLogger } from "../../../lib/util/logger.js";
import { SeededRng } from "../../../lib/util/rng.js";
import { ManualTimers } from "../../../lib/util/timers.js";
import { FakeSource } from "./fake-source.js";
import { buildQuery } from "./helpers.js";

const { Packet } = dns2;
const T = { A: 1, SRV: 33 };
const RCODE = { NOERROR: 0, SERVFAIL: 2, NXDOMAIN: 3 };

function entry(node: string, address: string, port = 80): HealthEntry {
  return {
    node: { node, id: node, address: "10.9.9.9", datacenter: "dc2", meta: {}, createIndex: 1, modifyIndex: 1 },
    service: { node, id: `web-${node}`, service: "web", tags: [], address, port, meta: {}, weights: { passing: 1, warning: 1 }, createIndex: 1, modifyIndex: 1 },
    checks: [],
    status: "passing",
  };
}

/** A load the test settles by hand. */
interface Pending {
  key: string;
  signal: AbortSignal;
  resolve(data: DnsInstances | undefined): void;
  reject(err: Error): void;
}

/** A FakeSource with prepared queries and other datacenters whose loads the test controls. */
class RemoteSource extends FakeSource {
  readonly loads: Pending[] = [];
  /** Datacenters that exist (others: NXDOMAIN without a load). */
  dcs = new Set(["dc2"]);
  queries = new Map<string, DnsInstances | "failover">();
  lookups: DnsRemoteLookup[] = [];

  private deferred(key: string): DnsDeferred {
    return {
      key,
      load: (signal) => new Promise((resolve, reject) => this.loads.push({ key, signal, resolve, reject })),
    };
  }

  query(name: string): DnsInstances | DnsDeferred | undefined {
    const q = this.queries.get(name);
    return q === "failover" ? this.deferred(`query ${name}`) : q;
  }

  remote(lookup: DnsRemoteLookup): DnsDeferred | undefined {
    this.lookups.push(lookup);
    if (!this.dcs.has(lookup.dc)) return undefined;
    return this.deferred(lookup.kind === "service" ? `${lookup.dc} ${lookup.service} ${lookup.tag ?? ""}` : `${lookup.dc} q ${lookup.name}`);
  }
}

function setup(options: { remoteCacheMs?: number; remoteTimeoutMs?: number } = {}) {
  const source = new RemoteSource().addNode("n1", "10.0.0.1");
  const timers = new ManualTimers(1_000_000);
  const r = new DnsResponder(source, { domainLabels: ["disco"], ttlSeconds: 0, udpAnswerLimit: 3, ...options }, new SeededRng(1), silentLogger, timers);
  return { source, timers, r };
}

type Parsed = InstanceType<typeof Packet>;
const parse = (b: Buffer): Parsed => Packet.parse(b);
const addresses = (p: Parsed) => p.answers.map((a) => (a as unknown as { address: string }).address).sort();
/** Lets resolved loads run their continuations. */
const settle = () => new Promise((r) => setImmediate(r));

t.test("dns remote: NAME.service.DC waits for the remote load once, then answers from the cache without one", async (t) => {
  const { source, r } = setup();
  const first = r.handleUdp(buildQuery("web.service.dc2.disco", T.A, { id: 7 }));
  t.ok(first instanceof Promise, "a miss is answered asynchronously");
  t.same(source.lookups, [{ kind: "service", dc: "dc2", service: "web", tag: undefined }]);
  t.equal(source.loads.length, 1);
  source.loads[0]!.resolve({ entries: [entry("a", "10.2.0.1"), entry("b", "10.2.0.2")], datacenter: "dc2" });
  const p = parse(await first!);
  t.equal(p.header.id, 7);
  t.equal(p.header.rcode, RCODE.NOERROR);
  t.same(addresses(p), ["10.2.0.1", "10.2.0.2"]);
  const again = r.handleUdp(buildQuery("web.service.dc2.disco", T.A, { id: 8 }));
  t.ok(Buffer.isBuffer(again), "a fresh cached remote answer is synchronous");
  t.same(addresses(parse(again as Buffer)), ["10.2.0.1", "10.2.0.2"]);
  const srv = parse(r.handleTcp(decodeQuery(buildQuery("_web._tcp.service.dc2.disco", T.SRV))) as Buffer);
  t.same(srv.answers.map((a) => (a as unknown as { target: string }).target).sort(), ["0a020001.addr.dc2.disco", "0a020002.addr.dc2.disco"],
    "SRV targets name the remote datacenter; the same data serves SRV (no second load)");
  t.equal(source.loads.length, 1);
  t.equal(r.stats.deferred, 3);
});

t.test("dns remote: answers are fresh for remoteCacheMs, then served stale while one background refresh runs", async (t) => {
  const { source, timers, r } = setup();
  const ask = () => r.handleUdp(buildQuery("web.service.dc2.disco", T.A));
  const first = ask();
  source.loads[0]!.resolve({ entries: [entry("a", "10.2.0.1")], datacenter: "dc2" });
  await first;
  // The local index moving does not drop remote answers, and they were never in the index-bound caches.
  source.add({ node: "n1", id: "x", service: "other", port: 1 });
  t.ok(Buffer.isBuffer(ask()));
  t.equal(source.loads.length, 1);
  timers.advance(REMOTE_ANSWER_FRESH_MS);
  const stale = ask();
  t.ok(Buffer.isBuffer(stale), "past fresh: still answered at once");
  t.same(addresses(parse(stale as Buffer)), ["10.2.0.1"]);
  t.equal(source.loads.length, 2, "a background refresh started");
  ask();
  t.equal(source.loads.length, 2, "only one refresh at a time");
  source.loads[1]!.resolve({ entries: [entry("b", "10.2.0.9")], datacenter: "dc2" });
  await settle();
  t.same(addresses(parse(ask() as Buffer)), ["10.2.0.9"], "the refreshed answer");
  timers.advance(REMOTE_ANSWER_FRESH_MS * REMOTE_ANSWER_STALE_FACTOR);
  t.ok(ask() instanceof Promise, "past the stale window the query waits for a load again");
});

t.test("dns remote: an unreachable datacenter answers SERVFAIL, then SERVFAIL at once for a moment, then tries again", async (t) => {
  const { source, timers, r } = setup();
  const first = r.handleUdp(buildQuery("web.service.dc2.disco", T.A));
  source.loads[0]!.reject(new Error("no server reachable"));
  t.equal(parse(await first!).header.rcode, RCODE.SERVFAIL);
  const held = r.handleUdp(buildQuery("web.service.dc2.disco", T.A));
  t.ok(Buffer.isBuffer(held), "answered without waiting");
  t.equal(parse(held as Buffer).header.rcode, RCODE.SERVFAIL);
  t.equal(source.loads.length, 1, "no second load during the hold");
  timers.advance(REMOTE_FAILURE_HOLD_MS);
  const retry = r.handleUdp(buildQuery("web.service.dc2.disco", T.A));
  t.equal(source.loads.length, 2, "tried again after the hold");
  source.loads[1]!.resolve({ entries: [entry("a", "10.2.0.1")], datacenter: "dc2" });
  t.equal(parse(await retry!).header.rcode, RCODE.NOERROR);
  t.equal(r.stats.remoteFailures, 2);
  t.equal(r.stats.servfail, 2);
});

t.test("dns remote: a load that never ends answers SERVFAIL after remoteTimeoutMs and its signal is aborted (no hang)", async (t) => {
  const { source, timers, r } = setup({ remoteTimeoutMs: 1500 });
  const q = r.handleTcp(decodeQuery(buildQuery("web.service.dc2.disco", T.A)));
  t.ok(q instanceof Promise);
  timers.advance(1499);
  await settle();
  t.equal(source.loads[0]!.signal.aborted, false);
  timers.advance(1);
  t.equal(parse(await q).header.rcode, RCODE.SERVFAIL);
  t.equal(source.loads[0]!.signal.aborted, true, "the load is told to stop");
  t.equal(REMOTE_TIMEOUT_MS, 2000, "the default is under common resolver timeouts");
});

t.test("dns remote: queries for one name share one load; an unknown datacenter is NXDOMAIN without a load, and not cached", async (t) => {
  const { source, r } = setup();
  const many = Array.from({ length: 5 }, (_, i) => r.handleUdp(buildQuery("web.service.dc2.disco", T.A, { id: i })));
  t.equal(source.loads.length, 1);
  source.loads[0]!.resolve({ entries: [entry("a", "10.2.0.1")], datacenter: "dc2" });
  const answers = await Promise.all(many);
  t.same(answers.map((a) => parse(a!).header.id), [0, 1, 2, 3, 4]);
  const nx = parse(r.handleUdp(buildQuery("web.service.dc9.disco", T.A)) as Buffer);
  t.equal(nx.header.rcode, RCODE.NXDOMAIN);
  t.equal(nx.authorities[0]?.type, 6, "SOA in AUTHORITY");
  source.dcs.add("dc9");
  t.ok(r.handleUdp(buildQuery("web.service.dc9.disco", T.A)) instanceof Promise, "a datacenter learned later is asked at once");
  source.loads[1]!.resolve(undefined);
  await settle();
  t.equal(parse(r.handleUdp(buildQuery("web.service.dc9.disco", T.A)) as Buffer).header.rcode, RCODE.NXDOMAIN, "nothing there: NXDOMAIN");
});

t.test("dns query: NAME.query answers local instances with the query's TTL, NXDOMAIN+SOA when unknown, failover deferred", async (t) => {
  const { source, r } = setup();
  source.queries.set("web", { entries: [entry("a", "10.0.0.5")], datacenter: "dc1", ttlSeconds: 10 });
  const p = parse(r.handleUdp(buildQuery("web.query.disco", T.A)) as Buffer);
  t.same(addresses(p), ["10.0.0.5"]);
  t.ok(p.answers.every((a) => a.ttl === 10), "the query's DNS TTL");
  const srv = parse(r.handleTcp(decodeQuery(buildQuery("web.query.disco", T.SRV))) as Buffer);
  t.equal((srv.answers[0] as unknown as { target: string }).target, "0a000005.addr.dc1.disco");
  const nx = parse(r.handleUdp(buildQuery("nope.query.disco", T.A)) as Buffer);
  t.equal(nx.header.rcode, RCODE.NXDOMAIN);
  t.equal(nx.authorities[0]?.type, 6);
  source.queries.set("fo", "failover");
  const later = r.handleUdp(buildQuery("fo.query.disco", T.SRV));
  t.ok(later instanceof Promise);
  source.loads[0]!.resolve({ entries: [entry("z", "")], datacenter: "dc3", ttlSeconds: 5 });
  const fo = parse(await later!);
  t.same(fo.answers.map((a) => [(a as unknown as { target: string }).target, a.ttl]), [["z.node.dc3.disco", 5]], "node target in the failover datacenter");
  source.queries.set("empty", { entries: [], datacenter: "dc1", ttlSeconds: undefined });
  t.equal(parse(r.handleUdp(buildQuery("empty.query.disco", T.A)) as Buffer).header.rcode, RCODE.NXDOMAIN, "no instance: NXDOMAIN");
  const remote = r.handleUdp(buildQuery("web.query.dc2.disco", T.A));
  t.same(source.lookups.at(-1), { kind: "query", dc: "dc2", name: "web" }, "NAME.query.DC asks that datacenter");
  source.loads[1]!.resolve({ entries: [entry("y", "10.2.0.7")], datacenter: "dc2", ttlSeconds: 100_000_000 });
  const rp = parse(await remote!);
  t.same(addresses(rp), ["10.2.0.7"]);
  t.equal(rp.answers[0]!.ttl, 86_400, "a remote TTL is capped at a day");
});

t.test("dns remote: without query/remote in the source, such names answer NXDOMAIN as before", async (t) => {
  const source = new FakeSource().addNode("n1", "10.0.0.1");
  const r = new DnsResponder(source, { domainLabels: ["disco"], ttlSeconds: 0, udpAnswerLimit: 3 }, new SeededRng(1), silentLogger, new ManualTimers());
  for (const name of ["web.query.disco", "web.service.dc2.disco", "web.query.dc2.disco"]) {
    t.equal(parse(r.handleUdp(buildQuery(name, T.A)) as Buffer).header.rcode, RCODE.NXDOMAIN, name);
  }
});

t.test("dns remote: loads and waiting queries are bounded; past either, SERVFAIL at once", async (t) => {
  const { source, r } = setup();
  for (let i = 0; i < REMOTE_LOADS_MAX; i++) r.handleUdp(buildQuery(`s${i}.service.dc2.disco`, T.A));
  t.equal(source.loads.length, REMOTE_LOADS_MAX);
  const over = r.handleUdp(buildQuery("one-more.service.dc2.disco", T.A));
  t.equal(parse(await over!).header.rcode, RCODE.SERVFAIL, "too many loads");
  const waiting: Array<ReturnType<DnsResponder["handleUdp"]>> = [];
  for (let i = 0; waiting.length + REMOTE_LOADS_MAX < REMOTE_WAITERS_MAX; i++) waiting.push(r.handleUdp(buildQuery("s0.service.dc2.disco", T.A, { id: i })));
  const shed = r.handleUdp(buildQuery("s0.service.dc2.disco", T.A));
  t.ok(Buffer.isBuffer(shed), "past the waiter bound: answered at once");
  t.equal(parse(shed as Buffer).header.rcode, RCODE.SERVFAIL);
  r.close();
  const closed = await Promise.all(waiting);
  t.ok(closed.every((b) => parse(b!).header.rcode === RCODE.SERVFAIL), "close answers every waiting query SERVFAIL");
  t.ok(source.loads.every((l) => l.signal.aborted), "and aborts every load");
  t.same(r.remoteSize(), { entries: 0, loading: 0 });
});

t.test("dns options: remoteTimeoutMs, remoteCacheMs and timers are validated, naming the field", async (t) => {
  const base = { host: "127.0.0.1", port: 0 };
  t.match(resolveDnsServerOptions(base), { remoteTimeoutMs: REMOTE_TIMEOUT_MS, remoteCacheMs: REMOTE_ANSWER_FRESH_MS });
  t.throws(() => resolveDnsServerOptions({ ...base, remoteTimeoutMs: 0 }), { name: "InvalidConfigError", field: "remoteTimeoutMs" });
  t.throws(() => resolveDnsServerOptions({ ...base, remoteCacheMs: -1 }), { name: "InvalidConfigError", field: "remoteCacheMs" });
  t.throws(() => resolveDnsServerOptions({ ...base, timers: {} as never }), { name: "InvalidConfigError", field: "timers" });
  t.equal(resolveDnsServerOptions({ ...base, remoteCacheMs: 0 }).remoteCacheMs, 0, "0: fetch on every query");
  const source = new FakeSource();
  t.doesNotThrow(() => checkDnsSource(source), "query and remote are optional");
  t.throws(() => checkDnsSource(Object.assign(new FakeSource(), { query: 5 }) as never), { name: "InvalidArgumentError", field: "source.query" });
  t.throws(() => checkDnsSource(Object.assign(new FakeSource(), { remote: "x" }) as never), { name: "InvalidArgumentError", field: "source.remote" });
});
