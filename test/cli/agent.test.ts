// `disco agent` in-process, then the real executable as a subprocess (`node --import tsx lib/cli/main.ts …` from the repo root).
import t from "tap";
import { existsSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { runBin, runIn, spawnBin, startAgent, waitFor, type RunResult } from "./helpers.js";

/** Starts `disco agent argv` in-process; resolves once its banner names the HTTP address. */
async function startAgentCommand(argv: string[]): Promise<{ addr: string; stop(): Promise<RunResult>; done: Promise<RunResult> }> {
  const controller = new AbortController();
  let out = "";
  const done = runIn(["agent", ...argv], { interrupts: controller.signal, onStdout: (s) => (out = s) });
  let finished = false;
  void done.then(() => (finished = true));
  await waitFor(() => finished || /HTTP Address: http:\/\/[^\n]+:\d+\n/.test(out), 15_000, "the agent banner");
  if (finished) throw new Error(`agent exited early: ${JSON.stringify(await done)}`);
  const port = /HTTP Address: http:\/\/[^\n]+:(\d+)\n/.exec(out)![1];
  return {
    addr: `-http-addr=127.0.0.1:${port}`,
    done,
    stop: () => {
      controller.abort("SIGTERM");
      return done;
    },
  };
}

t.test("agent -dev -http-port=0: banner shows the real port; config file applied; SIGTERM leaves, exits 0, removes the pid file", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), "disco-cli-agent-"));
  const pidFile = join(dir, "agent.pid");
  const config = join(dir, "agent.json");
  await writeFile(config, JSON.stringify({ datacenter: "dc9", service: { name: "from-config", port: 7 }, telemetry: {}, ports: { grpc: 8502 } }));
  const agent = await startAgentCommand(["-dev", "-node=cli-dev", "-http-port=0", "-dns-port=0", `-pid-file=${pidFile}`, `-config-file=${config}`, "-log-level=debug"]);
  t.equal(await readFile(pidFile, "utf8"), "4242\n", "the pid file holds the process id");
  const members = await runIn(["members", agent.addr]);
  t.match(members.stdout, /\ncli-dev\s+127\.0\.0\.1:0\s+alive\s+server\s+\S+\s+2\s+dc9\n/);
  t.equal((await runIn(["catalog", "services", agent.addr])).stdout, "from-config\n", "config-file services are registered");
  const r = await agent.stop();
  t.equal(r.code, 0);
  t.match(r.stdout, /^==> Starting disco agent\.\.\.\n[^]*Node name: 'cli-dev'\n[^]*Datacenter: 'dc9'\n[^]*==> disco agent running!\n/);
  t.match(r.stderr, /==> Warning: config keys not implemented, ignored: telemetry, ports\.grpc\n/, "one warning line names every ignored key");
  t.match(r.stderr, /\[INFO\]  agent: agent started: node=cli-dev datacenter=dc9 mode=dev\n/, "logs on stderr");
  t.match(r.stderr, /==> Caught signal: SIGTERM\n==> Gracefully shutting down agent\.\.\.\n[^]*==> disco agent stopped\n$/);
  t.notOk(existsSync(pidFile), "pid file removed");
  t.equal((await runIn(["members", agent.addr])).code, 1, "the HTTP API is closed");
});

t.test("agent: `disco leave` over HTTP ends the agent command with exit 0", async (t) => {
  const agent = await startAgentCommand(["-dev", "-http-port=0", "-dns-port=-1", "-log-level=warn"]);
  t.equal((await runIn(["leave", agent.addr])).code, 0);
  const r = await agent.done;
  t.equal(r.code, 0);
  t.match(r.stderr, /The agent left the cluster; shutting down\n==> disco agent stopped\n$/);
  t.notMatch(r.stderr, /DNS/, "-dns-port=-1: no DNS, no DNS warning");
});

