import t from "tap";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createServer, type IncomingMessage } from "node:http";
import { readFile } from "node:fs/promises";
import { runIn, startAgent, waitFor } from "./helpers.js";

async function tempFile(name: string, content: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "disco-cli-"));
  const path = join(dir, name);
  await writeFile(path, content);
  return path;
}

t.test("members: Consul's table (Node Address Status Type Build Protocol DC)", async (t) => {
  const { addr } = await startAgent(t);
  const r = await runIn(["members", addr]);
  t.equal(r.code, 0);
  const [header, row, ...rest] = r.stdout.split("\n");
  t.match(header, /^Node\s+Address\s+Status\s+Type\s+Build\s+Protocol\s+DC$/);
  t.match(row, /^n1\s+127\.0\.0\.1:0\s+alive\s+server\s+\d+\.\d+\.\d+\s+2\s+dc1$/);
  t.same(rest, [""]);
  t.equal(header!.indexOf("Address"), row!.indexOf("127.0.0.1"), "columns aligned");
  const detailed = await runIn(["members", addr, "-detailed"]);
  t.match(detailed.stdout, /^Node\s+Address\s+Status\s+Tags\nn1\s+127\.0\.0\.1:0\s+alive\s+dc=dc1,mode=dev,role=node\n$/);
  t.same(await runIn(["members", addr, "-status=left"]), { code: 2, stdout: "", stderr: "", stdoutBytes: Buffer.alloc(0) },
    "no member matches the filter: exit 2, as Consul");
  t.equal((await runIn(["members", addr, "-status=ali"])).code, 0);
  t.equal((await runIn(["members", addr, "-status=("])).code, 2, "a bad regular expression is a usage error");
  const wan = await runIn(["members", addr, "-wan"]);
  t.equal(wan.code, 1, "a dev agent is in no WAN pool");
  t.match(wan.stderr, /^disco members: .*WAN/);
  t.equal((await runIn(["members", addr, "extra"])).code, 2);
});

t.test("info: /v1/agent/self Stats as sorted `section:` blocks of tab-indented `key = value`", async (t) => {
  const { addr } = await startAgent(t);
  const r = await runIn(["info", addr]);
  t.equal(r.code, 0);
  t.match(r.stdout, /^agent:\n\tchecks = 1\n\tservices = 0\nconsul:\n/);
  t.match(r.stdout, /\nraft:\n\tapplied_index = \d+\n\tcommit_index = \d+\n\tlast_contact = 0\n\tlast_log_index = \d+\n\tlast_log_term = 1\n\tnum_peers = 0\n\tprotocol_version = 3\n\tstate = Leader\n\tterm = 1\n/);
  t.match(r.stdout, /\nconsul:\n\tknown_datacenters = 1\n\tleader = true\n\tleader_addr = 127\.0\.0\.1:8300\n\tserver = true\n/);
  t.match(r.stdout, /\nruntime:\n\tarch = /);
  t.equal((await runIn(["info", addr, "x"])).code, 2);
});

