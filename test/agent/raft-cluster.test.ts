import t from "tap";
import { Agent } from "../../lib/index.js";
import { freePorts, tempDir, waitFor } from "./helpers.js";

async function cluster(t: Tap.Test, size: number, dataDirs = false): Promise<{ agents: Agent[]; addrs: string[]; start: (i: number) => Promise<Agent> }> {
  const ports = await freePorts(size);
  const addrs = ports.map((p) => `127.0.0.1:${p}`);
  const dirs = dataDirs ? await Promise.all(addrs.map((_, i) => tempDir(`raft${i}`))) : [];
  const agents: Agent[] = [];
  const start = async (i: number): Promise<Agent> => {
    const agent = await Agent.start({
      mode: "raft", server: true, node: `s${i}`, rpc: addrs[i], join: addrs.filter((_, j) => j !== i),
      bootstrapExpect: size, dataDir: dirs[i], http: "127.0.0.1:0",
    });
    agents[i] = agent;
    return agent;
  };
  await Promise.all(addrs.map((_, i) => start(i)));
  t.teardown(() => Promise.all(agents.map((a) => a.close())));
  // The library never holds the event loop; the test does while the cluster runs.
  const keepAlive = setInterval(() => {}, 1000);
  t.teardown(() => clearInterval(keepAlive));
  return { agents, addrs, start };
}

t.test("raft: three servers elect one leader and replicate KV and registrations to every replica", async (t) => {
  const { agents } = await cluster(t, 3);
  await waitFor(() => agents.every((a) => a.raft.leader() !== undefined) &&
    new Set(agents.map((a) => a.raft.leader()!.address)).size === 1, 10_000, "one agreed leader");
  t.equal(agents[0]!.raft.peers().length, 3);
  for (let i = 0; i < 3; i++) t.equal(await agents[i]!.kv.put(`from/${i}`, `v${i}`), true, `write through server ${i}`);
  for (const a of agents) {
    t.same((await a.kv.list("from/")).map((p) => p.value.toString()), ["v0", "v1", "v2"], `${a.node} reads all writes (default consistency)`);
  }
  await agents[1]!.register({ name: "api", port: 9000, check: { ttl: "10s" } });
  const api = agents[2]!.discover("api");
  await api.ready();
  t.match(api.pick(), { node: "s1", port: 9000 }, "a registration on one server is discovered through another");
  api.close();
  const stale = await agents[2]!.kv.get("from/0", { consistency: "stale" });
  t.equal(stale?.value.toString(), "v0");
  const leaderAddr = agents[0]!.raft.leader()!.address;
  const follower = agents.find((a) => (a as unknown as { options: { rpc: string } }).options.rpc !== leaderAddr)!;
  const res = await fetch(`http://127.0.0.1:${follower.httpAddress!.port}/v1/kv/from/0?stale`);
  await res.arrayBuffer();
  t.equal(res.headers.get("x-consul-knownleader"), "true");
  t.ok(/^\d+$/.test(res.headers.get("x-consul-lastcontact") ?? ""), `a stale read reports its lag: ${res.headers.get("x-consul-lastcontact")} ms`);
  t.equal(res.headers.get("x-consul-effective-consistency"), "stale");
  const leaderRes = await fetch(`http://127.0.0.1:${follower.httpAddress!.port}/v1/status/leader`);
  t.equal(await leaderRes.json(), leaderAddr, "/v1/status/leader names the leader's RPC address");
  const config = (await (await fetch(`http://127.0.0.1:${follower.httpAddress!.port}/v1/operator/raft/configuration`)).json()) as { Servers: Array<{ Address: string; Leader: boolean; Voter: boolean }> };
  t.equal(config.Servers.length, 3, "operator raft configuration lists the three voters");
  t.same(config.Servers.filter((s) => s.Leader).map((s) => s.Address), [leaderAddr]);
});

t.test("raft: the cluster survives the leader's loss and a restarted server catches up from its data dir", async (t) => {
  const { agents, start } = await cluster(t, 3, true);
  await waitFor(() => agents.every((a) => a.raft.leader() !== undefined), 10_000, "a leader");
  for (let i = 0; i < 20; i++) await agents[0]!.kv.put(`k/${i}`, `v${i}`);
  const leaderAddr = agents[0]!.raft.leader()!.address;
  const li = agents.findIndex((a) => (a as unknown as { options: { rpc: string } }).options.rpc === leaderAddr);
  t.ok(li >= 0, "found the leader");
  await agents[li]!.close();
  const survivors = agents.filter((_, i) => i !== li);
  await waitFor(() => survivors.every((a) => {
    const l = a.raft.leader();
    return l !== undefined && l.address !== leaderAddr;
  }), 10_000, "a new leader among the survivors");
  t.equal(await survivors[0]!.kv.put("after", "failover"), true, "writes succeed after failover");
  const back = await start(li);
  await waitFor(async () => (await back.kv.get("after", { consistency: "stale" }))?.value.toString() === "failover", 10_000, "the restarted server to catch up");
  t.equal((await back.kv.list("k/", { consistency: "stale" })).length, 20, "its own earlier writes came back from disk");
});

