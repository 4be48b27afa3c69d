import t from "tap";
import { randomBytes } from "node:crypto";
import { Agent } from "../../lib/index.js";
import { optionsFromEnv, resolveAgentOptions } from "../../lib/agent/options.js";
import { ClientWan, WAN_DATACENTERS_REFRESH_MS } from "../../lib/agent/wan-client.js";
import { answerWanRequest } from "../../lib/agent/wan-federation.js";
import { WAN_FORWARD_MARGIN_MS, WAN_FORWARD_TIMEOUT_MS, type WanRequest } from "../../lib/agent/wan.js";
import { RemoteError } from "../../lib/transport/tcp.js";
import { silentLogger } from "../../lib/util/logger.js";
import { SimTimers, runUntil } from "../sim/multi-dc-net.js";
import { freePorts, waitFor } from "./helpers.js";

// The library never holds the event loop open (its timers are unref'd); a test that waits on it does.
const keepAlive = setInterval(() => {}, 1000);
t.teardown(() => clearInterval(keepAlive));

t.test("options: the WAN options belong to raft servers, and joining needs bindWan; each bad one is named", async (t) => {
  const server = { mode: "raft" as const, server: true, rpc: "127.0.0.1:8300" };
  t.match(resolveAgentOptions({ ...server, bindWan: "127.0.0.1:0", joinWan: ["10.0.0.1:8302"], retryJoinWan: ["10.0.0.2:8302"] }), {
    bindWan: "127.0.0.1:0", joinWan: ["10.0.0.1:8302"], retryJoinWan: ["10.0.0.2:8302"],
  });
  t.match(resolveAgentOptions(server), { bindWan: undefined, joinWan: [], retryJoinWan: [] });
  t.throws(() => resolveAgentOptions({ bindWan: "127.0.0.1:0" }), { name: "InvalidConfigError", field: "bindWan", message: /only raft servers/ });
  t.throws(() => resolveAgentOptions({ mode: "raft", server: false, join: ["127.0.0.1:8300"], retryJoinWan: ["10.0.0.1:8302"] }), { field: "retryJoinWan" });
  t.throws(() => resolveAgentOptions({ joinWan: ["10.0.0.1:8302"] }), { field: "joinWan" });
  t.throws(() => resolveAgentOptions({ ...server, joinWan: ["10.0.0.1:8302"] }), { name: "InvalidConfigError", field: "bindWan", message: /needs a WAN gossip address/ });
  t.throws(() => resolveAgentOptions({ ...server, bindWan: "nope" }), { field: "bindWan" });
  t.throws(() => resolveAgentOptions({ ...server, bindWan: "127.0.0.1:0", joinWan: ["bad"] }), { field: "joinWan[0]" });
  t.throws(() => resolveAgentOptions({ ...server, bindWan: "127.0.0.1:0", retryJoinWan: "10.0.0.1:8302" }), { field: "retryJoinWan" });
  t.match(optionsFromEnv({ DISCO_BIND_WAN: "0.0.0.0:8302", DISCO_JOIN_WAN: "10.0.0.1:8302, 10.0.0.2:8302" }), {
    bindWan: "0.0.0.0:8302", retryJoinWan: ["10.0.0.1:8302", "10.0.0.2:8302"],
  });
});

