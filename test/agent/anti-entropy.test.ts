import t from "tap";
import { Agent } from "../../lib/index.js";
import { AntiEntropy } from "../../lib/agent/anti-entropy.js";
import { ManualTimers } from "../../lib/util/timers.js";
import { SeededRng } from "../../lib/util/rng.js";
import { silentLogger } from "../../lib/util/logger.js";
import { waitFor } from "./helpers.js";

t.test("anti-entropy: repairs only on divergence, keeps going after a failed repair, stops on stop()", async (t) => {
  const timers = new ManualTimers();
  let diverged = false;
  let repairs = 0;
  let failNext = false;
  const loop = new AntiEntropy({
    diverged: () => diverged,
    repair: async () => {
      repairs++;
      if (failNext) {
        failNext = false;
        throw new Error("no leader");
      }
      diverged = false;
    },
  }, 1000, timers, new SeededRng(1), silentLogger);
  loop.start();
  const tick = async (): Promise<void> => {
    timers.advance(1100); // interval plus the largest jitter
    for (let i = 0; i < 5; i++) await Promise.resolve();
  };
  await tick();
  t.equal(repairs, 0, "nothing is written while the catalog agrees");
  diverged = true;
  failNext = true;
  await tick();
  t.same([repairs, loop.repairs, diverged], [1, 0, true], "a failed repair is not counted");
  await tick();
  t.same([repairs, loop.repairs, diverged], [2, 1, false], "the next round repairs");
  loop.stop();
  diverged = true;
  await tick();
  t.equal(repairs, 2, "no round after stop()");
  t.equal(timers.size, 0, "no timer left");
});

t.test("an agent writes back a service and a node deregistered behind its back (Consul's anti-entropy)", async (t) => {
  const keepAlive = setInterval(() => {}, 1000);
  t.teardown(() => clearInterval(keepAlive));
  const agent = await Agent.start({ node: "n1", http: "127.0.0.1:0", antiEntropyInterval: "200ms" });
  t.teardown(() => agent.close());
  await agent.register({ name: "web", port: 8080, check: { ttl: "10s" } });
  const base = `http://127.0.0.1:${agent.httpAddress!.port}`;
  const put = (body: unknown) => fetch(`${base}/v1/catalog/deregister`, { method: "PUT", body: JSON.stringify(body) });

  const createdAt = (await agent.catalog.service("web"))[0]!.service.createIndex;
  t.equal((await put({ Node: "n1", ServiceID: "web" })).status, 200);
  // Written back means created again, at a later index (the loop may already have run by the time we look).
  await waitFor(async () => ((await agent.catalog.service("web"))[0]?.service.createIndex ?? 0) > createdAt, 10_000, "web written back");
  const checks = await agent.health.checks("web");
  t.same(checks.map((c) => [c.checkId, c.status]), [["service:web", "passing"]], "with its check and its status");

  const nodeCreatedAt = (await agent.catalog.node("n1"))!.node.createIndex;
  t.equal((await put({ Node: "n1" })).status, 200);
  await waitFor(async () => ((await agent.catalog.node("n1"))?.node.createIndex ?? 0) > nodeCreatedAt &&
    (await agent.catalog.service("web")).length === 1, 10_000, "node and service written back");
  t.ok((await agent.health.node("n1")).some((c) => c.checkId === "serfHealth"), "the node's serfHealth check is back");
});

t.test("antiEntropyInterval is validated", async (t) => {
  await t.rejects(Agent.start({ antiEntropyInterval: "10ms" }), { name: "InvalidConfigError", field: "antiEntropyInterval" });
  await t.rejects(Agent.start({ antiEntropyInterval: "soon" as never }), { name: "InvalidConfigError", field: "antiEntropyInterval" });
});