t.test("services register from a Consul JSON file; the catalog then lists it", async (t) => {
  const { agent, addr } = await startAgent(t);
  const empty = await runIn(["catalog", "services", addr]);
  t.same([empty.code, empty.stdout, empty.stderr], [0, "", "No services match the given query - try expanding your search.\n"]);
  const file = await tempFile("web.json", JSON.stringify({
    service: { name: "web", id: "web-1", port: 8080, tags: ["v1", "primary"], meta: { team: "a" }, check: { ttl: "30s" } },
  }));
  const reg = await runIn(["services", "register", addr, file]);
  t.same([reg.code, reg.stdout, reg.stderr], [0, "Registered service: web\n", ""]);
  t.same(agent.localServices(), ["web-1"]);
  t.equal((await runIn(["catalog", "services", addr])).stdout, "web\n");
  t.equal((await runIn(["catalog", "services", addr, "-tags"])).stdout, "web  primary,v1\n");
  t.equal((await runIn(["catalog", "services", addr, "-node=n1"])).stdout, "web\n");
  const noNode = await runIn(["catalog", "services", addr, "-node=ghost"]);
  t.same([noNode.code, noNode.stderr], [1, "disco catalog services: no node named \"ghost\" in the catalog\n"]);
  const many = await tempFile("many.json", JSON.stringify({ services: [{ Name: "db", Port: 5432 }, { name: "cache", port: 6379 }] }));
  t.equal((await runIn(["services", "register", addr, many])).stdout, "Registered service: db\nRegistered service: cache\n");
  t.equal((await runIn(["catalog", "services", addr])).stdout, "cache\ndb\nweb\n");
  const dereg = await runIn(["services", "deregister", addr, file]);
  t.same([dereg.code, dereg.stdout], [0, "Deregistered service: web-1\n"], "by the file's id");
  t.equal((await runIn(["services", "deregister", addr, "-id=db"])).stdout, "Deregistered service: db\n");
  const unknown = await runIn(["services", "deregister", addr, "-id=nope"]);
  t.equal(unknown.code, 1);
  t.match(unknown.stderr, /^disco services deregister: unexpected response code 404 \(Unknown service ID "nope"/);
  t.equal((await runIn(["catalog", "services", addr])).stdout, "cache\n");
});

t.test("services register from flags; bad definitions are usage errors and register nothing", async (t) => {
  const { agent, addr } = await startAgent(t);
  const r = await runIn(["services", "register", addr, "-name=api", "-id=api-1", "-port=9000", "-tag=a", "-tag=b", "-meta=k=v", "-address=10.0.0.9"]);
  t.same([r.code, r.stdout], [0, "Registered service: api\n"]);
  const [entry] = await agent.catalog.service("api");
  t.match(entry?.service, { id: "api-1", port: 9000, tags: ["a", "b"], meta: { k: "v" }, address: "10.0.0.9" });
  const hcl = await tempFile("s.hcl", 'service { name = "x" }');
  const cases: [string[], RegExp][] = [
    [[hcl], /only JSON service definitions are supported, not HCL/],
    [[await tempFile("a.json", "[]")], /must be a JSON object/],
    [[await tempFile("b.json", "{}")], /neither a "service" object nor a "services" array/],
    [[await tempFile("c.json", '{"services":{}}')], /"services" must be an array/],
    [[await tempFile("d.json", '{"services":[5]}')], /service \[0\] must be an object/],
    [[await tempFile("e.json", '{"service":{"port":1}}')], /service \[0\]\.name/],
    [["-name=x", hcl], /-name cannot be used together/],
    [[], /at least -name/],
    [["-name=x", "-meta=novalue"], /invalid -meta "novalue"/],
    [["-name=x", "-port=70000"], /-port must be/],
    [["/nonexistent.json"], /cannot read/],
  ];
  for (const [argv, message] of cases) {
    const res = await runIn(["services", "register", addr, ...argv]);
    t.equal(res.code, 2, argv.join(" "));
    t.match(res.stderr, message);
  }
  t.equal((await runIn(["services", "deregister", addr])).code, 2);
  t.equal((await runIn(["services", "deregister", addr, "-id=x", hcl])).code, 2);
  const badCheck = await runIn(["services", "register", addr, await tempFile("f.json", '{"service":{"name":"w","check":{"script":"x"}}}')]);
  t.same([badCheck.code, badCheck.stderr], [1, "disco services register: unexpected response code 400 (script checks are not supported)\n"]);
  t.same(agent.localServices(), ["api-1"], "nothing else registered");
});

t.test("catalog nodes and datacenters, with -service and -detailed", async (t) => {
  const { agent, addr } = await startAgent(t);
  await agent.register({ name: "web", port: 1 });
  const nodes = await runIn(["catalog", "nodes", addr]);
  t.match(nodes.stdout, /^Node\s+ID\s+Address\s+DC\nn1\s+\S{0,8}\s+127\.0\.0\.1\s+dc1\n$/);
  t.equal((await runIn(["catalog", "nodes", addr, "-service=web"])).stdout, nodes.stdout);
  const none = await runIn(["catalog", "nodes", addr, "-service=ghost"]);
  t.same([none.code, none.stdout, none.stderr], [0, "", "No nodes match the given query - try expanding your search.\n"]);
  t.match((await runIn(["catalog", "nodes", addr, "-detailed"])).stdout, /^Node\s+ID\s+Address\s+DC\s+TaggedAddresses\s+Meta\nn1\s.*lan=127\.0\.0\.1, wan=127\.0\.0\.1/);
  t.equal((await runIn(["catalog", "datacenters", addr])).stdout, "dc1\n");
  for (const sub of ["nodes", "services", "datacenters"]) t.equal((await runIn(["catalog", sub, addr, "extra"])).code, 2, sub);
});

t.test("join and force-leave report the agent's refusal (no gossip without -bind); leave stops the agent", async (t) => {
  const { agent, addr } = await startAgent(t);
  const join = await runIn(["join", addr, "10.0.0.1"]);
  t.equal(join.code, 1);
  t.match(join.stderr, /^Error joining address '10\.0\.0\.1': joining other agents needs the gossip pool: start the agent with the bind option/);
  t.equal((await runIn(["join", addr])).code, 2);
  const fl = await runIn(["force-leave", addr, "-prune", "n2"]);
  t.equal(fl.code, 1);
  t.match(fl.stderr, /^disco force-leave: force-leave needs the gossip pool: start the agent with the bind option/);
  t.equal((await runIn(["force-leave", addr])).code, 2);
  t.equal((await runIn(["leave", addr, "x"])).code, 2);
  const leave = await runIn(["leave", addr]);
  t.same([leave.code, leave.stdout], [0, "Graceful leave complete\n"]);
  await waitFor(() => agent.members()[0]?.status === "left", 5000, "the agent to leave");
});

t.test("operator raft list-peers falls back to /v1/status when the agent has no raft configuration endpoint", async (t) => {
  const { addr } = await startAgent(t);
  const r = await runIn(["operator", "raft", "list-peers", addr]);
  t.equal(r.code, 0);
  t.match(r.stdout, /^Node\s+ID\s+Address\s+State\s+Voter\s+RaftProtocol\nn1\s+\S+\s+127\.0\.0\.1:8300\s+leader\s+true\s+3\n$/);
  t.equal((await runIn(["operator", "raft", "list-peers", addr, "x"])).code, 2);
});

t.test("commands the agent cannot serve say why in one line and exit 1; bad usage exits 2", async (t) => {
  const { addr } = await startAgent(t);
  const snapshotFile = join(await mkdtemp(join(tmpdir(), "disco-cli-snap-")), "s.snap");
  await writeFile(snapshotFile, "x");
  const cases: [string[], string][] = [
    [["reload", addr], "disco reload: reloading configuration is not handled by this agent: it was started without configuration "
      + "files (no \"reload\" listener); `disco agent -config-file` reloads its services and checks\n"],
    [["keyring", addr, "-list"], "disco keyring: gossip encryption is not enabled: this agent runs no gossip (set bind and encrypt)\n"],
  ];
  for (const [argv, stderr] of cases) {
    const r = await runIn(argv);
    t.same([r.code, r.stderr], [1, stderr], argv.join(" "));
  }
  for (const argv of [
    ["event", addr], ["event", addr, "-name=x", "a", "b"], ["keyring", addr], ["keyring", addr, "-list", "-use=k"],
    ["keyring", addr, "x"], ["snapshot", "save", addr], ["snapshot", "restore", addr],
    ["operator", "raft", "remove-peer", addr], ["operator", "raft", "remove-peer", addr, "-id=a", "-address=b"],
    ["operator", "raft", "remove-peer", addr, "x"], ["reload", addr, "x"],
  ]) t.equal((await runIn(argv)).code, 2, `usage: ${argv.join(" ")}`);
});

t.test("an unreachable agent is one line on stderr and exit 1", async (t) => {
  const { agent, addr } = await startAgent(t);
  await agent.close();
  const r = await runIn(["members", addr]);
  t.equal(r.code, 1);
  t.match(r.stderr, /^disco members: cannot reach the agent at http:\/\/127\.0\.0\.1:\d+ \([^\n]*\); is `disco agent` running\? Set -http-addr or DISCO_HTTP_ADDR\n$/);
  const viaEnv = await runIn(["kv", "get", "k"], { env: { DISCO_HTTP_ADDR: addr.slice("-http-addr=".length) } });
  t.equal(viaEnv.code, 1);
  t.match(viaEnv.stderr, /cannot reach the agent at http:\/\/127\.0\.0\.1:/, "DISCO_HTTP_ADDR is used");
  const badAddr = await runIn(["members", "-http-addr=unix:///tmp/x"]);
  t.equal(badAddr.code, 2);
});

t.test("help, versions, keygen and unknown commands", async (t) => {
  const none = await runIn([]);
  t.equal(none.code, 2);
  t.match(none.stderr, /^Usage: disco \[--version\] \[--help\] <command> \[<args>\]\n\nAvailable commands are:\n {4}agent /);
  const help = await runIn(["--help"]);
  t.same([help.code, help.stderr], [0, ""]);
  t.match(help.stdout, /\n {4}kv {13}Interacts with the key-value store\n/);
  const unknown = await runIn(["frobnicate"]);
  t.equal(unknown.code, 2);
  t.match(unknown.stderr, /^disco: unknown command "frobnicate"\n/);
  const group = await runIn(["kv"]);
  t.equal(group.code, 2);
  t.match(group.stderr, /^Usage: disco kv <subcommand>[^]*\n {4}get {7}Reads a value/);
  const badSub = await runIn(["operator", "raft", "nope"]);
  t.equal(badSub.code, 2);
  t.match(badSub.stderr, /^disco operator raft: unknown subcommand "nope"\n\nUsage: disco operator raft <subcommand>/);
  t.equal((await runIn(["operator", "-h"])).code, 0);
  const cmdHelp = await runIn(["kv", "put", "-h"]);
  t.equal(cmdHelp.code, 0);
  t.match(cmdHelp.stdout, /^Usage: disco kv put \[options\] KEY \[DATA\]\n[^]*Command Options:[^]*-modify-index=<int>[^]*HTTP API Options:[^]*-http-addr=<address>/);
  t.match((await runIn(["agent", "-h"])).stdout, /-bootstrap-expect=<int>/);
  const version = await runIn(["version"]);
  t.match(version.stdout, /^disco v\d+\.\d+\.\d+\n/);
  t.equal((await runIn(["--version"])).stdout, version.stdout);
  t.equal((await runIn(["version", "x"])).code, 2);
  const key = (await runIn(["keygen"])).stdout.trim();
  t.equal(Buffer.from(key, "base64").length, 32, "a 32-byte key in base64");
  t.not((await runIn(["keygen"])).stdout.trim(), key, "random each time");
  t.equal((await runIn(["keygen", "x"])).code, 2);
});

/** One answer of the fake agent. */
interface FakeAnswer {
  status?: number;
  body?: unknown;
  index?: number;
}

/**
 * A stand-in agent on 127.0.0.1:0 answering `METHOD /path` from a table, to
 * check the CLI against endpoints the real agent does not have yet.
 */
async function fakeAgent(
  t: { teardown(fn: () => unknown): void },
  routes: Record<string, (req: IncomingMessage, body: Buffer, url: URL) => FakeAnswer>,
): Promise<string> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const url = new URL(req.url ?? "/", "http://fake");
      const route = routes[`${req.method} ${url.pathname}`];
      const answer = route ? route(req, Buffer.concat(chunks), url) : { status: 404, body: "404 page not found" };
      if (answer.index !== undefined) res.setHeader("X-Consul-Index", String(answer.index));
      res.statusCode = answer.status ?? 200;
      const body = answer.body;
      res.end(Buffer.isBuffer(body) ? body : typeof body === "string" ? body : JSON.stringify(body ?? null));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  t.teardown(() => new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  }));
  return `-http-addr=127.0.0.1:${(server.address() as { port: number }).port}`;
}