t.test("wan requests: a server answers pings, the datacenter list, its WAN address, forwarded requests and client relays; anything else is not its business", async (t) => {
  const seen: string[] = [];
  const ok = { status: 200, headers: {}, body: new Uint8Array() };
  const deps = {
    datacenter: "dc1", datacenters: () => ["dc1", "dc2"], wanAddress: () => "127.0.0.1:8302" as string | undefined,
    exchange: async () => (seen.push("exchange"), ok), forward: async (dc: string) => (seen.push(`forward ${dc}`), ok),
  };
  t.same(await answerWanRequest({ t: "wanPing", dc: "dc2" }, deps), { dc: "dc1" });
  t.same(await answerWanRequest({ t: "wanDatacenters" }, deps), ["dc1", "dc2"]);
  t.equal(await answerWanRequest({ t: "wanAddress" }, deps), "127.0.0.1:8302");
  t.equal(await answerWanRequest({ t: "wanAddress" }, { ...deps, wanAddress: () => undefined }), null);
  await answerWanRequest({ t: "http", r: { method: "GET", url: "/v1/catalog/services" } }, deps);
  await answerWanRequest({ t: "dcForward", dc: "dc3", r: { method: "PUT", url: "/v1/kv/x", body: new Uint8Array([1]) } }, deps);
  t.same(seen, ["exchange", "forward dc3"]);
  for (const bad of [undefined, null, "x", { t: "nope" }, { t: "http", r: { method: 1 } }, { t: "dcForward", dc: 3, r: { method: "GET", url: "/" } }, { t: "http", r: { method: "GET", url: "/", body: "x" } }]) {
    t.equal(answerWanRequest(bad, deps), undefined, `not a WAN request: ${JSON.stringify(bad)}`);
  }
});

t.test("client agent relay: hands requests naming another datacenter to a server with a bounded timeout, gives NoPathToDatacenterError back typed, and keeps the datacenter list", async (t) => {
  const timers = new SimTimers();
  const sent: { body: WanRequest; timeoutMs: number }[] = [];
  let list: unknown = ["dc2", "dc1", "dc3"];
  const relay = new ClientWan({
    datacenter: "dc1", timers, logger: silentLogger,
    request: async (body, o) => {
      sent.push({ body, timeoutMs: o.timeoutMs });
      if (body.t === "wanDatacenters") return list;
      if (body.t === "dcForward" && body.dc === "dc9") throw new RemoteError("NO_PATH_TO_DC", 'No path to datacenter "dc9": unknown datacenter');
      if (body.t === "dcForward" && body.dc === "dc8") throw new RemoteError("NO_LEADER", "no leader");
      return { status: 200, headers: {}, body: new Uint8Array() };
    },
  });
  t.same(relay.datacenters(), ["dc1"], "only its own until a server answered");
  relay.start();
  await runUntil(timers, 10);
  t.same(relay.datacenters(), ["dc1", "dc2", "dc3"], "the server's order, own datacenter first");
  list = "garbage";
  await runUntil(timers, WAN_DATACENTERS_REFRESH_MS + 10);
  t.same(relay.datacenters(), ["dc1", "dc2", "dc3"], "a bad answer keeps the last list");
  await relay.forward("dc2", { method: "GET", url: "/v1/catalog/services" });
  await relay.forward("dc2", { method: "GET", url: "/v1/health/service/web?index=4&wait=16s" });
  t.same(sent.filter((s) => s.body.t === "dcForward").map((s) => s.timeoutMs), [
    WAN_FORWARD_TIMEOUT_MS + WAN_FORWARD_MARGIN_MS, 16_000 + 1000 + 2 * WAN_FORWARD_MARGIN_MS,
  ], "bounded beyond the server's own bound, never a hang");
  await t.rejects(relay.forward("dc9", { method: "GET", url: "/" }), { name: "NoPathToDatacenterError", datacenter: "dc9", message: 'No path to datacenter "dc9": unknown datacenter' });
  await t.rejects(relay.forward("dc8", { method: "GET", url: "/" }), { name: "RemoteError", code: "NO_LEADER" });
  t.throws(() => relay.members(), { name: "WanUnavailableError", code: "NOT_SUPPORTED" });
  await t.rejects(relay.join(), { name: "WanUnavailableError" });
  t.equal(relay.address, undefined);
  await relay.leave();
  await relay.close();
  const before = sent.length;
  await runUntil(timers, 5 * WAN_DATACENTERS_REFRESH_MS);
  t.equal(sent.length, before, "no refresh after close");
});

