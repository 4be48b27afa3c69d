import t from "tap";
import type { Member } from "../../../lib/membership/types.js";
import { allSeeAlive, startCluster, statusOf, waitFor } from "./helpers.js";

t.test("gossip driver: force-leave turns a closed member left on every member; -prune removes another from every list (Consul force-leave)", async (t) => {
  const nodes = await startCluster(t, 5);
  const names = nodes.map((n) => n.name);
  await waitFor(() => allSeeAlive(nodes, names), 10_000, "convergence");
  const survivors = nodes.slice(0, 3);
  const leaves: string[] = [];
  for (const n of survivors) n.on("member-leave", (m: Member) => leaves.push(`${n.name}:${m.name}`));
  await Promise.all([nodes[3]!.close(), nodes[4]!.close()]); // abrupt: no leave
  await waitFor(() => survivors.every((n) => statusOf(n, "n3") === "failed" && statusOf(n, "n4") === "failed"), 15_000, "n3 and n4 failed everywhere");

  t.equal(survivors[1]!.forceLeave("n3"), true);
  t.equal(statusOf(survivors[1]!, "n3"), "left", "left at once where asked");
  await waitFor(() => survivors.every((n) => statusOf(n, "n3") === "left"), 5_000, "n3 left everywhere");
  t.pass("every survivor sees n3 left");

  t.equal(survivors[2]!.forceLeave("n4", { prune: true }), true);
  t.equal(survivors[2]!.member("n4"), undefined, "forgotten at once where asked");
  await waitFor(() => survivors.every((n) => n.member("n4") === undefined), 5_000, "n4 gone everywhere");
  t.pass("n4 is gone from every survivor's list");

  await new Promise((resolve) => setTimeout(resolve, 1_500)); // a few gossip and probe rounds
  t.ok(survivors.every((n) => statusOf(n, "n3") === "left" && n.member("n4") === undefined), "and it stays so");
  t.same(leaves.filter((l) => l.endsWith(":n3")).sort(), ["n0:n3", "n1:n3", "n2:n3"], "one member-leave for n3 on each");
  t.same(leaves.filter((l) => l.endsWith(":n4")).sort(), ["n0:n4", "n1:n4", "n2:n4"], "a pruned failed member is reported left before it goes");
  t.ok(allSeeAlive(survivors, names.slice(0, 3)), "the survivors are untouched");
  t.same(survivors.map((n) => n.stats().members), Array(3).fill({ alive: 3, suspect: 0, failed: 0, left: 1 }));
});

t.test("gossip driver: a live member that is force-left refutes it and stays alive everywhere; bad calls are refused", async (t) => {
  const nodes = await startCluster(t, 4);
  const names = nodes.map((n) => n.name);
  await waitFor(() => allSeeAlive(nodes, names), 10_000, "convergence");
  const target = nodes[2]!;
  const leaves: string[] = [];
  for (const n of nodes) n.on("member-leave", (m: Member) => leaves.push(`${n.name}:${m.name}`));
  const before = target.stats().incarnation;
  t.equal(nodes[1]!.forceLeave("n2"), true);
  await waitFor(() => nodes.every((n) => n.member("n2")!.incarnation > before), 5_000, "the refutation to reach everyone");
  t.ok(target.stats().swim.refutations >= 1, "it refuted");
  t.ok(allSeeAlive(nodes, names), "alive everywhere");
  t.same(leaves, [], "nobody saw it leave");

  t.equal(nodes[0]!.forceLeave("ghost"), false, "an unknown name: false");
  t.throws(() => nodes[0]!.forceLeave(""), { name: "InvalidArgumentError", field: "name" });
  t.throws(() => nodes[0]!.forceLeave("n0"), { name: "InvalidArgumentError", field: "name" });
  t.throws(() => nodes[0]!.forceLeave("n1", { prune: 1 as never }), { name: "InvalidArgumentError", field: "prune" });
  await nodes[3]!.close();
  t.throws(() => nodes[3]!.forceLeave("n1"), { name: "ClosedError" });
});
