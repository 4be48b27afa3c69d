import t from "tap";
import {
  WanPool, WAN_FORWARD_MARGIN_MS, WAN_PING_INTERVAL_MS, WAN_PING_TIMEOUT_MS, WAN_SERVERS_PER_DC_MAX,
  WAN_UNREACHABLE_DETECTION_MS_MAX, blockingWaitOf, type WanRequest, type WanServer,
} from "../../lib/agent/wan.js";
import type { ForwardedResponse } from "../../lib/api/http/context.js";
import { RemoteError } from "../../lib/transport/tcp.js";
import { AbortedError, NoPathToDatacenterError, TimeoutError } from "../../lib/util/errors.js";
import { silentLogger } from "../../lib/util/logger.js";
import { SeededRng } from "../../lib/util/rng.js";
import { SimTimers, SimWan, runUntil } from "../sim/multi-dc-net.js";

const LATENCY = { "dc1|dc2": 20, "dc1|dc3": 70, "dc2|dc3": 45 };

/** A WAN of 2 or 3 datacenters of 3 servers, with a pool on dc1's first server. */
function world(dcs = ["dc1", "dc2", "dc3"], timing: { forwardTimeoutMs?: number } = {}) {
  const timers = new SimTimers();
  const net = new SimWan(timers, new SeededRng(7), LATENCY, 0);
  for (const dc of dcs) {
    net.addDatacenter(dc, 3);
    net.catalogs.get(dc)!.set(`${dc}-web`, "passing");
  }
  const home = net.servers[0]!;
  const pool = new WanPool({ datacenter: "dc1", servers: () => net.gossipView(), request: net.requester(home), timers, logger: silentLogger, ...timing });
  return { timers, net, pool, home };
}

/** A pool whose RPC requests a test answers by hand. */
function manual(servers: WanServer[], answer: (to: string, body: WanRequest, signal: AbortSignal | undefined) => Promise<unknown>, forwardTimeoutMs?: number) {
  const timers = new SimTimers();
  const sent: { to: string; body: WanRequest; timeoutMs: number }[] = [];
  const pool = new WanPool({
    datacenter: "dc1", servers: () => servers, timers, logger: silentLogger, ...(forwardTimeoutMs ? { forwardTimeoutMs } : {}),
    request: (to, body, o) => {
      sent.push({ to, body, timeoutMs: o.timeoutMs });
      return new Promise((resolve, reject) => {
        const timer = timers.after(o.timeoutMs, () => reject(new TimeoutError(`request to ${to} timed out`)));
        o.signal?.addEventListener("abort", () => {
          timer.cancel();
          reject(new AbortedError({ cause: o.signal?.reason }));
        }, { once: true });
        answer(to, body, o.signal).then((v) => {
          timer.cancel();
          resolve(v);
        }, (err: unknown) => {
          timer.cancel();
          reject(err);
        });
      });
    },
  });
  return { timers, pool, sent };
}

const OK: ForwardedResponse = { status: 200, headers: { "x-consul-index": "7" }, body: Buffer.from("[]") };
const never = (): Promise<never> => new Promise(() => {});
const dc2 = (n: number, status: WanServer["status"] = "alive"): WanServer => ({ name: `s${n}.dc2`, dc: "dc2", rpc: `10.0.2.${n}:8300`, status });

/** Settles a promise into a plain outcome, for asserting on it after simulated time passed. */
function outcome<T>(p: Promise<T>): { value?: T; error?: unknown; done: boolean } {
  const o: { value?: T; error?: unknown; done: boolean } = { done: false };
  p.then((v) => Object.assign(o, { value: v, done: true }), (e: unknown) => Object.assign(o, { error: e, done: true }));
  return o;
}

t.test("wan: datacenters() lists this one first, then the others by RTT (Consul's /v1/catalog/datacenters order); status() tells reachability", async (t) => {
  const { timers, pool } = world();
  t.same(pool.datacenters(), ["dc1", "dc2", "dc3"], "known from gossip before any ping: by name");
  pool.start();
  await runUntil(timers, 3 * WAN_PING_INTERVAL_MS);
  t.same(pool.datacenters(), ["dc1", "dc2", "dc3"]);
  t.match(pool.status(), [{ dc: "dc2", servers: 3, reachable: 3, rttMs: 40 }, { dc: "dc3", servers: 3, reachable: 3, rttMs: 140 }]);
  pool.close();
});

