import t from "tap";
import { checkTimingsOf, checkTypeOf, parseCheckInput } from "../../lib/health/index.js";
import type { CheckParseContext } from "../../lib/health/index.js";
import { InvalidArgumentError } from "../../lib/util/errors.js";

const single: CheckParseContext = { serviceId: "web-1", serviceName: "web", ordinal: 0, single: true };
const fn = async (): Promise<void> => {};

t.test("parse: TTL check gets Consul's defaults (ID service:<id>, initial status critical)", async (t) => {
  const d = parseCheckInput({ ttl: "10s" }, "check", single);
  t.same(d, {
    id: "service:web-1", name: "Service 'web' check", notes: "", initialStatus: "critical",
    deregisterCriticalAfterMs: 0, serviceId: "web-1", kind: "ttl", ttlMs: 10_000,
  });
  t.equal(checkTypeOf(d), "ttl");
  t.same(checkTimingsOf(d), { intervalMs: 0, timeoutMs: 0, ttlMs: 10_000 });
});

t.test("parse: several checks are numbered service:<id>:<n> from 1 (Consul)", async (t) => {
  const d = parseCheckInput({ ttl: 5000 }, "checks[1]", { ...single, ordinal: 1, single: false });
  t.equal(d.id, "service:web-1:2");
});

t.test("parse: HTTP check with every option", async (t) => {
  const d = parseCheckInput({
    http: "https://127.0.0.1:8443/health", interval: "2s", timeout: "500ms", method: "post",
    header: { "X-Token": "abc", Accept: ["a", "b"] }, body: "{}", tlsSkipVerify: true,
    id: "web-http", name: "web over http", notes: "n", status: "passing", deregisterCriticalServiceAfter: "1m",
  }, "check", single);
  t.equal(d.kind, "http");
  if (d.kind !== "http") return;
  t.equal(d.url.href, "https://127.0.0.1:8443/health");
  t.equal(d.method, "POST");
  t.same(d.headers, { "x-token": ["abc"], accept: ["a", "b"] });
  t.equal(d.body, "{}");
  t.equal(d.tlsSkipVerify, true);
  t.match(d, { id: "web-http", name: "web over http", notes: "n", initialStatus: "passing", deregisterCriticalAfterMs: 60_000 });
  t.same(checkTimingsOf(d), { intervalMs: 2000, timeoutMs: 500, ttlMs: 0 });
});

t.test("parse: HTTP, TCP and fn checks default to GET and a 10 s timeout (Consul)", async (t) => {
  const h = parseCheckInput({ http: "http://localhost/", interval: "10s" }, "check", single);
  t.match(h, { kind: "http", method: "GET", timeoutMs: 10_000, tlsSkipVerify: false, headers: {} });
  t.notOk("body" in h, "no body unless given");
  const c = parseCheckInput({ tcp: "127.0.0.1:6379", interval: 1000 }, "check", single);
  t.match(c, { kind: "tcp", host: "127.0.0.1", port: 6379, intervalMs: 1000, timeoutMs: 10_000 });
  t.equal(checkTypeOf(c), "tcp");
  const v6 = parseCheckInput({ tcp: "[::1]:80", interval: "1s" }, "check", single);
  t.match(v6, { host: "::1", port: 80 });
  const f = parseCheckInput({ fn, interval: "100ms" }, "check", single);
  t.match(f, { kind: "function", intervalMs: 100, timeoutMs: 10_000 });
  t.equal(checkTypeOf(f), "function");
});

t.test("parse: keys set to undefined count as absent", async (t) => {
  const d = parseCheckInput({ ttl: "1s", http: undefined, notes: undefined }, "check", single);
  t.match(d, { kind: "ttl", notes: "" });
});

