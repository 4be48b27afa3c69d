import t from "tap";
import { createSocket } from "node:dgram";
import {
  resolveGossipNodeOptions,
  parseHostPort,
  splitHostPort,
  formatHostPort,
  DEFAULT_GOSSIP_PORT,
  PUSH_PULL_TIMEOUT_MS_DEFAULT,
  LEAVE_TIMEOUT_MS_DEFAULT,
  type GossipNodeOptions,
} from "../../../lib/membership/node-options.js";
import { defaultAdvertiseHost, isUnspecifiedHost } from "../../../lib/transport/advertise.js";
import { ENCRYPTION_OVERHEAD_BYTES } from "../../../lib/transport/packet-crypto.js";
import { Keyring, generateKey } from "../../../lib/transport/keyring.js";
import { GossipNode } from "../../../lib/membership/node.js";

const base: GossipNodeOptions = { name: "x", bind: { host: "127.0.0.1", port: 0 } };

t.test("gossip options: defaults are memberlist's and Consul's", async (t) => {
  const o = resolveGossipNodeOptions(base);
  t.match(o, {
    name: "x", bind: { address: "127.0.0.1", port: 0 }, advertise: { address: undefined, port: undefined }, meta: {}, join: [],
    retryJoin: false, retryJoinIntervalMs: 1000, retryJoinIntervalMsMax: 30_000, retryJoinMax: 0,
    pushPullTimeoutMs: PUSH_PULL_TIMEOUT_MS_DEFAULT, leaveTimeoutMs: LEAVE_TIMEOUT_MS_DEFAULT,
  });
  t.equal(o.coreConfig.packetBytesMax, 1400, "the whole 1400-byte budget goes to messages without label or key");
  t.equal(o.crypto.keyring, undefined);
  t.same(resolveGossipNodeOptions({ ...base, bind: "10.0.0.1", join: ["seed"] }).join, [{ address: "seed", port: DEFAULT_GOSSIP_PORT }]);
});

t.test("gossip options: label and encryption come out of the packet budget", async (t) => {
  const o = resolveGossipNodeOptions({ ...base, encrypt: generateKey(), label: "abc" });
  t.equal(o.coreConfig.packetBytesMax, 1400 - ENCRYPTION_OVERHEAD_BYTES - 5);
  t.throws(() => resolveGossipNodeOptions({ ...base, packetBytesMax: 520, encrypt: generateKey() }), { name: "InvalidConfigError", field: "packetBytesMax" });
  const ring = new Keyring([generateKey()]);
  t.equal(resolveGossipNodeOptions({ ...base, encrypt: ring }).crypto.keyring, ring, "a keyring is used as given");
  t.match(resolveGossipNodeOptions({ ...base, profile: "wan", probeIntervalMs: 7000 }).coreConfig, { profile: "wan", probeIntervalMs: 7000 });
});

t.test("gossip options: every bad option is an InvalidConfigError naming the field", async (t) => {
  const bad: Array<[Partial<GossipNodeOptions> | Record<string, unknown>, string]> = [
    [{ name: "" }, "name"],
    [{ bind: undefined }, "bind"],
    [{ bind: "127.0.0.1:70000" }, "bind"],
    [{ bind: { host: "", port: 1 } }, "bind"],
    [{ bind: ":::bad]" }, "bind"],
    [{ advertise: { host: "h", port: -1 } }, "advertise"],
    [{ meta: { a: 1 } }, "meta"],
    [{ join: "127.0.0.1:1" }, "join"],
    [{ join: ["ok:1", "bad:port:x]"] }, "join[1]"],
    [{ retryJoin: "yes" }, "retryJoin"],
    [{ retryJoinIntervalMs: 0 }, "retryJoinIntervalMs"],
    [{ retryJoinIntervalMs: 5000, retryJoinIntervalMsMax: 1000 }, "retryJoinIntervalMsMax"],
    [{ retryJoinMax: -1 }, "retryJoinMax"],
    [{ encrypt: "short" }, "encrypt"],
    [{ label: "x".repeat(300) }, "label"],
    [{ pushPullTimeoutMs: 1.5 }, "pushPullTimeoutMs"],
    [{ leaveTimeoutMs: -1 }, "leaveTimeoutMs"],
    [{ probeIntervalMs: 0 }, "probeIntervalMs"],
    [{ profile: "moon" }, "profile"],
    [{ timers: {} }, "timers"],
    [{ rng: {} }, "rng"],
  ];
  for (const [patch, field] of bad) {
    t.throws(() => resolveGossipNodeOptions({ ...base, ...patch } as GossipNodeOptions), { name: "InvalidConfigError", field }, field);
  }
  t.throws(() => resolveGossipNodeOptions(null as unknown as GossipNodeOptions), { name: "InvalidConfigError", field: "options" });
  await t.rejects(GossipNode.start({ ...base, name: "" }), { name: "InvalidConfigError", field: "name" }, "start() validates before binding");
});

t.test("gossip options: host:port parsing covers IPv4, IPv6, names and defaults", async (t) => {
  t.same(parseHostPort("1.2.3.4:99", 8301, "f"), { address: "1.2.3.4", port: 99 });
  t.same(parseHostPort("1.2.3.4", 8301, "f"), { address: "1.2.3.4", port: 8301 });
  t.same(parseHostPort("[::1]:99", 8301, "f"), { address: "::1", port: 99 });
  t.same(parseHostPort("[::1]", 8301, "f"), { address: "::1", port: 8301 });
  t.same(parseHostPort("fe80::1", 8301, "f"), { address: "fe80::1", port: 8301 });
  t.same(parseHostPort({ host: "h" }, 5, "f"), { address: "h", port: 5 });
  t.same(splitHostPort("h", "f"), { address: "h", port: undefined });
  t.throws(() => parseHostPort(7 as unknown as string, 1, "f"), { name: "InvalidArgumentError", field: "f" });
  t.throws(() => parseHostPort("h:99999", 1, "f"), { name: "InvalidArgumentError", field: "f" });
  t.equal(formatHostPort({ address: "::1", port: 5 }), "[::1]:5");
  t.equal(formatHostPort({ address: "a", port: 5 }), "a:5");
});

t.test("gossip options: binding 0.0.0.0 advertises a concrete IPv4 address", async (t) => {
  t.ok(isUnspecifiedHost("0.0.0.0") && isUnspecifiedHost("::"));
  t.equal(defaultAdvertiseHost("10.1.2.3"), "10.1.2.3");
  t.match(defaultAdvertiseHost("0.0.0.0"), /^\d+\.\d+\.\d+\.\d+$/);
  const n = await GossipNode.start({ ...base, bind: { host: "0.0.0.0", port: 0 }, advertise: { host: "127.0.0.1" } });
  t.teardown(() => n.close());
  t.same(n.address, { address: "127.0.0.1", port: n.bindAddress.port }, "advertise without a port takes the bound one");
});

t.test("gossip options: a port taken for UDP is an InvalidConfigError on bind, with nothing left open", async (t) => {
  const taken = createSocket("udp4");
  await new Promise<void>((r) => taken.bind(0, "127.0.0.1", () => r()));
  t.teardown(() => taken.close());
  const port = taken.address().port;
  await t.rejects(GossipNode.start({ ...base, bind: { host: "127.0.0.1", port } }), { name: "InvalidConfigError", field: "bind" });
});
