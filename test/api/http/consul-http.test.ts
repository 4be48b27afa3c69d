import t from "tap";
import { Agent } from "../../../lib/index.js";

async function startAgent(t: Tap.Test): Promise<{ agent: Agent; base: string }> {
  const agent = await Agent.start({ node: "n1", http: "127.0.0.1:0" });
  t.teardown(() => agent.close());
  return { agent, base: `http://127.0.0.1:${agent.httpAddress!.port}` };
}

t.test("every read carries X-Consul-Index (never 0), KnownLeader and LastContact, a missing key too", async (t) => {
  const { base } = await startAgent(t);
  for (const path of ["/v1/catalog/services", "/v1/catalog/nodes", "/v1/health/service/none", "/v1/kv/missing", "/v1/session/list"]) {
    const res = await fetch(base + path);
    const index = Number(res.headers.get("x-consul-index"));
    t.ok(index >= 1, `${path}: index ${index} >= 1`);
    t.equal(res.headers.get("x-consul-knownleader"), "true");
    t.equal(res.headers.get("x-consul-lastcontact"), "0");
    if (path === "/v1/kv/missing") t.equal(res.status, 404);
    await res.arrayBuffer();
  }
});

t.test("a blocking query returns when its service changes and stays blocked on unrelated writes", async (t) => {
  const { agent, base } = await startAgent(t);
  await agent.register({ name: "web", port: 1, check: { ttl: "10s" } });
  const first = await fetch(`${base}/v1/health/service/web`);
  const index = Number(first.headers.get("x-consul-index"));
  await first.arrayBuffer();
  const started = Date.now();
  const blocked = fetch(`${base}/v1/health/service/web?index=${index}&wait=3s`);
  await new Promise((r) => setTimeout(r, 100));
  await agent.kv.put("unrelated", "1");
  await agent.register({ name: "db", port: 2, check: { ttl: "10s" } });
  const raced = await Promise.race([blocked.then(() => "returned"), new Promise((r) => setTimeout(() => r("blocked"), 300))]);
  t.equal(raced, "blocked", "unrelated writes do not end the wait");
  await agent.register({ name: "web", id: "web-2", port: 3, check: { ttl: "10s" } });
  const res = await blocked;
  const body = (await res.json()) as unknown[];
  t.equal(body.length, 2);
  t.ok(Number(res.headers.get("x-consul-index")) > index, "the index moved");
  t.ok(Date.now() - started < 2500, "returned promptly after the change, before the wait ran out");
});

t.test("a blocking query times out with the same index", async (t) => {
  const { base } = await startAgent(t);
  const first = await fetch(`${base}/v1/kv/k?index=0`);
  const index = Number(first.headers.get("x-consul-index"));
  await first.arrayBuffer();
  const started = Date.now();
  const res = await fetch(`${base}/v1/kv/k?index=${index}&wait=300ms`);
  await res.arrayBuffer();
  t.ok(Date.now() - started >= 290, "waited");
  t.equal(Number(res.headers.get("x-consul-index")), index);
});

t.test("kv over HTTP: raw body, ?raw, ?recurse, ?keys&separator, ?flags, ?cas, DELETE ?recurse, base64 in JSON", async (t) => {
  const { base } = await startAgent(t);
  const put = async (path: string, body: string | Uint8Array) => (await fetch(base + path, { method: "PUT", body })).text();
  t.equal(await put("/v1/kv/a/b?flags=5", Buffer.from([0xff, 0x00, 0x10])), "true");
  t.equal(await put("/v1/kv/a/c/d", "deep"), "true");
  const [entry] = (await (await fetch(`${base}/v1/kv/a/b`)).json()) as Array<{ Value: string; Flags: number; ModifyIndex: number }>;
  t.equal(entry!.Flags, 5);
  t.same(Buffer.from(entry!.Value, "base64"), Buffer.from([0xff, 0x00, 0x10]));
  t.same(Buffer.from(await (await fetch(`${base}/v1/kv/a/b?raw`)).arrayBuffer()), Buffer.from([0xff, 0x00, 0x10]));
  t.same(await (await fetch(`${base}/v1/kv/a/?keys&separator=/`)).json(), ["a/b", "a/c/"]);
  t.equal(((await (await fetch(`${base}/v1/kv/a?recurse`)).json()) as unknown[]).length, 2);
  t.equal(await put(`/v1/kv/a/b?cas=${entry!.ModifyIndex + 1}`, "x"), "false");
  t.equal(await put(`/v1/kv/a/b?cas=${entry!.ModifyIndex}`, "x"), "true");
  t.equal(await (await fetch(`${base}/v1/kv/a?recurse`, { method: "DELETE" })).text(), "true");
  t.equal((await fetch(`${base}/v1/kv/a/b`)).status, 404);
});