/** A one-server raft datacenter with WAN gossip. */
async function server(t: Tap.Test, dc: string, extra: Record<string, unknown> = {}): Promise<Agent> {
  const [port] = await freePorts(1);
  const agent = await Agent.start({ mode: "raft", server: true, datacenter: dc, node: "s", rpc: `127.0.0.1:${port}`, bindWan: "127.0.0.1:0", ...extra });
  t.teardown(() => agent.close());
  return agent;
}

function wanAddress(agent: Agent): string {
  const self = agent.members({ wan: true }).find((m) => m.name === `${agent.node}.${agent.datacenter}`)!;
  return `${self.address}:${self.port}`;
}

t.test("agent: WAN gossip uses the LAN pool's key and label: another key or label cannot join; the same can, and both see NODE.DC members", async (t) => {
  const key = randomBytes(32).toString("base64");
  const dc2 = await server(t, "dc2", { encrypt: key, label: "prod" });
  await t.rejects(server(t, "dc3", { encrypt: randomBytes(32).toString("base64"), label: "prod", joinWan: [wanAddress(dc2)] }), { name: "JoinError" });
  await t.rejects(server(t, "dc4", { encrypt: key, label: "staging", joinWan: [wanAddress(dc2)] }), { name: "JoinError" });
  const dc1 = await server(t, "dc1", { encrypt: key, label: "prod", joinWan: [wanAddress(dc2)] });
  t.match(dc1.members({ wan: true }).map((m) => [m.name, m.status, m.tags["dc"], m.tags["role"]]).sort(), [["s.dc1", "alive", "dc1", "server"], ["s.dc2", "alive", "dc2", "server"]]);
  await waitFor(() => dc2.members({ wan: true }).length === 2, 5000, "dc2 to see dc1");
  await waitFor(() => dc1.datacenters().length === 2, 5000, "dc1 to reach dc2");
  t.same(dc1.datacenters(), ["dc1", "dc2"]);
  await dc1.leave();
  await waitFor(() => dc2.members({ wan: true }).find((m) => m.name === "s.dc1")?.status === "left", 5000, "dc1's graceful WAN leave");
  t.equal(dc2.members({ wan: true }).find((m) => m.name === "s.dc1")?.status, "left", "a leaving server leaves the WAN pool too");
});

t.test("agent: WAN membership on agents that are not WAN members is a typed error; joinWan joins at run time", async (t) => {
  const [port] = await freePorts(1);
  const noWan = await Agent.start({ mode: "raft", server: true, datacenter: "dc5", node: "plain", rpc: `127.0.0.1:${port}` });
  t.teardown(() => noWan.close());
  t.throws(() => noWan.members({ wan: true }), { name: "WanUnavailableError", code: "NOT_SUPPORTED", message: /no bindWan/ });
  await t.rejects(noWan.joinWan(["127.0.0.1:1"]), { name: "WanUnavailableError" });
  t.same(noWan.datacenters(), ["dc5"]);
  const client = await Agent.start({ mode: "raft", server: false, datacenter: "dc5", node: "c", join: [`127.0.0.1:${port}`] });
  t.teardown(() => client.close());
  t.throws(() => client.members({ wan: true }), { name: "WanUnavailableError", message: /client agent/ });
  const dev = await Agent.start();
  t.teardown(() => dev.close());
  t.throws(() => dev.members({ wan: true }), { name: "WanUnavailableError", message: /only raft servers/ });
  await t.rejects(dev.remoteJson("dc2", "/v1/catalog/services"), { name: "NoPathToDatacenterError" });

  const a = await server(t, "dc6");
  const b = await server(t, "dc7");
  t.equal(await a.joinWan([wanAddress(b)]), 1);
  await waitFor(() => a.datacenters().length === 2 && b.datacenters().length === 2, 5000, "both to reach each other");
  t.same(b.datacenters(), ["dc7", "dc6"]);
});
