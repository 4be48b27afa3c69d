import t from "tap";
import { Agent } from "../../lib/index.js";
import type { UserEvent } from "../../lib/agent/events.js";
import { waitFor } from "./helpers.js";

t.test("user events spread by gossip: fired on one agent, kept by every member whose filters match", async (t) => {
  const keepAlive = setInterval(() => {}, 1000);
  t.teardown(() => clearInterval(keepAlive));
  const a = await Agent.start({ mode: "gossip", node: "a", bind: "127.0.0.1:0", gossipProfile: "local" });
  t.teardown(() => a.close());
  const b = await Agent.start({ mode: "gossip", node: "b", bind: "127.0.0.1:0", join: [a.gossipAddress!], gossipProfile: "local" });
  t.teardown(() => b.close());
  const c = await Agent.start({ mode: "gossip", node: "c", bind: "127.0.0.1:0", join: [a.gossipAddress!], gossipProfile: "local" });
  t.teardown(() => c.close());
  const agents = [a, b, c];
  await waitFor(() => agents.every((x) => x.members().filter((m) => m.status === "alive").length === 3), 40_000, "three alive members (bounded by the first push-pull, 15–30 s in LOCAL)");
  await c.register({ name: "api", port: 7000, tags: ["canary"] });
  const onB: UserEvent[] = [];
  b.on("user-event", (e) => onB.push(e));

  const deploy = a.fireEvent("deploy", "v2");
  await waitFor(() => agents.every((x) => x.events("deploy").length === 1), 10_000, "every member to keep the event");
  for (const x of agents) {
    t.match(x.events("deploy")[0], { id: deploy.id, name: "deploy", ltime: deploy.ltime }, `${x.node} keeps it, at the Lamport time fire answered`);
  }
  t.equal(b.events("deploy")[0]!.payload!.toString(), "v2");
  t.match(onB, [{ id: deploy.id }], "the receiving agent emits user-event");

  const toB = a.fireEvent("restart", undefined, { node: "^b$" });
  t.ok(toB.ltime > deploy.ltime, "the Lamport clock moves on");
  const toApi = b.fireEvent("flush", "x", { service: "^api$", tag: "^canary$" });
  await waitFor(() => b.events("restart").length === 1 && c.events("flush").length === 1, 10_000, "the filtered events to arrive");
  const later = a.fireEvent("marker");
  await waitFor(() => agents.every((x) => x.events("marker").length === 1), 10_000, "a later event everywhere");
  t.same(a.events("restart"), [], "a node filter for b: a does not keep it");
  t.same(c.events("restart"), [], "nor does c");
  t.same([a.events("flush"), b.events("flush")], [[], []], "a service+tag filter: only the node running api[canary] keeps it");
  t.match(c.events("flush")[0], { id: toApi.id, serviceFilter: "^api$", tagFilter: "^canary$" });
  t.same(b.events().map((e) => e.id), [deploy.id, toB.id, later.id], "b kept each of its events once, in order");
});
