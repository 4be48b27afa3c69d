import t from "tap";
import { fileURLToPath } from "node:url";
import { runIn, spawnBin, startAgent } from "./helpers.js";
import { freePorts, waitFor } from "../agent/helpers.js";

const service = fileURLToPath(new URL("./fixtures/http-service.cjs", import.meta.url));

t.test("disco run: starts the command, registers it with an HTTP check, forwards SIGTERM, deregisters, exits with its code", async (t) => {
  const { agent, addr } = await startAgent(t);
  const [port] = await freePorts(1);
  const run = spawnBin(["run", addr, "-name", "web", "-port", String(port), "-tag", "v1", "-check-http", "/health", "-interval", "200ms",
    "--", process.execPath, service]);
  t.teardown(() => run.kill("SIGKILL"));
  await run.waitForStdout(/listening \d+ as web-\d+/, 15_000);
  const web = agent.discover("web");
  await web.ready();
  t.match(web.pick(), { id: `web-${port}`, port, tags: ["v1"], status: "passing" }, "registered and passing its HTTP check");
  run.kill("SIGTERM");
  t.equal(await run.exited(15_000), 0, "exit code is the child's (it exits 0 on SIGTERM)");
  await waitFor(async () => (await agent.catalog.service("web")).length === 0, 5000, "deregistration");
  t.match(run.output().stderr, /deregistered web-\d+/);
  web.close();
});

t.test("disco run: a TTL check is heartbeated while the command lives; its own exit code is passed on", async (t) => {
  const { agent, addr } = await startAgent(t);
  const [port] = await freePorts(1);
  const run = spawnBin(["run", addr, "-name", "job", "-port", String(port), "-ttl", "1s", "--", process.execPath, service],
    { EXIT_AFTER_MS: "2500", EXIT_AFTER_CODE: "3" });
  t.teardown(() => run.kill("SIGKILL"));
  await waitFor(async () => (await agent.health.service("job"))[0]?.status === "passing", 10_000, "a passing TTL check");
  await new Promise((r) => setTimeout(r, 1300));
  t.equal((await agent.health.service("job"))[0]?.status, "passing", "still passing after more than one TTL: heartbeats");
  t.equal(await run.exited(15_000), 3, "the child's exit code");
  t.same(await agent.catalog.service("job"), [], "deregistered after the exit");
});

t.test("disco run: usage errors", async (t) => {
  const { addr } = await startAgent(t);
  t.equal((await runIn(["run", addr, "-port", "80", "--", "true"])).code, 2, "no -name");
  t.equal((await runIn(["run", addr, "-name", "x", "--", "true"])).code, 2, "no -port");
  t.equal((await runIn(["run", addr, "-name", "x", "-port", "80"])).code, 2, "no command");
  t.equal((await runIn(["run", addr, "-name", "x", "-port", "80", "-ttl", "1s", "-check-tcp", "--", "true"])).code, 2, "two checks");
});

t.test("disco template through the disco command: renders once from the agent and exits 0; a missing -template is a usage error", async (t) => {
  const { agent, addr } = await startAgent(t);
  await agent.register({ name: "web", port: 8080, check: { ttl: "10s" } });
  const dry = await runIn(["template", addr, "-once", "-dry", "-template", `${fileURLToPath(new URL("./fixtures/upstream.tpl", import.meta.url))}:out.conf`]);
  t.equal(dry.code, 0, dry.stderr);
  t.match(dry.stdout, /server 127\.0\.0\.1:8080;/);
  t.equal((await runIn(["template", addr, "-once"])).code, 2);
});
