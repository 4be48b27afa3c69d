import t from "tap";
import Consul from "consul";
import { Agent, type Member } from "../../../lib/index.js";
import { freePorts, waitFor } from "../../agent/helpers.js";
import { runIn } from "../../cli/helpers.js";

type Self = { Config: { Server: boolean; NodeName: string }; Member: { Name: string } | null; Stats: Record<string, Record<string, string>> };

const consulOf = (a: Agent): Consul => new Consul({ host: "127.0.0.1", port: a.httpAddress!.port });
const baseOf = (a: Agent): string => `http://127.0.0.1:${a.httpAddress!.port}`;

t.test("self in dev mode: the single server leads; join and force-leave need gossip (501 with the reason)", async (t) => {
  const agent = await Agent.start({ node: "n1", http: "127.0.0.1:0" });
  t.teardown(() => agent.close());
  const self = (await consulOf(agent).agent.self()) as Self;
  t.match(self, {
    Config: { Server: true, NodeName: "n1" }, Member: { Name: "n1" },
    Stats: {
      raft: { state: "Leader", num_peers: "0", term: "1" }, consul: { server: "true", leader: "true", known_datacenters: "1" },
      serf_lan: { members: "1", failed: "0" },
    },
  });
  for (const path of ["/v1/agent/join/127.0.0.1:8301", "/v1/agent/force-leave/n2"]) {
    const res = await fetch(baseOf(agent) + path, { method: "PUT" });
    t.equal(res.status, 501, path);
    t.match(await res.text(), /needs the gossip pool: start the agent with the bind option/);
  }
  await t.rejects(agent.join(["127.0.0.1:1"]), { name: "GossipRequiredError", code: "NOT_SUPPORTED" });
  const wan = await fetch(`${baseOf(agent)}/v1/agent/join/127.0.0.1:8302?wan=1`, { method: "PUT" });
  t.equal(wan.status, 501, "a dev agent has no WAN pool to join");
  t.match(await wan.text(), /only raft servers with bindWan join the WAN pool/);
});

t.test("raft + gossip: a client joins over the API, says it is not a server; force-leave takes a failed node out of the catalog", async (t) => {
  const keepAlive = setInterval(() => {}, 1000);
  t.teardown(() => clearInterval(keepAlive));
  const ports = await freePorts(3);
  const gossip = ports.map((p) => `127.0.0.1:${p}`);
  const servers = await Promise.all(gossip.map((bind, i) => Agent.start({
    mode: "raft", server: true, node: `s${i}`, bind, rpc: "127.0.0.1:0", join: gossip.filter((a) => a !== bind),
    bootstrapExpect: 3, gossipProfile: "local", http: "127.0.0.1:0",
  })));
  t.teardown(() => Promise.all(servers.map((s) => s.close())));
  await waitFor(() => servers.every((s) => s.raft.leader() !== undefined), 15_000, "a leader");
  const client = await Agent.start({ mode: "raft", server: false, node: "c1", bind: "127.0.0.1:0", gossipProfile: "local", http: "127.0.0.1:0" });
  t.teardown(() => client.close());
  t.equal(client.members().length, 1, "alone before joining");
  await consulOf(client).agent.join(gossip[0]!);
  await waitFor(() => client.members().filter((m) => m.status === "alive").length === 4, 10_000, "the client to see the servers");
  await waitFor(async () => ((await consulOf(client).agent.self()) as Self).Stats["consul"]!["known_servers"] === "3", 10_000, "the client to find the servers");

  const clientSelf = (await consulOf(client).agent.self()) as Self;
  t.match(clientSelf, { Config: { Server: false, NodeName: "c1" }, Member: { Name: "c1" }, Stats: { consul: { server: "false" }, serf_lan: { members: "4" } } });
  t.notOk("raft" in clientSelf.Stats, "a client has no raft section, as Consul");
  const info = await runIn(["info", `-http-addr=127.0.0.1:${client.httpAddress!.port}`]);
  t.match(info.stdout, /\nconsul:\n\tknown_datacenters = 1\n\tknown_servers = 3\n\tserver = false\n/);
  t.notMatch(info.stdout, /raft:/);

  const selves = await Promise.all(servers.map(async (s) => (await consulOf(s).agent.self()) as Self));
  const states = selves.map((self) => self.Stats["raft"]!);
  t.same(states.map((r) => r["state"]).sort(), ["Follower", "Follower", "Leader"], "one leader, two followers");
  t.ok(states.every((r) => r["num_peers"] === "2" && Number(r["commit_index"]) > 0), "each server counts two peers");
  t.ok(selves.every((self) => self.Config.Server && self.Stats["consul"]!["server"] === "true"));
  t.same(selves.map((self) => self.Stats["consul"]!["leader"]).sort(), ["false", "false", "true"]);

  const doomed = await Agent.start({ mode: "raft", server: false, node: "c2", bind: "127.0.0.1:0", join: [gossip[1]!], gossipProfile: "local" });
  await waitFor(async () => (await servers[0]!.catalog.nodes()).some((n) => n.node === "c2"), 10_000, "c2 in the catalog");
  const alive = await fetch(`${baseOf(servers[0]!)}/v1/agent/force-leave/c2`, { method: "PUT" });
  t.equal(alive.status, 200);
  t.ok((await servers[0]!.catalog.nodes()).some((n) => n.node === "c2"), "a live member is left alone (it would refute the leave)");
  const failed = new Promise<Member>((resolve) => servers[0]!.on("member-failed", (m) => m.name === "c2" && resolve(m)));
  await doomed.close(); // abrupt: gossip declares it failed
  await failed;
  await consulOf(servers[0]!).agent.forceLeave("c2");
  t.notOk((await servers[0]!.catalog.nodes()).some((n) => n.node === "c2"), "force-leave took the failed node out of the catalog");
  const unknown = await fetch(`${baseOf(servers[0]!)}/v1/agent/force-leave/ghost?prune`, { method: "PUT" });
  t.same([unknown.status, await unknown.text()], [500, 'No node found with name "ghost"'], "an unknown member: Consul's 500 and reason");
  const badJoin = await fetch(`${baseOf(client)}/v1/agent/join/not-an-address:99999`, { method: "PUT" });
  t.equal(badJoin.status, 400, "a malformed address is a bad request");
});

t.test("reload: answered by the host's `reload` listener; 501 when nothing listens; a failing reload is a 500", async (t) => {
  const agent = await Agent.start({ node: "n1", http: "127.0.0.1:0" });
  t.teardown(() => agent.close());
  const reload = (): Promise<Response> => fetch(`${baseOf(agent)}/v1/agent/reload`, { method: "PUT" });
  const none = await reload();
  t.equal(none.status, 501);
  t.match(await none.text(), /reloading configuration is not handled by this agent/);
  let reloaded = 0;
  const listener = (r: { waitUntil(p: Promise<unknown>): void }): void => r.waitUntil(new Promise((resolve) => setTimeout(() => resolve(++reloaded), 50)));
  agent.on("reload", listener);
  await consulOf(agent).agent.reload();
  t.equal(reloaded, 1, "the answer waited for the host's work");
  agent.off("reload", listener);
  agent.on("reload", (r) => r.waitUntil(Promise.reject(new Error("config.json: bad port"))));
  const failing = await reload();
  t.same([failing.status, await failing.text()], [500, "config.json: bad port"]);
});