t.test("agent -server -bootstrap -data-dir persists KV across restarts (the seed's setup)", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), "disco-cli-persist-"));
  const argv = ["-server", "-bootstrap", "-ui", `-data-dir=${dir}`, "-bind=127.0.0.1", "-client=127.0.0.1", "-node=agent-one", "-http-port=0", "-dns-port=0", "-serf-lan-port=0"];
  const first = await startAgentCommand(argv);
  t.equal((await runIn(["kv", "put", first.addr, "kept", "yes"])).code, 0);
  const r1 = await first.stop();
  t.match(r1.stdout, /Server: true \(Bootstrap: true\)\n[^]*Mode: 'dev' \(persisted in /);
  t.match(r1.stdout, /Web UI: true\n/);
  const second = await startAgentCommand(argv);
  t.equal((await runIn(["kv", "get", second.addr, "kept"])).stdout, "yes\n");
  t.equal((await second.stop()).code, 0);
});

t.test("agent -server without -bootstrap runs a one-server raft cluster on -server-port", async (t) => {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const serverPort = (probe.address() as { port: number }).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  const dir = await mkdtemp(join(tmpdir(), "disco-cli-raft-"));
  const agent = await startAgentCommand(["-server", `-data-dir=${dir}`, "-bind=127.0.0.1", `-server-port=${serverPort}`, "-http-port=0", "-dns-port=-1", "-node=r1"]);
  const peers = await runIn(["operator", "raft", "list-peers", agent.addr]);
  t.match(peers.stdout, new RegExp(`\\n\\S+\\s+\\S+\\s+127\\.0\\.0\\.1:${serverPort}\\s+(leader|follower)\\s+true\\s+3\\n`));
  let put = await runIn(["kv", "put", agent.addr, "k", "v"]);
  for (let i = 0; i < 50 && put.code !== 0; i++) {
    // The one server elects itself within an election timeout.
    await new Promise((r) => setTimeout(r, 100));
    put = await runIn(["kv", "put", agent.addr, "k", "v"]);
  }
  t.equal(put.code, 0, "writes go through Raft");
  t.equal((await runIn(["kv", "get", agent.addr, "k"])).stdout, "v\n");
  const r = await agent.stop();
  t.equal(r.code, 0);
  t.match(r.stdout, /Server: true \(Bootstrap: false\)\n[^]*Mode: 'raft' \(persisted in /);
});

t.test("agent: cluster flags, bad settings and a busy port fail with one clear line and exit 1", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), "disco-cli-bad-"));
  const busy = createServer();
  await new Promise<void>((resolve) => busy.listen(0, "127.0.0.1", resolve));
  t.teardown(() => new Promise<void>((resolve) => busy.close(() => resolve())));
  const busyPort = (busy.address() as { port: number }).port;
  await writeFile(join(dir, "bad.json"), '{"server": "yes"}');
  await writeFile(join(dir, "badsvc.json"), '{"service": {"name": "x", "port": 99999}}');
  const cases: [string[], RegExp][] = [
    [[`-data-dir=${dir}`, "-http-port=0"], /^disco agent: invalid config join: a raft client agent needs the servers' RPC addresses[^\n]*\n$/],
    [["-server", "-bootstrap-expect=3", `-data-dir=${dir}`, "-http-port=0"], /^disco agent: invalid config bootstrapExpect: is 3, but join names 0 other servers/],
    [["-server", "-bootstrap"], /^disco agent: invalid config data-dir: is required unless -dev/],
    [["-dev", "-log-level=loud"], /^disco agent: invalid config log-level/],
    [["-dev", `-config-file=${join(dir, "bad.json")}`], /^disco agent: invalid config [^\n]*bad\.json: server: must be true or false/],
    [["-dev", "-http-port=0", "-dns-port=-1", `-config-file=${join(dir, "badsvc.json")}`], /^disco agent: invalid config services\[0\]: [^\n]*port/],
    [["-dev", `-http-port=${busyPort}`, "-dns-port=-1"], /^disco agent: [^\n]*EADDRINUSE/],
    [["-dev", "-encrypt=short"], /^disco agent: invalid config encrypt/],
  ];
  for (const [argv, message] of cases) {
    const r = await runIn(["agent", ...argv]);
    t.equal(r.code, 1, argv.join(" "));
    t.match(r.stderr, message);
    t.equal(r.stdout, "", "no banner");
  }
  t.equal((await runIn(["agent", "-dev", "extra"])).code, 2);
  t.equal((await runIn(["agent", "-dev", "-config-file=/nonexistent.json"])).code, 2);
});

/** A port nothing listens on (bound then released). */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, "127.0.0.1", resolve));
  const { port } = s.address() as { port: number };
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

