import t from "tap";
import Consul from "consul";
import { Agent } from "../../../lib/index.js";

async function startAgent(t: Tap.Test): Promise<{ agent: Agent; consul: Consul; base: string }> {
  const agent = await Agent.start({ node: "n1", http: "127.0.0.1:0" });
  t.teardown(() => agent.close());
  const { port } = agent.httpAddress!;
  return { agent, consul: new Consul({ host: "127.0.0.1", port }), base: `http://127.0.0.1:${port}` };
}

t.test("snapshot: GET saves with X-Consul-Index, PUT restores; data comes back, the index goes up, blocked readers wake", async (t) => {
  const { agent, consul, base } = await startAgent(t);
  await agent.register({ name: "web", port: 80 });
  await consul.kv.set("app/config", "v1");
  const saved = await fetch(`${base}/v1/snapshot`);
  t.equal(saved.status, 200);
  t.equal(saved.headers.get("content-type"), "application/octet-stream");
  const savedIndex = Number(saved.headers.get("x-consul-index"));
  t.ok(savedIndex > 1, `saved at index ${savedIndex}`);
  t.equal(saved.headers.get("x-consul-knownleader"), "true");
  const snapshot = Buffer.from(await saved.arrayBuffer());
  const stale = await fetch(`${base}/v1/snapshot?stale`);
  t.equal(stale.headers.get("x-consul-effective-consistency"), "stale");
  t.same(Buffer.from(await stale.arrayBuffer()), snapshot, "nothing changed in between: the same bytes");

  await consul.kv.set("app/config", "v2");
  await consul.kv.set("app/added", "x");
  await agent.register({ name: "api", port: 81 });
  const current = (await consul.kv.get("app/config")) as { ModifyIndex: number };
  const blocked = fetch(`${base}/v1/kv/app/config?index=${current.ModifyIndex}&wait=5s`);
  await new Promise((r) => setTimeout(r, 100));
  const restored = await fetch(`${base}/v1/snapshot`, { method: "PUT", body: snapshot });
  t.same([restored.status, await restored.text()], [200, ""]);
  const woke = await blocked;
  const [entry] = (await woke.json()) as Array<{ Value: string; ModifyIndex: number }>;
  t.equal(Buffer.from(entry!.Value, "base64").toString(), "v1", "the blocked reader woke with the restored value");
  t.ok(Number(woke.headers.get("x-consul-index")) > current.ModifyIndex, "and a larger index");
  t.match(await consul.kv.get("app/config"), { Value: "v1" });
  t.equal(await consul.kv.get("app/added"), undefined, "a key written after the save is gone");
  t.same(await consul.catalog.service.list(), { api: [], web: [] }, "web came back from the snapshot; api, still registered here, was written back");
  t.same(agent.localServices().sort(), ["api", "web"]);
});

t.test("snapshot: a body that is not a snapshot is refused with Consul's 500, a huge one with 413; nothing changes", async (t) => {
  const { consul, base } = await startAgent(t);
  await consul.kv.set("k", "v");
  const before = await (await fetch(`${base}/v1/snapshot`)).arrayBuffer();
  const bad = await fetch(`${base}/v1/snapshot`, { method: "PUT", body: "definitely not a snapshot" });
  t.equal(bad.status, 500);
  t.match(await bad.text(), /^invalid snapshot: is not a disco snapshot \(catalog snapshot: /);
  const huge = await fetch(`${base}/v1/snapshot`, { method: "PUT", body: Buffer.alloc(9 * 1024 * 1024) });
  t.equal(huge.status, 413);
  t.match(await huge.text(), /too large/);
  const wrongDc = await fetch(`${base}/v1/snapshot?dc=elsewhere`);
  t.equal(wrongDc.status, 500);
  t.match(await wrongDc.text(), /No path to datacenter/);
  t.same(Buffer.from(await (await fetch(`${base}/v1/snapshot`)).arrayBuffer()), Buffer.from(before), "the state is as it was");
});
