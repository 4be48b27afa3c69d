import t from "tap";
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Agent, type AgentOptions } from "../../../lib/index.js";
import { generateKey } from "../../../lib/transport/keyring.js";
import { KeyringOperationError } from "../../../lib/agent/keyring.js";
import { waitFor } from "../../agent/helpers.js";

async function start(t: Tap.Test, node: string, extra: AgentOptions): Promise<{ agent: Agent; base: string }> {
  const agent = await Agent.start({ mode: "gossip", node, bind: "127.0.0.1:0", http: "127.0.0.1:0", gossipProfile: "local", ...extra });
  t.teardown(() => agent.close());
  return { agent, base: `http://127.0.0.1:${agent.httpAddress!.port}` };
}

async function call(base: string, method: string, body?: unknown): Promise<{ status: number; text: string }> {
  const res = await fetch(`${base}/v1/operator/keyring`, { method, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  return { status: res.status, text: await res.text() };
}

async function pool(base: string): Promise<{ Keys: Record<string, number>; PrimaryKeys: Record<string, number>; NumNodes: number }> {
  const r = await call(base, "GET");
  if (r.status !== 200) throw new Error(`GET keyring: ${r.status} ${r.text}`);
  const pools = JSON.parse(r.text) as { Keys: Record<string, number>; PrimaryKeys: Record<string, number>; NumNodes: number }[];
  return pools[0]!;
}

const allAlive = (agents: Agent[]): boolean => agents.every((a) => a.members().filter((m) => m.status === "alive").length === agents.length);

t.test("keyring API: rotate a 3-agent pool through /v1/operator/keyring; a newcomer with only the new key joins (consul keyring)", async (t) => {
  const keepAlive = setInterval(() => {}, 1000);
  t.teardown(() => clearInterval(keepAlive));
  const [oldKey, newKey] = [generateKey(), generateKey()];
  const dataDir = await mkdtemp(join(tmpdir(), "disco-keyring-api-"));
  const a = await start(t, "ka", { encrypt: oldKey, dataDir });
  const b = await start(t, "kb", { encrypt: oldKey, join: [a.agent.gossipAddress!] });
  const c = await start(t, "kc", { encrypt: oldKey, join: [a.agent.gossipAddress!] });
  await waitFor(() => allAlive([a.agent, b.agent, c.agent]), 10_000, "three alive members");

  const listed = JSON.parse((await call(b.base, "GET")).text) as unknown[];
  t.same(listed, [{ WAN: false, Datacenter: "dc1", Segment: "", Partition: "", Messages: {}, Keys: { [oldKey]: 3 }, PrimaryKeys: { [oldKey]: 3 }, NumNodes: 3 }],
    "Consul's KeyringResponse shape");
  t.same(await call(b.base, "POST", { Key: newKey }), { status: 200, text: "" }, "install");
  t.same((await pool(c.base)).Keys, { [oldKey]: 3, [newKey]: 3 }, "every member holds the new key");
  t.same(await call(c.base, "PUT", { Key: newKey }), { status: 200, text: "" }, "use");
  t.same((await pool(a.base)).PrimaryKeys, { [newKey]: 3 });

  const d = await start(t, "kd", { encrypt: newKey, join: [b.agent.gossipAddress!] });
  await waitFor(() => allAlive([a.agent, b.agent, c.agent, d.agent]), 10_000, "the newcomer holding only the new key to join");
  t.same(await call(a.base, "DELETE", { Key: oldKey }), { status: 200, text: "" }, "remove");
  t.match(await pool(d.base), { Keys: { [newKey]: 4 }, PrimaryKeys: { [newKey]: 4 }, NumNodes: 4 }, "only the new key is left");
  t.same(JSON.parse(await readFile(join(dataDir, "serf", "local.keyring"), "utf8")), [newKey], "saved in data-dir/serf/local.keyring");

  const refused = await call(a.base, "DELETE", { Key: newKey });
  t.equal(refused.status, 400, "removing the primary key is refused");
  t.match(refused.text, /invalid key: is the primary key; removing the primary key is not allowed/);
  t.same((await pool(b.base)).Keys, { [newKey]: 4 }, "and changed nothing");
  for (const [body, what] of [[{ Key: "junk" }, "a malformed key"], [{}, "no Key"], [undefined, "no body"]] as const) {
    const r = await call(a.base, "POST", body);
    t.equal(r.status, 400, what);
    t.match(r.text, /^invalid key: /, `${what} names the field`);
  }
  t.equal((await call(a.base, "GET", undefined)).status, 200);
  t.equal((await fetch(`${a.base}/v1/operator/keyring?dc=elsewhere`)).status, 500, "another datacenter has no path");

  await d.agent.close(); // abruptly: the others still count it as a live member for a moment
  const silent = await call(a.base, "GET");
  t.equal(silent.status, 500);
  t.match(silent.text, /^1\/4 members reported failure \(kd: no answer: /);
  const err = await a.agent.keyring.list().catch((e: unknown) => e);
  if (err instanceof KeyringOperationError) t.match(err.status, { numNodes: 4, numResp: 3, keys: { [newKey]: 3 } }, "the error carries what was found");
  else t.ok(allAlive([a.agent, b.agent, c.agent]), "or the pool already knows it is gone");
});

t.test("keyring API: an agent without gossip encryption answers 501 with the reason; the library raises a typed error", async (t) => {
  const keepAlive = setInterval(() => {}, 1000);
  t.teardown(() => clearInterval(keepAlive));
  const plain = await start(t, "plain", {});
  const dev = await Agent.start({ node: "dev", http: "127.0.0.1:0" });
  t.teardown(() => dev.close());
  const devBase = `http://127.0.0.1:${dev.httpAddress!.port}`;
  t.same(await call(plain.base, "GET"), { status: 501, text: "gossip encryption is not enabled on this member; start it with an encryption key" });
  t.same(await call(devBase, "POST", { Key: generateKey() }), { status: 501, text: "gossip encryption is not enabled: this agent runs no gossip (set bind and encrypt)" });
  await t.rejects(dev.keyring.list(), { name: "EncryptionNotEnabledError", code: "NOT_SUPPORTED" });
  await t.rejects(plain.agent.keyring.install(generateKey()), { code: "NOT_SUPPORTED" });
});
