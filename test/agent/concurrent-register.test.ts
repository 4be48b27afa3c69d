import t from "tap";
import { Agent } from "../../lib/index.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

t.test("concurrent register() calls for one ID apply in order and leave exactly one set of check runners", async (t) => {
  const keepAlive = setInterval(() => {}, 1000);
  t.teardown(() => clearInterval(keepAlive));
  const agent = await Agent.start({ node: "n1" });
  t.teardown(() => agent.close());
  const runs = new Map<number, number>();
  const checkFor = (port: number) => ({
    fn: () => {
      runs.set(port, (runs.get(port) ?? 0) + 1);
      return true;
    },
    interval: "100ms",
  });
  await Promise.all([1, 2, 3, 4, 5].map((port) => agent.register({ name: "web", port, check: checkFor(port) })));
  const [entry] = await agent.catalog.service("web");
  t.equal(entry?.service.port, 5, "the last call wins, in the catalog");
  await sleep(500);
  runs.clear();
  await sleep(500);
  t.same([...runs.keys()], [5], "only the last registration's check still runs");
  const deregistered = Promise.all([agent.deregister("web"), agent.register({ name: "web", port: 6, check: checkFor(6) })]);
  t.same((await deregistered)[0], true, "the deregister found the service");
  t.equal((await agent.catalog.service("web"))[0]?.service.port, 6, "a deregister then a register of the same ID, in call order");
  await agent.deregister("web");
  runs.clear();
  await sleep(500);
  t.same([...runs.keys()], [], "after deregistration no runner is left");
});
