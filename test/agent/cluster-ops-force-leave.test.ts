import t from "tap";
import { forceLeave } from "../../lib/agent/cluster-ops.js";
import type { GossipNode } from "../../lib/membership/node.js";
import type { CommandBackend } from "../../lib/agent/backend.js";
import type { MemberStatus } from "../../lib/membership/types.js";

/** A gossip node that knows `members` and records what it was asked to force-leave. */
function fakeGossip(members: Record<string, MemberStatus>): { gossip: GossipNode; asked: unknown[] } {
  const asked: unknown[] = [];
  const gossip = {
    name: "self",
    member: (name: string) => (members[name] ? { name, status: members[name] } : undefined),
    forceLeave: (name: string, options: unknown) => {
      asked.push([name, options]);
      return true;
    },
  };
  return { gossip: gossip as unknown as GossipNode, asked };
}

/** A consensus backend whose catalog holds `nodes`; `fail` makes the deregistration reject. */
function fakeBackend(nodes: string[], fail = false): { backend: CommandBackend; proposed: unknown[] } {
  const proposed: unknown[] = [];
  const backend = {
    catalog: { state: { node: (n: string) => (nodes.includes(n) ? { node: n } : undefined) } },
    propose: async (cmd: unknown) => {
      if (fail) throw Object.assign(new Error("no leader"), { name: "NoLeaderError" });
      proposed.push(cmd);
      return { ok: true };
    },
  };
  return { backend: backend as unknown as CommandBackend, proposed };
}

t.test("agent force-leave: a failed member leaves the catalog and the gossip pool is told, with prune passed on", async (t) => {
  const { gossip, asked } = fakeGossip({ self: "alive", web: "failed", db: "left" });
  const { backend, proposed } = fakeBackend(["web"]);
  t.same(await forceLeave(gossip, backend, "web", 5, undefined, { prune: true }), { status: "failed", deregistered: true, pruned: true });
  t.same(proposed, [{ op: "deregister", node: "web", nowMs: 5 }]);
  t.same(await forceLeave(gossip, backend, "db", 6), { status: "left", deregistered: false, pruned: false }, "not in the catalog: only the pool");
  t.same(asked, [["web", { prune: true }], ["db", { prune: false }]]);
});

t.test("agent force-leave: live members and itself are left alone; bad input and an unknown member are refused", async (t) => {
  const { gossip, asked } = fakeGossip({ self: "alive", app: "alive", cache: "suspect", web: "failed" });
  const { backend, proposed } = fakeBackend(["app", "cache", "web"]);
  for (const name of ["app", "cache", "self"]) {
    t.match(await forceLeave(gossip, backend, name, 1, undefined, { prune: true }), { deregistered: false, pruned: false }, name);
  }
  await t.rejects(forceLeave(gossip, backend, "", 1), { name: "InvalidArgumentError", field: "node" });
  await t.rejects(forceLeave(gossip, backend, "web", 1, undefined, { prune: "yes" as never }), { name: "InvalidArgumentError", field: "prune" });
  await t.rejects(forceLeave(gossip, backend, "ghost", 1), { name: "NotFoundError" });
  await t.rejects(forceLeave(undefined, backend, "web", 1), { name: "GossipRequiredError" });
  t.same([asked, proposed], [[], []], "nothing done");
});

t.test("agent force-leave: when the catalog step fails the pool is not told (nothing half-applied)", async (t) => {
  const { gossip, asked } = fakeGossip({ self: "alive", web: "failed" });
  const { backend } = fakeBackend(["web"], true);
  await t.rejects(forceLeave(gossip, backend, "web", 1, undefined, { prune: true }), { message: "no leader" });
  t.same(asked, []);
});
