import t from "tap";
import { Agent, InvalidArgumentError, InvalidConfigError } from "../../lib/index.js";

t.test("Agent.start: bad options are InvalidConfigError naming the field", async (t) => {
  const cases: Array<[Record<string, unknown>, string]> = [
    [{ mode: "cluster" }, "mode"],
    [{ node: "" }, "node"],
    [{ node: "has space" }, "node"],
    [{ datacenter: "dc 1" }, "datacenter"],
    [{ bootstrapExpect: 0 }, "bootstrapExpect"],
    [{ join: "127.0.0.1:8301" }, "join"],
    [{ join: ["nope"] }, "join[0]"],
    [{ bind: "127.0.0.1:99999" }, "bind"],
    [{ encrypt: "short" }, "encrypt"],
    [{ meta: { a: 1 } }, "meta"],
    [{ logger: console.log }, "logger"],
    [{ datacentre: "dc1" }, "datacentre"],
    [{ dataDir: "" }, "dataDir"],
  ];
  for (const [options, field] of cases) {
    await t.rejects(Agent.start(options as never), { name: "InvalidConfigError", field }, `${JSON.stringify(options)} names ${field}`);
  }
  t.ok(new InvalidConfigError("x", "y") instanceof Error);
});

t.test("Agent.start: cluster modes check what they need (servers, RPC and gossip addresses)", async (t) => {
  await t.rejects(Agent.start({ mode: "raft", server: false }), { name: "InvalidConfigError", field: "join" }, "a raft client needs servers to follow");
  await t.rejects(Agent.start({ mode: "gossip" }), { name: "InvalidConfigError", field: "bind" }, "gossip mode needs a gossip address");
  await t.rejects(Agent.start({ mode: "raft", server: true, bootstrapExpect: 3 }), { name: "InvalidConfigError", field: "rpc" });
  await t.rejects(Agent.start({ mode: "raft", server: true, rpc: "127.0.0.1:0" }), { name: "InvalidConfigError", field: "rpc" });
  await t.rejects(Agent.start({ mode: "raft", server: true, rpc: "127.0.0.1:8300", join: ["127.0.0.1:8301"], bootstrapExpect: 3 }),
    { name: "InvalidConfigError", field: "bootstrapExpect" });
});

t.test("register: bad input is InvalidArgumentError naming the field, and nothing is registered", async (t) => {
  const agent = await Agent.start({ node: "n1" });
  t.teardown(() => agent.close());
  const cases: Array<[unknown, string]> = [
    [null, "service"],
    [{ port: 80 }, "service.name"],
    [{ name: "", port: 80 }, "service.name"],
    [{ name: "a/b", port: 80 }, "service.name"],
    [{ name: "web" }, "service.port"],
    [{ name: "web", port: 70000 }, "service.port"],
    [{ name: "web", port: -1 }, "service.port"],
    [{ name: "web", port: 1.5 }, "service.port"],
    [{ name: "web", port: 80, tags: "v1" }, "service.tags"],
    [{ name: "web", port: 80, tags: [""] }, "service.tags[0]"],
    [{ name: "web", port: 80, meta: { k: 1 } }, "service.meta.k"],
    [{ name: "web", port: 80, weights: { passing: 0 } }, "service.weights.passing"],
    [{ name: "web", port: 80, prot: 80 }, "service.prot"],
    [{ name: "web", port: 80, heartbeat: "yes" }, "service.heartbeat"],
    [{ name: "web", port: 80, check: { ttl: "ten seconds" } }, "service.check.ttl"],
    [{ name: "web", port: 80, check: {} }, "service.check"],
    [{ name: "web", port: 80, check: { ttl: "10s", http: "http://x" } }, "service.check"],
    [{ name: "web", port: 80, check: { ttl: "10s" }, checks: [] }, "service.checks"],
  ];
  for (const [input, field] of cases) {
    await t.rejects(agent.register(input as never), { name: "InvalidArgumentError" }, `${JSON.stringify(input)} is refused`);
    try {
      await agent.register(input as never);
    } catch (err) {
      t.ok(err instanceof InvalidArgumentError && err.field.startsWith(field), `${JSON.stringify(input)}: field ${(err as InvalidArgumentError).field} starts with ${field}`);
    }
  }
  t.same(await agent.catalog.services(), { }, "nothing was registered");
});

t.test("discover: bad options are typed errors", async (t) => {
  const agent = await Agent.start({ node: "n1" });
  t.teardown(() => agent.close());
  t.throws(() => agent.discover(""), InvalidArgumentError);
  t.throws(() => agent.discover("web", { policy: "fastest" as never }), InvalidArgumentError);
  t.throws(() => agent.discover("web", { failover: "dc2" as unknown as string[] }), { name: "InvalidArgumentError", field: "failover" });
  const remote = agent.discover("web", { dc: "dc2" });
  const err = await new Promise<Error>((resolve) => remote.once("error", resolve));
  t.match(err, { name: "NoPathToDatacenterError", code: "NO_PATH_TO_DC" }, "a dev agent knows no other datacenter: a typed error, not a hang");
  remote.close();
});

t.test("a closed agent refuses new work with ClosedError", async (t) => {
  const agent = await Agent.start({ node: "n1" });
  await agent.close();
  await t.rejects(agent.register({ name: "x", port: 1 }), { name: "ClosedError" });
  t.throws(() => agent.discover("x"), { name: "ClosedError" });
  await t.resolves(agent.close(), "close twice is fine");
});
