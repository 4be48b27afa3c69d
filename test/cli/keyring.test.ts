import t from "tap";
import { Agent } from "../../lib/index.js";
import { generateKey } from "../../lib/transport/keyring.js";
import { runBin, runIn, waitFor } from "./helpers.js";

t.test("disco keyring -list/-install/-use/-remove rotate a running pool's key (the real executable, Consul's output)", async (t) => {
  const keepAlive = setInterval(() => {}, 1000);
  t.teardown(() => clearInterval(keepAlive));
  const [oldKey, newKey] = [generateKey(), generateKey()];
  const gossip = { mode: "gossip" as const, bind: "127.0.0.1:0", gossipProfile: "local" as const, encrypt: oldKey };
  const a = await Agent.start({ ...gossip, node: "cli-a", http: "127.0.0.1:0" });
  t.teardown(() => a.close());
  const b = await Agent.start({ ...gossip, node: "cli-b", join: [a.gossipAddress!] });
  t.teardown(() => b.close());
  await waitFor(() => a.members().filter((m) => m.status === "alive").length === 2, 10_000, "two alive members");
  const addr = `-http-addr=127.0.0.1:${a.httpAddress!.port}`;

  t.same(await runBin(["keyring", addr, `-install=${newKey}`]).then((r) => [r.code, r.stdout, r.stderr]),
    [0, "==> Installing new gossip encryption key...\n", ""]);
  t.same(await runBin(["keyring", addr, `-use=${newKey}`]).then((r) => [r.code, r.stdout]), [0, "==> Changing primary gossip encryption key...\n"]);
  t.same(await runBin(["keyring", addr, `-remove=${oldKey}`]).then((r) => [r.code, r.stdout]), [0, "==> Removing gossip encryption key...\n"]);
  t.same(await runBin(["keyring", addr, "-list"]).then((r) => [r.code, r.stdout]),
    [0, `==> Gathering installed encryption keys...\n\ndc1 (LAN):\n  ${newKey} [2/2]\n`]);
  t.same(b.members().map((m) => m.status), ["alive", "alive"], "the pool kept talking through the rotation");

  const refused = await runIn(["keyring", addr, `-remove=${newKey}`]);
  t.equal(refused.code, 1);
  t.match(refused.stderr, /^disco keyring: unexpected response code 400 \(invalid key: is the primary key; removing the primary key is not allowed \(use another key first\)\)\n$/,
    "one line naming the reason");
  const bad = await runIn(["keyring", addr, "-install=junk"]);
  t.same([bad.code, bad.stderr.split("\n").length], [1, 2], "a malformed key is one line too");
});

t.test("disco keyring against an agent without gossip encryption prints the reason on one line and exits 1", async (t) => {
  const dev = await Agent.start({ node: "dev", http: "127.0.0.1:0" });
  t.teardown(() => dev.close());
  const r = await runIn(["keyring", `-http-addr=127.0.0.1:${dev.httpAddress!.port}`, "-list"]);
  t.same([r.code, r.stderr], [1, "disco keyring: gossip encryption is not enabled: this agent runs no gossip (set bind and encrypt)\n"]);
});
