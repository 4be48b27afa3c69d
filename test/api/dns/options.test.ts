import t from "tap";
import { resolveDnsServerOptions } from "../../../lib/api/dns/options.js";
import { catalogDnsSource, checkDnsSource, type DnsSource } from "../../../lib/api/dns/source.js";
import { startDnsServer } from "../../../lib/api/dns/server.js";
import { FakeSource } from "./fake-source.js";

t.test("dns options: defaults are Consul's (TTL 0, udpAnswerLimit 3) with domain disco.", async (t) => {
  const o = resolveDnsServerOptions({ host: "127.0.0.1", port: 0 });
  t.equal(o.domain, "disco.");
  t.same(o.domainLabels, ["disco"]);
  t.equal(o.ttlSeconds, 0);
  t.equal(o.udpAnswerLimit, 3);
  const custom = resolveDnsServerOptions({ host: "::1", port: 8600, domain: "Service.Corp", ttlSeconds: 30, udpAnswerLimit: 10 });
  t.equal(custom.domain, "service.corp.", "lower-cased, trailing dot added");
  t.same(custom.domainLabels, ["service", "corp"]);
});

t.test("dns options: every bad option is an InvalidConfigError naming its field", async (t) => {
  const base = { host: "127.0.0.1", port: 0 };
  const cases: [string, Record<string, unknown>][] = [
    ["host", { host: "localhost" }],
    ["host", { host: 5 }],
    ["port", { port: 70000 }],
    ["port", { port: 1.5 }],
    ["domain", { domain: "." }],
    ["domain", { domain: "bad..name" }],
    ["domain", { domain: "under score!" }],
    ["domain", { domain: `${"a".repeat(64)}.com` }],
    ["domain", { domain: 3 }],
    ["ttlSeconds", { ttlSeconds: -1 }],
    ["ttlSeconds", { ttlSeconds: 86_401 }],
    ["udpAnswerLimit", { udpAnswerLimit: 0 }],
    ["udpAnswerLimit", { udpAnswerLimit: 1001 }],
    ["logger", { logger: { info: 1 } }],
    ["rng", { rng: {} }],
  ];
  for (const [field, patch] of cases) {
    t.throws(() => resolveDnsServerOptions({ ...base, ...patch } as never), { name: "InvalidConfigError", field }, `${field}: ${JSON.stringify(patch)}`);
  }
  t.throws(() => resolveDnsServerOptions(null as never), { name: "InvalidConfigError", field: "options" });
});

t.test("dns source: a malformed source is refused at start, naming the member", async (t) => {
  const good = new FakeSource();
  t.doesNotThrow(() => checkDnsSource(good));
  t.throws(() => checkDnsSource(null as never), { name: "InvalidArgumentError", field: "source" });
  const noDc = Object.assign(Object.create(FakeSource.prototype) as FakeSource, { datacenter: "" });
  t.throws(() => checkDnsSource(noDc), { name: "InvalidArgumentError", field: "source.datacenter" });
  t.throws(() => checkDnsSource({ datacenter: "dc1", healthService: () => [], node: () => undefined } as unknown as DnsSource),
    { name: "InvalidArgumentError", field: "source.index" });
  await t.rejects(startDnsServer({ datacenter: "dc1" } as DnsSource, { host: "127.0.0.1", port: 0 }), { name: "InvalidArgumentError" });
  await t.rejects(startDnsServer(good, { host: "nope", port: 0 }), { name: "InvalidConfigError", field: "host" });
});

t.test("dns source: catalogDnsSource reads the current state on every call", async (t) => {
  let state = { healthService: () => [], node: (n: string) => (n === "a" ? { node: "a" } : undefined), lastIndex: 5 };
  const source = catalogDnsSource("dc1", () => state as never);
  t.equal(source.index(), 5);
  t.same(source.node("a"), { node: { node: "a" } });
  t.equal(source.node("b"), undefined);
  t.same(source.healthService("x", { passingOnly: true }), []);
  state = { ...state, lastIndex: 9 };
  t.equal(source.index(), 9, "a swapped state is seen");
});
