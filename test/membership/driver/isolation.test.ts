import t from "tap";
import { Keyring, generateKey } from "../../../lib/transport/keyring.js";
import { JoinError } from "../../../lib/membership/node-types.js";
import { addr, allSeeAlive, startCluster, startNode, statusOf, waitFor } from "./helpers.js";

const settle = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

t.test("gossip driver: members with mismatched keys never merge (memberlist TestGossip_MismatchedKeys)", async (t) => {
  const a = await startNode(t, "a", { encrypt: generateKey() });
  const b = await startNode(t, "b", { encrypt: generateKey() });
  const err = await b.join([addr(a)]).catch((e: unknown) => e);
  t.ok(err instanceof JoinError, "join fails");
  t.match(err, { code: "TIMEOUT", failures: [{ address: addr(a) }] });
  await t.rejects(a.join([addr(b)]), JoinError, "and the other way round");
  await settle(1000);
  t.same(a.members().map((m) => m.name), ["a"]);
  t.same(b.members().map((m) => m.name), ["b"]);
  t.ok(a.stats().crypto.authFailed >= 1, "the foreign push-pull failed authentication");
  t.ok(a.stats().pushPull.refused >= 1);
});

t.test("gossip driver: members with mismatched labels never merge, with or without encryption (memberlist label_test)", async (t) => {
  const key = generateKey();
  for (const encrypt of [undefined, key]) {
    const a = await startNode(t, `a-${encrypt ? "enc" : "plain"}`, { label: "blue", ...(encrypt ? { encrypt } : {}) });
    const b = await startNode(t, `b-${encrypt ? "enc" : "plain"}`, { label: "green", ...(encrypt ? { encrypt } : {}) });
    const c = await startNode(t, `c-${encrypt ? "enc" : "plain"}`, { ...(encrypt ? { encrypt } : {}) });
    await t.rejects(b.join([addr(a)]), JoinError);
    await t.rejects(c.join([addr(a)]), JoinError, "no label cannot join a labelled cluster");
    await t.rejects(a.join([addr(c)]), JoinError, "a labelled member cannot join an unlabelled one");
    t.ok(a.stats().crypto.labelMismatch >= 2);
    t.equal(a.members().length, 1);
    t.equal(b.members().length, 1);
    t.equal(c.members().length, 1);
  }
});

t.test("gossip driver: an encrypted member and a plain-text member never merge", async (t) => {
  const enc = await startNode(t, "enc", { encrypt: generateKey() });
  const plain = await startNode(t, "plain");
  await t.rejects(plain.join([addr(enc)]), JoinError);
  await t.rejects(enc.join([addr(plain)]), JoinError);
  t.equal(enc.members().length + plain.members().length, 2);
});

t.test("gossip driver: keys rotate on a running cluster — install everywhere, use, remove the old — and it keeps talking", async (t) => {
  const oldKey = generateKey();
  const newKey = generateKey();
  const nodes = await startCluster(t, 3, { encrypt: oldKey, label: "rot" }, "r");
  const names = nodes.map((n) => n.name);
  await waitFor(() => allSeeAlive(nodes, names), 10_000, "convergence");
  for (const n of nodes) n.keyring!.install(newKey);
  for (const n of nodes) n.keyring!.use(newKey);
  for (const n of nodes) n.keyring!.remove(oldKey);
  t.same(nodes[0]!.keyring!.list(), [newKey]);
  // A newcomer holding only the new key joins; with probes flowing for a few periods nobody is suspected.
  const late = await startNode(t, "r-late", { encrypt: new Keyring([newKey]), label: "rot", join: [addr(nodes[1]!)] });
  const all = [...nodes, late];
  await waitFor(() => allSeeAlive(all, all.map((n) => n.name)), 10_000, "the newcomer everywhere");
  await settle(2000);
  t.ok(allSeeAlive(all, all.map((n) => n.name)), "still all alive two seconds (four probe periods) later");
  t.equal(nodes[0]!.stats().swim.probesFailed, 0, "no probe was lost across the rotation");
  const stale = await startNode(t, "r-stale", { encrypt: oldKey, label: "rot" });
  await t.rejects(stale.join([addr(nodes[0]!)]), JoinError, "the removed key is refused");
  t.equal(statusOf(nodes[0]!, "r-stale"), undefined);
});

t.test("gossip driver: start() with an unreachable seed rejects with JoinError; retryJoin keeps trying until the seed appears", async (t) => {
  const seed = await startNode(t, "late-seed");
  const port = seed.address.port;
  await seed.close();
  await t.rejects(startNode(t, "lonely", { join: [`127.0.0.1:${port}`], pushPullTimeoutMs: 300 }), JoinError);
  const patient = await startNode(t, "patient", {
    join: [`127.0.0.1:${port}`], retryJoin: true, retryJoinIntervalMs: 100, retryJoinIntervalMsMax: 300, pushPullTimeoutMs: 300,
  });
  t.equal(patient.members().length, 1, "start() resolved before any seed answered");
  await settle(500);
  const reborn = await startNode(t, "late-seed", { bind: { host: "127.0.0.1", port } });
  await waitFor(() => statusOf(patient, "late-seed") === "alive" && statusOf(reborn, "patient") === "alive", 10_000, "the retry-join to succeed");
  t.ok(patient.stats().pushPull.failed >= 1, "earlier attempts failed and were counted");
});