t.test("wan: the nearer datacenter comes first even when its name sorts last", async (t) => {
  const timers = new SimTimers();
  const net = new SimWan(timers, new SeededRng(1), { "dc1|dc2": 80, "dc1|dc3": 10, "dc2|dc3": 50 }, 0);
  for (const dc of ["dc1", "dc2", "dc3"]) net.addDatacenter(dc, 1);
  const pool = new WanPool({ datacenter: "dc1", servers: () => net.gossipView(), request: net.requester(net.servers[0]!), timers, logger: silentLogger });
  pool.start();
  await runUntil(timers, WAN_PING_INTERVAL_MS);
  t.same(pool.datacenters(), ["dc1", "dc3", "dc2"]);
  pool.close();
});

t.test("wan: a request that names an unknown datacenter fails at once with NoPathToDatacenterError", async (t) => {
  const { pool } = world();
  await t.rejects(pool.forward("dc9", { method: "GET", url: "/v1/catalog/services" }), { name: "NoPathToDatacenterError", datacenter: "dc9", message: /unknown datacenter/ });
  pool.close();
});

t.test("wan: a request right after the pool learned a datacenter waits for the first pings instead of failing", async (t) => {
  const { timers, pool } = world(["dc1", "dc2"]);
  const o = outcome(pool.forward("dc2", { method: "GET", url: "/v1/health/service/web?passing" }));
  await runUntil(timers, 200);
  t.ok(o.done);
  t.equal(o.value?.status, 200);
  t.match(JSON.parse(Buffer.from(o.value!.body).toString()), [{ Service: { ID: "dc2-web" } }], "the remote datacenter's answer");
  pool.close();
});

t.test("wan: a partitioned datacenter answers NoPathToDatacenterError within WAN_UNREACHABLE_DETECTION_MS_MAX, and forwarding resumes by itself after the heal", async (t) => {
  const { timers, net, pool } = world(["dc1", "dc2"]);
  pool.start();
  await runUntil(timers, WAN_PING_INTERVAL_MS);
  const blockingUrl = "/v1/health/service/web?index=5&wait=60s";
  t.equal(blockingWaitOf(blockingUrl), 60_000);
  const blocking = outcome(pool.forward("dc2", { method: "GET", url: blockingUrl }));
  const plainAt = timers.nowMs();
  net.setCut("dc1", "dc2", true);
  const plain = outcome(pool.forward("dc2", { method: "GET", url: "/v1/catalog/services" }));
  await runUntil(timers, plainAt + WAN_UNREACHABLE_DETECTION_MS_MAX + 1);
  t.ok(blocking.done && plain.done, "neither the blocking query nor the plain request hangs");
  t.match(blocking.error, { name: "NoPathToDatacenterError", datacenter: "dc2" }, "a blocking query in flight is cut short");
  t.match(plain.error, { name: "NoPathToDatacenterError", datacenter: "dc2" });
  const later = outcome(pool.forward("dc2", { method: "GET", url: "/v1/catalog/services" }));
  await runUntil(timers, timers.nowMs());
  t.match(later.error, { name: "NoPathToDatacenterError", message: /no server reachable/ }, "once known, it fails at once");
  t.same(pool.datacenters(), ["dc1", "dc2"], "still listed while gossip lists it");
  t.match(pool.status(), [{ dc: "dc2", reachable: 0, rttMs: Number.POSITIVE_INFINITY }]);
  net.setCut("dc1", "dc2", false);
  const healedAt = timers.nowMs();
  await runUntil(timers, healedAt + 2 * WAN_PING_INTERVAL_MS);
  const after = outcome(pool.forward("dc2", { method: "GET", url: "/v1/catalog/services" }));
  await runUntil(timers, timers.nowMs() + 100);
  t.equal(after.value?.status, 200, "forwarding resumed within two ping intervals of the heal");
  pool.close();
});