t.test("against agents that have them: raft configuration and peer removal, snapshots, keyring, events, reload (Consul's outputs)", async (t) => {
  const seen: string[] = [];
  const addr = await fakeAgent(t, {
    "GET /v1/operator/raft/configuration": () => ({ body: { Servers: [
      { Node: "s1", ID: "id-1", Address: "10.0.0.1:8300", Leader: true, Voter: true, ProtocolVersion: "3" },
      { Node: "s2", ID: "id-2", Address: "10.0.0.2:8300", Leader: false, Voter: false },
    ] } }),
    "DELETE /v1/operator/raft/peer": (_r, _b, url) => (seen.push(`remove ${url.search}`), { body: "" }),
    "GET /v1/snapshot": () => ({ body: Buffer.from("SNAPSHOT-BYTES"), index: 42 }),
    "PUT /v1/snapshot": (_r, body) => (seen.push(`restore ${body.toString()}`), { body: "" }),
    "GET /v1/operator/keyring": () => ({ body: [
      { WAN: true, Datacenter: "dc1", Keys: { K1: 3 }, NumNodes: 3 },
      { WAN: false, Datacenter: "dc1", Keys: { K1: 3, K2: 1 }, NumNodes: 3 },
    ] }),
    "PUT /v1/operator/keyring": (_r, body) => (seen.push(`use ${body.toString()}`), { body: "" }),
    "DELETE /v1/operator/keyring": (_r, body) => (seen.push(`remove-key ${body.toString()}`), { body: "" }),
    "PUT /v1/event/fire/deploy": (_r, body, url) => (seen.push(`event ${body.toString()} ${url.search}`), { body: { ID: "ev-1" } }),
    "PUT /v1/agent/reload": () => ({ body: "" }),
  });
  t.equal((await runIn(["operator", "raft", "list-peers", addr])).stdout,
    "Node  ID    Address        State     Voter  RaftProtocol\n"
    + "s1    id-1  10.0.0.1:8300  leader    true   3\n"
    + "s2    id-2  10.0.0.2:8300  follower  false  3\n");
  t.equal((await runIn(["operator", "raft", "remove-peer", addr, "-address=10.0.0.2:8300"])).stdout, "Removed peer with address \"10.0.0.2:8300\"\n");
  t.equal((await runIn(["operator", "raft", "remove-peer", addr, "-id=id-2"])).stdout, "Removed peer with id \"id-2\"\n");
  const dir = await mkdtemp(join(tmpdir(), "disco-cli-fake-"));
  const file = join(dir, "backup.snap");
  t.equal((await runIn(["snapshot", "save", addr, file])).stdout, "Saved and verified snapshot to index 42\n");
  t.equal(await readFile(file, "utf8"), "SNAPSHOT-BYTES");
  t.equal((await runIn(["snapshot", "restore", addr, file])).stdout, "Restored snapshot\n");
  t.equal((await runIn(["snapshot", "save", addr, join(dir, "no", "such", "dir.snap")])).code, 1, "an unwritable file is an error");
  t.equal((await runIn(["keyring", addr, "-list"])).stdout,
    "==> Gathering installed encryption keys...\n\nWAN:\n  K1 [3/3]\n\ndc1 (LAN):\n  K1 [3/3]\n  K2 [1/3]\n");
  t.equal((await runIn(["keyring", addr, "-use=K2"])).stdout, "==> Changing primary gossip encryption key...\n");
  t.equal((await runIn(["keyring", addr, "-remove=K1"])).stdout, "==> Removing gossip encryption key...\n");
  t.equal((await runIn(["event", addr, "-name=deploy", "-service=web", "v2"])).stdout, "Event ID: ev-1\n");
  t.equal((await runIn(["reload", addr])).stdout, "Configuration reload triggered\n");
  t.same(seen, [
    "remove ?address=10.0.0.2%3A8300", "remove ?id=id-2", "restore SNAPSHOT-BYTES", 'use {"Key":"K2"}', 'remove-key {"Key":"K1"}',
    "event v2 ?service=web",
  ]);
});