t.test("bin: members, kv and errors against an in-process agent, with Consul's exit codes", async (t) => {
  const { agent, addr } = await startAgent(t);
  const port = await closedPort();
  const [members, kv, unreachable, badFlag] = await Promise.all([
    runBin(["members", addr]),
    runBin(["kv", "put", addr, "bin/key", "from the bin"]),
    runBin(["members"], { DISCO_HTTP_ADDR: `127.0.0.1:${port}` }),
    runBin(["kv", "get", "-bogus", addr, "k"]),
  ]);
  t.equal(members.code, 0, members.stderr);
  t.match(members.stdout, /^Node\s+Address\s+Status\s+Type\s+Build\s+Protocol\s+DC\nn1\s+127\.0\.0\.1:0\s+alive\s+server\s/);
  t.same([kv.code, kv.stdout], [0, "Success! Data written to: bin/key\n"]);
  t.equal((await agent.kv.get("bin/key"))?.value.toString(), "from the bin");
  t.equal(unreachable.code, 1, "unreachable agent: exit 1");
  t.equal(unreachable.stderr.split("\n").length, 2, "exactly one line on stderr");
  t.match(unreachable.stderr, new RegExp(`^disco members: cannot reach the agent at http://127\\.0\\.0\\.1:${port} \\(`));
  t.equal(unreachable.stdout, "");
  t.equal(badFlag.code, 2, "bad flag: exit 2");
  t.match(badFlag.stderr, /^disco kv get: flag provided but not defined: -bogus\n\nUsage: disco kv get /);
});

t.test("bin: `disco agent -dev -http-port=0` prints its real address, serves members, exits 0 on SIGTERM and removes its pid file; the seed's command line starts", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), "disco-cli-bin-"));
  const pidFile = join(dir, "disco.pid");
  const dev = spawnBin(["agent", "-dev", "-node=bin-dev", "-http-port=0", "-dns-port=0", `-pid-file=${pidFile}`]);
  const seed = spawnBin(["agent", "-server", "-bootstrap", "-ui", `-data-dir=${join(dir, "seed")}`, "-bind=127.0.0.1",
    "-client=127.0.0.1", "-node=agent-one", "-http-port=0", "-dns-port=0", "-serf-lan-port=0"]);
  t.teardown(() => {
    dev.kill("SIGKILL");
    seed.kill("SIGKILL");
  });
  const [devMatch, seedMatch] = await Promise.all([
    dev.waitForStdout(/HTTP Address: http:\/\/127\.0\.0\.1:(\d+)\n/, 20_000),
    seed.waitForStdout(/HTTP Address: http:\/\/127\.0\.0\.1:(\d+)\n/, 20_000),
  ]);
  t.equal(await readFile(pidFile, "utf8"), `${dev.pid}\n`, "pid file written");
  const [devMembers, seedMembers] = await Promise.all([
    runIn(["members", `-http-addr=127.0.0.1:${devMatch[1]}`]),
    runIn(["members"], { env: { CONSUL_HTTP_ADDR: `127.0.0.1:${seedMatch[1]}` } }),
  ]);
  t.match(devMembers.stdout, /\nbin-dev\s+127\.0\.0\.1:0\s+alive\s+server\s/);
  t.match(seedMembers.stdout, /\nagent-one\s+127\.0\.0\.1:\d+\s+alive\s+server\s/, "CONSUL_HTTP_ADDR is honoured (-bind starts gossip: members come from the pool)");
  t.match(seed.output().stdout, /Node name: 'agent-one'\n[^]*Server: true \(Bootstrap: true\)\n[^]*Web UI: true\n[^]*==> disco agent running!\n/);
  dev.kill("SIGTERM");
  seed.kill("SIGINT");
  const [devCode, seedCode] = await Promise.all([dev.exited(15_000), seed.exited(15_000)]);
  t.equal(devCode, 0, "SIGTERM: graceful exit 0");
  t.equal(seedCode, 0, "SIGINT: graceful exit 0");
  t.match(dev.output().stderr, /==> Caught signal: SIGTERM\n==> Gracefully shutting down agent\.\.\.\n[^]*==> disco agent stopped\n$/);
  t.notOk(existsSync(pidFile), "pid file removed");
  t.ok(existsSync(join(dir, "seed")), "the seed agent persisted into its -data-dir");
});