t.test("wan: a read moves on to the next server when one does not answer; that server is skipped until a ping says it is back", async (t) => {
  let slowAnswers = true;
  const { timers, pool, sent } = manual([dc2(1), dc2(2)], async (to, body) => {
    if (body.t === "wanPing") {
      // s1 answers pings faster, so it is tried first.
      await new Promise((r) => setImmediate(r));
      return { dc: "dc2" };
    }
    if (to === "10.0.2.1:8300" && slowAnswers) return never();
    return OK;
  }, 500);
  pool.start();
  await runUntil(timers, 10);
  const first = outcome(pool.forward("dc2", { method: "GET", url: "/v1/kv/x" }));
  await runUntil(timers, 600);
  t.equal(first.value?.status, 200, "answered by the second server after the first timed out");
  const httpTo = (): string[] => sent.filter((s) => s.body.t === "http").map((s) => s.to);
  t.same(httpTo(), ["10.0.2.1:8300", "10.0.2.2:8300"]);
  const second = outcome(pool.forward("dc2", { method: "GET", url: "/v1/kv/x" }));
  await runUntil(timers, 700);
  t.equal(second.value?.status, 200);
  t.same(httpTo().slice(2), ["10.0.2.2:8300"], "the silent server is skipped");
  slowAnswers = false;
  await runUntil(timers, WAN_PING_INTERVAL_MS + 10);
  t.match(pool.status(), [{ reachable: 2 }], "a good ping brings it back");
  pool.close();
});

t.test("wan: a write goes to one server only; when it gets no answer the caller sees that, not a second try", async (t) => {
  const { timers, pool, sent } = manual([dc2(1), dc2(2)], async (_to, body) => (body.t === "wanPing" ? { dc: "dc2" } : never()), 500);
  pool.start();
  await runUntil(timers, 10);
  const w = outcome(pool.forward("dc2", { method: "PUT", url: "/v1/kv/x", body: Buffer.from("v") }));
  await runUntil(timers, 600);
  t.match(w.error, { name: "TimeoutError" }, "the outcome is unknown: a write may have been applied");
  t.equal(sent.filter((s) => s.body.t === "http").length, 1);
  pool.close();
});

t.test("wan: a forwarded request's timeout covers a blocking query's wait, the remote jitter and a margin", async (t) => {
  const { timers, pool, sent } = manual([dc2(1)], async (_to, body) => (body.t === "wanPing" ? { dc: "dc2" } : OK));
  pool.start();
  await runUntil(timers, 10);
  await pool.forward("dc2", { method: "GET", url: "/v1/health/service/web?index=3&wait=32s" });
  await pool.forward("dc2", { method: "GET", url: "/v1/health/service/web?index=3&wait=5" });
  t.same(sent.filter((s) => s.body.t === "http").map((s) => s.timeoutMs), [32_000 + 2000 + WAN_FORWARD_MARGIN_MS, 5000 + 313 + WAN_FORWARD_MARGIN_MS]);
  t.equal(blockingWaitOf("/v1/kv/x?index=3"), 5 * 60_000, "Consul's default wait");
  t.equal(blockingWaitOf("/v1/kv/x?index=3&wait=nonsense"), 0);
  t.equal(blockingWaitOf("/v1/kv/x?wait=10s"), 0, "no index: not a blocking query");
  pool.close();
});

t.test("wan: an error the remote server answered with is passed on, not retried elsewhere", async (t) => {
  const { timers, pool, sent } = manual([dc2(1), dc2(2)], async (_to, body) => {
    if (body.t === "wanPing") return { dc: "dc2" };
    throw new RemoteError("NO_LEADER", "no cluster leader");
  });
  pool.start();
  await runUntil(timers, 10);
  await t.rejects(pool.forward("dc2", { method: "GET", url: "/v1/kv/x" }), { name: "RemoteError", code: "NO_LEADER" });
  t.equal(sent.filter((s) => s.body.t === "http").length, 1);
  pool.close();
});

t.test("wan: the caller's abort ends a forward with AbortedError", async (t) => {
  const { timers, pool } = manual([dc2(1)], async (_to, body) => (body.t === "wanPing" ? { dc: "dc2" } : never()));
  pool.start();
  await runUntil(timers, 10);
  const ac = new AbortController();
  const p = pool.forward("dc2", { method: "GET", url: "/v1/health/service/web?index=9" }, ac.signal);
  ac.abort();
  await t.rejects(p, { name: "AbortedError" });
  pool.close();
});

t.test("wan: a server that answers pings as another datacenter is never used", async (t) => {
  const { timers, pool } = manual([dc2(1)], async (_to, body) => (body.t === "wanPing" ? { dc: "dc7" } : OK));
  pool.start();
  await runUntil(timers, 10);
  await t.rejects(pool.forward("dc2", { method: "GET", url: "/" }), { name: "NoPathToDatacenterError", message: /no server reachable/ });
  pool.close();
});