t.test("agent answers that are errors or not JSON become one line and exit 1", async (t) => {
  const addr = await fakeAgent(t, {
    "GET /v1/agent/members": () => ({ status: 500, body: "rpc error: boom\nmore detail" }),
    "GET /v1/agent/self": () => ({ body: "<html>" }),
    "GET /v1/catalog/services": () => ({ status: 503, body: "" }),
  });
  t.same((await runIn(["members", addr])).stderr, "disco members: unexpected response code 500 (rpc error: boom)\n");
  t.same((await runIn(["info", addr])).stderr, "disco info: unexpected response code 200 (the agent answered something that is not JSON: <html>)\n");
  t.same((await runIn(["catalog", "services", addr])).stderr, "disco catalog services: unexpected response code 503\n");
});

t.test("watch rides out a failing agent after its first answer, retrying with backoff", async (t) => {
  let calls = 0;
  const addr = await fakeAgent(t, {
    "GET /v1/catalog/services": () => {
      calls++;
      if (calls === 2) return { status: 500, body: "leader lost" };
      return { body: calls === 1 ? { a: [] } : { a: [], b: ["x"] }, index: calls };
    },
  });
  const stop = new AbortController();
  let out = "";
  const running = runIn(["watch", addr, "-type=services"], { interrupts: stop.signal, onStdout: (s) => (out = s) });
  await waitFor(() => out.includes('"b"'), 5000, "the answer after the failure");
  stop.abort("SIGINT");
  const r = await running;
  t.equal(r.code, 0);
  t.match(r.stderr, /^disco watch: unexpected response code 500 \(leader lost\); retrying in 100 ms\n/);
  t.equal(r.stdout.match(/"a"/g)?.length, 2, "printed before and after the failure");
});

t.test("members shows Consul's build tag and client type when members carry them", async (t) => {
  const addr = await fakeAgent(t, {
    "GET /v1/agent/members": () => ({ body: [
      { Name: "c1", Addr: "::1", Port: 8301, Status: 4, ProtocolCur: 2, Tags: { build: "1.16.0:abc", dc: "dc1", role: "node" } },
      { Name: "a0", Addr: "10.0.0.1", Port: 8301, Status: 1, ProtocolCur: 2, Tags: { build: "1.16.0:abc", dc: "dc1", role: "consul" } },
    ] }),
  });
  t.equal((await runIn(["members", addr])).stdout,
    "Node  Address        Status  Type    Build   Protocol  DC\n"
    + "a0    10.0.0.1:8301  alive   server  1.16.0  2         dc1\n"
    + "c1    [::1]:8301     failed  client  1.16.0  2         dc1\n");
});
