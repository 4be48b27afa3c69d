import t from "tap";
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateKey } from "../../../lib/transport/keyring.js";
import { EncryptionNotEnabledError } from "../../../lib/membership/cluster-keyring.js";
import { addr, allSeeAlive, startCluster, startNode, waitFor } from "./helpers.js";

t.test("gossip keyring: cluster-wide install, use and remove reach every live member and report per-key counts (consul keyring)", async (t) => {
  const [oldKey, newKey] = [generateKey(), generateKey()];
  const nodes = await startCluster(t, 3, { encrypt: oldKey }, "kr");
  await waitFor(() => allSeeAlive(nodes, nodes.map((n) => n.name)), 10_000, "convergence");
  const [a, b, c] = nodes as [typeof nodes[0], typeof nodes[0], typeof nodes[0]];
  t.same(await a.listKeys(), { numNodes: 3, numResp: 3, numErr: 0, messages: {}, keys: { [oldKey]: 3 }, primaryKeys: { [oldKey]: 3 } });
  t.match(await b.installKey(newKey), { numNodes: 3, numErr: 0, keys: { [oldKey]: 3, [newKey]: 3 }, primaryKeys: { [oldKey]: 3 } });
  t.match(await c.useKey(newKey), { numErr: 0, primaryKeys: { [newKey]: 3 } });
  t.same(b.keyring!.list(), [newKey, oldKey], "applied on each member's own keyring");

  // A member whose primary is still the old key (changed locally) refuses to drop it; the others drop it.
  c.keyring!.use(oldKey);
  const partial = await a.removeKey(oldKey);
  t.match(partial, { numNodes: 3, numResp: 3, numErr: 1, messages: { [c.name]: /primary/ }, keys: { [newKey]: 3, [oldKey]: 1 } });
  t.same(a.keyring!.list(), [newKey]);
  c.keyring!.use(newKey);
  t.match(await b.removeKey(oldKey), { numErr: 0, keys: { [newKey]: 3 } }, "a retry succeeds: removing a key already gone is a no-op (memberlist RemoveKey)");
  t.same((await c.listKeys()).keys, { [newKey]: 3 }, "only the new key is left anywhere");
});

t.test("gossip keyring: mistakes this member can see change nothing anywhere; a silent member is an error with a message", async (t) => {
  const key = generateKey();
  const nodes = await startCluster(t, 3, { encrypt: key }, "ke");
  await waitFor(() => allSeeAlive(nodes, nodes.map((n) => n.name)), 10_000, "convergence");
  const [a, b, c] = nodes as [typeof nodes[0], typeof nodes[0], typeof nodes[0]];
  await t.rejects(a.installKey("not-a-key"), { name: "InvalidArgumentError", field: "key" });
  await t.rejects(a.removeKey(key), { name: "InvalidArgumentError", field: "key", message: /removing the primary key is not allowed/ });
  await t.rejects(a.useKey(generateKey()), { name: "InvalidArgumentError", field: "key", message: /not installed/ });
  t.same(b.keyring!.list(), [key], "nobody was asked");
  const plain = await startNode(t, "ke-plain");
  await t.rejects(plain.listKeys(), EncryptionNotEnabledError);
  await t.rejects(plain.listKeys(), { code: "NOT_SUPPORTED", message: /gossip encryption is not enabled/ });
  await c.close(); // abruptly: the others still list it as live for a while
  const status = await a.listKeys();
  t.match(status, { numNodes: 3, numResp: 2, numErr: 1, keys: { [key]: 2 }, messages: { [c.name]: /no answer/ } });
  await t.rejects(c.listKeys(), { name: "ClosedError" });
});

t.test("gossip keyring: with keyringFile, cluster operations are saved and a restarted member starts from the saved keys", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), "disco-gossip-keyring-"));
  const [oldKey, newKey] = [generateKey(), generateKey()];
  const file = join(dir, "serf", "local.keyring");
  const a = await startNode(t, "kf-a", { encrypt: oldKey, keyringFile: file });
  t.same(JSON.parse(await readFile(file, "utf8")), [oldKey], "created from encrypt at start");
  const b = await startNode(t, "kf-b", { encrypt: oldKey, join: [addr(a)] });
  await waitFor(() => allSeeAlive([a, b], ["kf-a", "kf-b"]), 10_000, "convergence");
  await b.installKey(newKey);
  await b.useKey(newKey);
  t.same(JSON.parse(await readFile(file, "utf8")), [newKey, oldKey], "saved after each change, primary first");
  await b.removeKey(oldKey);
  t.same(JSON.parse(await readFile(file, "utf8")), [newKey]);
  await a.close();
  // Restarted with the stale key in `encrypt`: the saved keyring wins, so it can rejoin the rotated cluster.
  const again = await startNode(t, "kf-a", { encrypt: oldKey, keyringFile: file, join: [addr(b)] });
  t.same(again.keyring!.list(), [newKey]);
  const noEncrypt = await startNode(t, "kf-c", { keyringFile: file, join: [addr(b)] });
  t.same(noEncrypt.keyring!.list(), [newKey], "a saved keyring turns encryption on by itself");
  await t.rejects(startNode(t, "kf-d", { keyringFile: dir }), { name: "InvalidConfigError", field: "keyringFile" });
  await t.rejects(startNode(t, "kf-e", { keyringFile: "" }), { name: "InvalidConfigError", field: "keyringFile" });
});
