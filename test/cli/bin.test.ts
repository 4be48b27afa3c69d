// The real executable, as a subprocess (`node --import tsx lib/cli/main.ts …` from the repo root).
import t from "tap";
import { existsSync } from "node:fs";
import { mkdtemp, readFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runBin, spawnBin, startAgent } from "./helpers.js";

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
    runBin(["kv", "put", addr, "bin/key", "from the bin"]).then(async (put) => ({ put, get: await runBin(["kv", "get", addr, "bin/key"]) })),
    runBin(["members"], { DISCO_HTTP_ADDR: `127.0.0.1:${port}` }),
    runBin(["kv", "get", "-bogus", addr, "k"]),
  ]);
  t.equal(members.code, 0, members.stderr);
  t.match(members.stdout, /^Node\s+Address\s+Status\s+Type\s+Build\s+Protocol\s+DC\nn1\s+127\.0\.0\.1:0\s+alive\s+server\s/);
  t.same([kv.put.code, kv.put.stdout], [0, "Success! Data written to: bin/key\n"]);
  t.same([kv.get.code, kv.get.stdout], [0, "from the bin\n"]);
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
    "-client=127.0.0.1", "-node=agent-one", "-http-port=0", "-dns-port=0"]);
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
    runBin(["members", `-http-addr=127.0.0.1:${devMatch[1]}`]),
    runBin(["members"], { CONSUL_HTTP_ADDR: `127.0.0.1:${seedMatch[1]}` }),
  ]);
  t.match(devMembers.stdout, /\nbin-dev\s+127\.0\.0\.1:0\s+alive\s+server\s/);
  t.match(seedMembers.stdout, /\nagent-one\s+127\.0\.0\.1:0\s+alive\s+server\s/, "CONSUL_HTTP_ADDR is honoured");
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