t.test("bad requests get Consul's status codes with a plain-text reason; nothing half-applied", async (t) => {
  const { base, agent } = await startAgent(t);
  const cases: Array<[string, string, BodyInit | undefined, number, RegExp]> = [
    ["PUT", "/v1/agent/service/register", "{not json", 400, /decode/i],
    ["PUT", "/v1/agent/service/register", JSON.stringify({ Name: "web", Port: 99999 }), 400, /port/],
    ["PUT", "/v1/agent/service/register", JSON.stringify({ Name: "", Port: 1 }), 400, /name/],
    ["PUT", "/v1/agent/service/register", JSON.stringify({ Name: "w", Port: 1, Check: { TTL: "soon" } }), 400, /ttl/i],
    ["PUT", "/v1/agent/check/pass/nope", undefined, 404, /nope/],
    ["PUT", "/v1/agent/service/deregister/nope", undefined, 404, /Unknown service/],
    ["GET", "/v1/health/state/sideways", undefined, 400, /state/],
    ["GET", "/v1/kv/x?index=abc", undefined, 400, /index/],
    ["GET", "/v1/kv/x?dc=dc9", undefined, 500, /No path to datacenter/],
    ["PUT", "/v1/kv/x?cas=-1", "v", 400, /cas/],
    ["PUT", "/v1/kv/big", Buffer.alloc(512 * 1024 + 1), 413, /512|524288/],
    ["PUT", "/v1/kv/huge", Buffer.alloc(2 * 1024 * 1024), 413, /too large/],
    ["PUT", "/v1/txn", JSON.stringify([{ KV: { Verb: "explode", Key: "a" } }]), 400, /verb/],
    ["PUT", "/v1/txn", JSON.stringify(Array.from({ length: 129 }, () => ({ KV: { Verb: "get", Key: "a" } }))), 413, /too many/],
    ["PUT", "/v1/session/create", JSON.stringify({ TTL: "1s" }), 400, /ttl/],
    ["GET", "/v1/nothing/here", undefined, 404, /not found/],
    ["DELETE", "/v1/catalog/services", undefined, 405, /not allowed/],
  ];
  for (const [method, path, body, status, reason] of cases) {
    const res = await fetch(base + path, { method, body });
    const text = await res.text();
    t.equal(res.status, status, `${method} ${path} -> ${status}`);
    t.match(text, reason, `${method} ${path} says why: ${text}`);
  }
  t.same(await agent.catalog.services(), {}, "no registration slipped through");
  t.same(await agent.kv.list(""), [], "no key slipped through");
});

t.test("txn: all or nothing, 200 with results or 409 with errors", async (t) => {
  const { base } = await startAgent(t);
  const b64 = (s: string) => Buffer.from(s).toString("base64");
  const ok = await fetch(`${base}/v1/txn`, {
    method: "PUT", body: JSON.stringify([{ KV: { Verb: "set", Key: "t/a", Value: b64("1") } }, { KV: { Verb: "get", Key: "t/a" } }]),
  });
  t.equal(ok.status, 200);
  t.match(await ok.json(), { Results: [{ KV: { Key: "t/a" } }, { KV: { Key: "t/a", Value: b64("1") } }], Errors: null });
  const conflict = await fetch(`${base}/v1/txn`, {
    method: "PUT", body: JSON.stringify([{ KV: { Verb: "set", Key: "t/b", Value: b64("2") } }, { KV: { Verb: "check-not-exists", Key: "t/a" } }]),
  });
  t.equal(conflict.status, 409);
  t.match(await conflict.json(), { Errors: [{ OpIndex: 1 }] });
  t.equal((await fetch(`${base}/v1/kv/t/b`)).status, 404, "the set in the failed txn was rolled back");
});

t.test("catalog register/deregister of an external service (its own node and address)", async (t) => {
  const { base, agent } = await startAgent(t);
  const res = await fetch(`${base}/v1/catalog/register`, {
    method: "PUT",
    body: JSON.stringify({
      Node: "saas", Address: "api.example.com", Service: { Service: "payments", Port: 443, Tags: ["external"] },
      Check: { CheckID: "service:payments", Name: "external", Status: "passing", ServiceID: "payments" },
    }),
  });
  t.equal(res.status, 200);
  const pay = agent.discover("payments");
  await pay.ready();
  t.match(pay.pick(), { node: "saas", address: "api.example.com", port: 443 });
  pay.close();
  await fetch(`${base}/v1/catalog/deregister`, { method: "PUT", body: JSON.stringify({ Node: "saas" }) });
  t.equal((await agent.catalog.nodes()).length, 1);
});
