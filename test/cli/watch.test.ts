import t from "tap";
import { runIn, startAgent, waitFor } from "./helpers.js";

t.test("watch -once: prints the current view as JSON for each type", async (t) => {
  const { agent, addr } = await startAgent(t);
  await agent.kv.put("cfg/a", "1");
  await agent.register({ name: "web", port: 80, tags: ["v1"], check: { ttl: "10s" }, heartbeat: false });
  const key = await runIn(["watch", addr, "-once", "-type=key", "-key=cfg/a"]);
  t.equal(key.code, 0);
  t.match(JSON.parse(key.stdout), { Key: "cfg/a", Value: "MQ==" });
  t.match(key.stdout, /^\{\n {4}"/, "indented by four spaces, as consul watch");
  t.equal((await runIn(["watch", addr, "-once", "-type=key", "-key=none"])).stdout, "null\n", "a missing key is null");
  t.match(JSON.parse((await runIn(["watch", addr, "-once", "-type=keyprefix", "-prefix=cfg/"])).stdout), [{ Key: "cfg/a" }]);
  t.same(JSON.parse((await runIn(["watch", addr, "-once", "-type=keyprefix", "-prefix=none/"])).stdout), []);
  t.same(JSON.parse((await runIn(["watch", addr, "-once", "-type=services"])).stdout), { web: ["v1"] });
  t.match(JSON.parse((await runIn(["watch", addr, "-once", "-type=nodes"])).stdout), [{ Node: "n1" }]);
  t.match(JSON.parse((await runIn(["watch", addr, "-once", "-type=service", "-service=web", "-tag=v1"])).stdout), [{ Service: { Service: "web" } }]);
  t.same(JSON.parse((await runIn(["watch", addr, "-once", "-type=service", "-service=web", "-passingonly"])).stdout), []);
  t.match(JSON.parse((await runIn(["watch", addr, "-once", "-type=checks", "-service=web"])).stdout), [{ ServiceName: "web" }]);
  const critical = JSON.parse((await runIn(["watch", addr, "-once", "-type=checks", "-state=critical"])).stdout) as unknown[];
  t.equal(critical.length, 1);
  t.equal((JSON.parse((await runIn(["watch", addr, "-once", "-type=checks"])).stdout) as unknown[]).length, 2, "any state by default");
});

t.test("watch: blocking queries print the view again each time it changes, until interrupted", async (t) => {
  const { agent, addr } = await startAgent(t);
  await agent.kv.put("k", "v1");
  const stop = new AbortController();
  let seen = "";
  const running = runIn(["watch", addr, "-type=key", "-key=k"], { interrupts: stop.signal, onStdout: (s) => (seen = s) });
  await waitFor(() => seen.includes('"Value": "djE="'), 5000, "the first value");
  await agent.kv.put("unrelated", "x");
  await agent.kv.put("k", "v2");
  await waitFor(() => seen.includes('"Value": "djI="'), 5000, "the changed value");
  await agent.kv.delete("k");
  await waitFor(() => seen.endsWith("null\n"), 5000, "the deletion");
  stop.abort("SIGINT");
  const r = await running;
  t.equal(r.code, 0, "an interrupted watch exits 0");
  t.equal(r.stdout.match(/"Key": "k"/g)?.length, 2, "printed once per change, not on unrelated writes");
});

t.test("watch with a handler: the JSON goes to the handler's stdin with CONSUL_INDEX set", async (t) => {
  const { agent, addr } = await startAgent(t);
  await agent.kv.put("k", "v");
  const r = await runIn(["watch", addr, "-once", "-type=key", "-key=k", "cat; echo index=$CONSUL_INDEX"], { env: { PATH: process.env["PATH"] } });
  t.equal(r.code, 0);
  t.match(r.stdout, /^\{\n[^]*"Key": "k"[^]*\}\nindex=\d+\n$/);
  const failing = await runIn(["watch", addr, "-once", "-type=key", "-key=k", "exit 3"], { env: { PATH: process.env["PATH"] } });
  t.equal(failing.code, 0, "a failing handler is reported, the watch goes on");
  t.match(failing.stderr, /handler exited with code 3/);
});

t.test("watch: bad flag combinations are usage errors; -type=event is not supported yet", async (t) => {
  const { addr } = await startAgent(t);
  const cases: [string[], RegExp][] = [
    [[], /-type is required/], [["-type=bogus"], /unknown -type "bogus"/], [["-type=key"], /-type=key needs -key/],
    [["-type=services", "-key=x"], /-key cannot be used with -type=services/], [["-type=service"], /needs -service/],
    [["-type=checks", "-service=a", "-state=any"], /cannot be used together/], [["-type=checks", "-state=sad"], /-state must be one of/],
  ];
  for (const [argv, message] of cases) {
    const r = await runIn(["watch", addr, ...argv]);
    t.equal(r.code, 2, argv.join(" "));
    t.match(r.stderr, message);
  }
  const event = await runIn(["watch", addr, "-type=event", "-name=deploy"]);
  t.same([event.code, event.stderr], [1, "disco watch: not supported yet (-type=event: the agent has no user events)\n"]);
  t.equal((await runIn(["watch", addr, "-once", "-type=keyprefix", "-prefix="])).code, 0, "an empty prefix watches every key");
});

t.test("watch: the first query failing is an error; an interrupted watch exits 0", async (t) => {
  const { agent, addr } = await startAgent(t);
  const stop = new AbortController();
  stop.abort("SIGINT");
  t.equal((await runIn(["watch", addr, "-type=services"], { interrupts: stop.signal })).code, 0);
  await agent.close();
  const r = await runIn(["watch", addr, "-type=services"], { interrupts: new AbortController().signal });
  t.equal(r.code, 1);
  t.match(r.stderr, /^disco watch: cannot reach the agent/);
});