t.test("parse: bad input is an InvalidArgumentError naming the field", async (t) => {
  const cases: Array<[unknown, string]> = [
    [null, "check"],
    ["ttl", "check"],
    [[], "check"],
    [{}, "check"],
    [{ ttl: "1s", http: "http://x/" }, "check.http"],
    [{ tcp: "a:1", fn, interval: "1s" }, "check.fn"],
    [{ ttl: "1s", bogus: 1 }, "check.bogus"],
    [{ ttl: "1s", interval: "1s" }, "check.interval"],
    [{ ttl: "1s", timeout: "1s" }, "check.timeout"],
    [{ tcp: "a:1", interval: "1s", method: "GET" }, "check.method"],
    [{ ttl: "ten" }, "check.ttl"],
    [{ ttl: 0 }, "check.ttl"],
    [{ ttl: "30d" }, "check.ttl"],
    [{ http: "http://x/" }, "check.interval"],
    [{ http: "http://x/", interval: "50ms" }, "check.interval"],
    [{ http: "http://x/", interval: "1s", timeout: 0 }, "check.timeout"],
    [{ http: "http://x/", interval: "1s", timeout: "x" }, "check.timeout"],
    [{ http: "not a url", interval: "1s" }, "check.http"],
    [{ http: "ftp://x/", interval: "1s" }, "check.http"],
    [{ http: 42, interval: "1s" }, "check.http"],
    [{ http: "", interval: "1s" }, "check.http"],
    [{ http: "http://x/" + "a".repeat(3000), interval: "1s" }, "check.http"],
    [{ http: "http://x/", interval: "1s", method: "GE T" }, "check.method"],
    [{ http: "http://x/", interval: "1s", method: "X".repeat(40) }, "check.method"],
    [{ http: "http://x/", interval: "1s", header: "a" }, "check.header"],
    [{ http: "http://x/", interval: "1s", header: { "bad name": "v" } }, "check.header.bad name"],
    [{ http: "http://x/", interval: "1s", header: { a: 1 } }, "check.header.a"],
    [{ http: "http://x/", interval: "1s", header: { a: "x\r\ny: z" } }, "check.header.a"],
    [{ http: "http://x/", interval: "1s", header: { "Content-Length": "3" } }, "check.header.Content-Length"],
    [{ http: "http://x/", interval: "1s", header: { a: Array(40).fill("v") } }, "check.header.a"],
    [{ http: "http://x/", interval: "1s", header: Object.fromEntries(Array.from({ length: 70 }, (_, i) => [`h${i}`, "v"])) }, "check.header"],
    [{ http: "http://x/", interval: "1s", body: 5 }, "check.body"],
    [{ http: "http://x/", interval: "1s", body: "x".repeat(70_000) }, "check.body"],
    [{ http: "http://x/", interval: "1s", tlsSkipVerify: "yes" }, "check.tlsSkipVerify"],
    [{ tcp: "localhost", interval: "1s" }, "check.tcp"],
    [{ tcp: "localhost:0", interval: "1s" }, "check.tcp"],
    [{ tcp: "localhost:70000", interval: "1s" }, "check.tcp"],
    [{ tcp: "::1:80", interval: "1s" }, "check.tcp"],
    [{ fn: "not a function", interval: "1s" }, "check.fn"],
    [{ ttl: "1s", id: "" }, "check.id"],
    [{ ttl: "1s", id: 7 }, "check.id"],
    [{ ttl: "1s", name: "n".repeat(300) }, "check.name"],
    [{ ttl: "1s", notes: "n".repeat(2000) }, "check.notes"],
    [{ ttl: "1s", status: "ok" }, "check.status"],
    [{ ttl: "1s", deregisterCriticalServiceAfter: -1 }, "check.deregisterCriticalServiceAfter"],
  ];
  for (const [input, field] of cases) {
    t.throws(() => parseCheckInput(input, "check", single), { name: "InvalidArgumentError", field },
      `${JSON.stringify(input, (_k, v: unknown) => (typeof v === "function" ? "[fn]" : v))?.slice(0, 80)} → ${field}`);
  }
  try {
    parseCheckInput({ http: "http://x/", interval: "50ms" }, "service.checks[2]", single);
  } catch (err) {
    t.ok(err instanceof InvalidArgumentError, "typed");
    t.equal((err as InvalidArgumentError).field, "service.checks[2].interval", "field path starts at the caller's");
    t.match((err as Error).message, /at least 100ms/, "message states the bound");
  }
});