t.test("wan: servers gossip lists as failed or left are not forwarded to; a read waiting on one moves on, and ends with NoPathToDatacenterError when none is left", async (t) => {
  const servers = [dc2(1), dc2(2)];
  const { timers, pool, sent } = manual(servers, async (_to, body) => (body.t === "wanPing" ? { dc: "dc2" } : never()));
  pool.start();
  await runUntil(timers, 10);
  const waiting = outcome(pool.forward("dc2", { method: "GET", url: "/v1/health/service/web?index=4&wait=60s" }));
  const httpTo = (): string[] => sent.filter((s) => s.body.t === "http").map((s) => s.to);
  const waitedOn = servers.find((s) => s.rpc === httpTo()[0])!;
  const other = servers.find((s) => s !== waitedOn)!;
  waitedOn.status = "failed";
  await runUntil(timers, WAN_PING_INTERVAL_MS + 10);
  t.notOk(waiting.done, "still waiting, now on the other server");
  t.same(httpTo(), [waitedOn.rpc, other.rpc]);
  other.status = "left";
  await runUntil(timers, 2 * WAN_PING_INTERVAL_MS + 10);
  t.ok(waiting.done, "ended once no alive server was left");
  t.match(waiting.error, { name: "NoPathToDatacenterError", message: /no longer an alive member/ });
  t.same(pool.datacenters(), ["dc1", "dc2"], "a failed member keeps its datacenter known");
  await t.rejects(pool.forward("dc2", { method: "GET", url: "/" }), { name: "NoPathToDatacenterError", message: /no server reachable/ });
  t.equal(httpTo().length, 2, "nothing was sent to the failed or the departed server");
  waitedOn.status = "left";
  t.same(pool.datacenters(), ["dc1"], "a datacenter whose servers all left is forgotten");
  await t.rejects(pool.forward("dc2", { method: "GET", url: "/" }), { message: /unknown datacenter/ });
  pool.close();
});

t.test("wan: the pool bounds what gossip can make it ping, and ignores members without a usable RPC address", async (t) => {
  const many = Array.from({ length: WAN_SERVERS_PER_DC_MAX + 5 }, (_, i) => dc2(i + 1));
  many.push({ name: "bad.dc2", dc: "dc2", rpc: "no-port", status: "alive" });
  const { timers, pool, sent } = manual(many, async () => ({ dc: "dc2" }));
  pool.start();
  await runUntil(timers, 10);
  t.equal(new Set(sent.map((s) => s.to)).size, WAN_SERVERS_PER_DC_MAX);
  t.notOk(sent.some((s) => s.to === "no-port"));
  pool.close();
});

t.test("wan: close() ends requests in flight with ClosedError and stops pinging", async (t) => {
  const { timers, pool, sent } = manual([dc2(1)], async (_to, body) => (body.t === "wanPing" ? { dc: "dc2" } : never()));
  pool.start();
  await runUntil(timers, 10);
  const p = pool.forward("dc2", { method: "GET", url: "/v1/health/service/web?index=2" });
  pool.close();
  pool.close();
  await t.rejects(p, { name: "ClosedError" });
  await t.rejects(pool.forward("dc2", { method: "GET", url: "/" }), { name: "ClosedError" });
  const pings = sent.length;
  await runUntil(timers, 5 * WAN_PING_INTERVAL_MS);
  t.equal(sent.length, pings, "no ping after close");
});

t.test("wan: bad timing options are config errors naming the field", async (t) => {
  const base = { datacenter: "dc1", servers: () => [], request: async () => undefined, timers: new SimTimers(), logger: silentLogger };
  t.throws(() => new WanPool({ ...base, pingIntervalMs: 0 }), { name: "InvalidConfigError", field: "pingIntervalMs" });
  t.throws(() => new WanPool({ ...base, pingTimeoutMs: 1.5 }), { name: "InvalidConfigError", field: "pingTimeoutMs" });
  t.throws(() => new WanPool({ ...base, forwardTimeoutMs: -1 }), { name: "InvalidConfigError", field: "forwardTimeoutMs" });
  t.ok(WAN_UNREACHABLE_DETECTION_MS_MAX === WAN_PING_INTERVAL_MS + WAN_PING_TIMEOUT_MS);
  t.ok(new NoPathToDatacenterError("x") instanceof Error);
});