t.test("raft: removePeer shrinks the voters; autopilot removes a dead server of five", async (t) => {
  const ports = await freePorts(5);
  const addrs = ports.map((p) => `127.0.0.1:${p}`);
  const agents = await Promise.all(addrs.map((rpc, i) => Agent.start({
    mode: "raft", server: true, node: `s${i}`, rpc, join: addrs.filter((a) => a !== rpc), bootstrapExpect: 5,
    deadServerCleanupAfter: "1500ms",
  })));
  const keepAlive = setInterval(() => {}, 1000);
  t.teardown(async () => {
    clearInterval(keepAlive);
    await Promise.all(agents.map((a) => a.close()));
  });
  await waitFor(() => agents.every((a) => a.raft.leader() !== undefined), 10_000, "a leader");
  const leader = agents[0]!.raft.leader()!.address;
  const victim = addrs.find((a) => a !== leader)!;
  const vi = addrs.indexOf(victim);
  await agents[vi]!.close();
  await waitFor(() => agents[(vi + 1) % 5]!.raft.peers().length === 4, 10_000, "autopilot to remove the dead server");
  t.notOk(agents[(vi + 1) % 5]!.raft.peers().some((p) => p.address === victim), "the dead server is gone from the voters");
  const live = agents.filter((_, i) => i !== vi);
  const other = addrs.find((a, i) => a !== leader && i !== vi)!;
  // Ask through a server that is neither the leader nor the one removed, so the call is forwarded
  // and that server keeps receiving the new configuration.
  const asker = agents.find((_, i) => addrs[i] !== leader && i !== vi && addrs[i] !== other)!;
  t.equal(await asker.raft.removePeer(other), true, "removePeer, forwarded to the leader");
  await waitFor(() => asker.raft.peers().length === 3, 10_000, "the removal to apply");
  t.equal(await asker.raft.removePeer("127.0.0.1:1"), false, "not a voter");
  t.equal(await live.find((a) => a.raft.peers().some((p) => p.address === leader))!.kv.put("still", "works"), true);
});

t.test("raft: a client agent mirrors the catalog, forwards writes, reads its own writes, and discovers instances locally", async (t) => {
  const { agents, addrs } = await cluster(t, 3);
  await waitFor(() => agents.every((a) => a.raft.leader() !== undefined), 10_000, "a leader");
  const client = await Agent.start({ mode: "raft", server: false, node: "app-1", join: addrs, http: "127.0.0.1:0" });
  t.teardown(() => client.close());
  t.equal(await client.kv.put("client/key", "written by a client"), true);
  t.equal((await client.kv.get("client/key", { consistency: "stale" }))?.value.toString(), "written by a client", "read-your-writes on the local replica");
  t.equal((await agents[0]!.kv.get("client/key"))?.value.toString(), "written by a client", "servers have it");
  await client.register({ name: "app", port: 7000, check: { ttl: "10s" } });
  const fromServer = agents[1]!.discover("app");
  await fromServer.ready();
  t.match(fromServer.pick(), { node: "app-1", port: 7000 });
  fromServer.close();
  await agents[2]!.register({ name: "db", port: 5432, check: { ttl: "10s" } });
  const db = client.discover("db");
  await db.ready();
  t.match(db.pick(), { node: "s2", port: 5432 }, "a server's registration reaches the client's resolver by replication");
  db.close();
  t.equal((await client.kv.get("client/key", { consistency: "consistent" }))?.value.toString(), "written by a client", "consistent read via a server's ReadIndex");
  t.ok(client.raft.leader(), "the client knows the leader");
  t.equal(client.raft.peers().length, 3);
});

t.test("raft: a server far behind (its missing entries compacted on the leader) catches up by InstallSnapshot after a restart", async (t) => {
  const ports = await freePorts(3);
  const addrs = ports.map((p) => `127.0.0.1:${p}`);
  const dirs = await Promise.all(addrs.map((_, i) => tempDir(`snapcatch${i}`)));
  const start = (i: number): Promise<Agent> => Agent.start({
    mode: "raft", server: true, node: `s${i}`, rpc: addrs[i], join: addrs.filter((_, j) => j !== i),
    bootstrapExpect: 3, dataDir: dirs[i], snapshotThreshold: 20,
  });
  const agents = await Promise.all([0, 1, 2].map(start));
  const keepAlive = setInterval(() => {}, 1000);
  t.teardown(async () => {
    clearInterval(keepAlive);
    await Promise.all(agents.map((a) => a.close()));
  });
  await waitFor(() => agents.every((a) => a.raft.leader() !== undefined), 10_000, "a leader");
  const leaderAddr = agents[0]!.raft.leader()!.address;
  const lagger = addrs.findIndex((a) => a !== leaderAddr);
  await agents[lagger]!.close();
  const live = agents.filter((_, i) => i !== lagger);
  for (let i = 0; i < 150; i++) await live[i % 2]!.kv.put(`far/${i}`, `v${i}`);
  agents[lagger] = await start(lagger);
  await waitFor(async () => (await agents[lagger]!.kv.keys("far/", { consistency: "stale" })).length === 150, 15_000, "the restarted server to catch up");
  t.equal((await agents[lagger]!.kv.get("far/149", { consistency: "stale" }))?.value.toString(), "v149", "the newest write is there");
  t.equal((await agents[lagger]!.kv.get("far/0", { consistency: "stale" }))?.value.toString(), "v0", "and the oldest, which only a snapshot could bring (the log was compacted every 20 entries)");
});
