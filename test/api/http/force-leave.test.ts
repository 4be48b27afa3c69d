import t from "tap";
import { Agent } from "../../../lib/index.js";
import { waitFor } from "../../agent/helpers.js";
import { runIn } from "../../cli/helpers.js";

const statusAt = (a: Agent, name: string): string | undefined => a.members().find((m) => m.name === name)?.status;

t.test("PUT /v1/agent/force-leave/:node and `disco force-leave -prune`: a failed member is left, then gone, on every agent", async (t) => {
  const keepAlive = setInterval(() => {}, 1000);
  t.teardown(() => clearInterval(keepAlive));
  const agents: Agent[] = [];
  t.teardown(() => Promise.all(agents.map((a) => a.close())));
  // Each joins through every earlier one: push-pull both ways, so nobody depends on a lucky gossip round.
  for (const node of ["a0", "a1", "a2", "a3"]) {
    agents.push(await Agent.start({
      mode: "gossip", node, bind: "127.0.0.1:0", join: agents.map((a) => a.gossipAddress!), gossipProfile: "local", http: "127.0.0.1:0",
    }));
  }
  const rest = agents.slice(1);
  await waitFor(() => agents.every((a) => a.members().filter((m) => m.status === "alive").length === 4), 40_000, "convergence (bounded by the first push-pull, 15–30 s in LOCAL)");
  const survivors = agents.slice(0, 3);
  await rest[2]!.close(); // abrupt: no leave
  await waitFor(() => survivors.every((a) => statusAt(a, "a3") === "failed"), 20_000, "a3 failed everywhere");

  const res = await fetch(`http://127.0.0.1:${agents[0]!.httpAddress!.port}/v1/agent/force-leave/a3`, { method: "PUT" });
  t.equal(res.status, 200);
  await waitFor(() => survivors.every((a) => statusAt(a, "a3") === "left"), 5_000, "a3 left on every agent");
  t.same(survivors.map((a) => statusAt(a, "a3")), survivors.map(() => "left"), "a3 shows left on every agent");

  const cli = await runIn(["force-leave", `-http-addr=127.0.0.1:${rest[0]!.httpAddress!.port}`, "-prune", "a3"]);
  t.same([cli.code, cli.stderr], [0, ""], "the CLI accepts -prune for a left member");
  await waitFor(() => survivors.every((a) => statusAt(a, "a3") === undefined), 5_000, "a3 gone from every list");
  t.same(survivors.map((a) => statusAt(a, "a3")), survivors.map(() => undefined), "-prune forgets a3 on every agent");
});
