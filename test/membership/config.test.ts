import t from "tap";
import {
  LAN_PROFILE,
  LOCAL_PROFILE,
  PROFILES,
  WAN_PROFILE,
  resolveMembershipConfig,
} from "../../lib/membership/config.js";

t.test("config: profiles carry memberlist's defaults and are frozen", async (t) => {
  t.match(LAN_PROFILE, {
    probeIntervalMs: 1000, probeTimeoutMs: 500, indirectChecks: 3, suspicionMult: 4, suspicionMaxTimeoutMult: 6,
    retransmitMult: 4, gossipIntervalMs: 200, gossipNodes: 3, pushPullIntervalMs: 30000, gossipToTheDeadMs: 30000,
    awarenessMaxMultiplier: 8, packetBytesMax: 1400, lifeguard: true,
  });
  t.match(WAN_PROFILE, { probeIntervalMs: 5000, probeTimeoutMs: 3000, suspicionMult: 6, gossipNodes: 4, gossipIntervalMs: 500 });
  t.match(LOCAL_PROFILE, { probeTimeoutMs: 200, suspicionMult: 3, retransmitMult: 2, gossipIntervalMs: 100 });
  for (const p of Object.values(PROFILES)) t.ok(Object.isFrozen(p));
  t.ok(Object.isFrozen(PROFILES));
});

t.test("config: resolve merges a profile with overrides and freezes the result", async (t) => {
  t.same(resolveMembershipConfig(), LAN_PROFILE);
  const c = resolveMembershipConfig({ profile: "wan", probeTimeoutMs: 1000, lifeguard: false });
  t.equal(c.probeIntervalMs, 5000);
  t.equal(c.probeTimeoutMs, 1000);
  t.equal(c.lifeguard, false);
  t.ok(Object.isFrozen(c));
});

t.test("config: bad options raise InvalidConfigError naming the field and bound", async (t) => {
  const bad: [options: Record<string, unknown>, field: string][] = [
    [{ profile: "moon" }, "profile"],
    [{ probeIntervalMs: 0 }, "probeIntervalMs"],
    [{ probeIntervalMs: 1.5 }, "probeIntervalMs"],
    [{ probeIntervalMs: "1s" }, "probeIntervalMs"],
    [{ indirectChecks: -1 }, "indirectChecks"],
    [{ packetBytesMax: 100 }, "packetBytesMax"],
    [{ packetBytesMax: 70000 }, "packetBytesMax"],
    [{ lifeguard: "yes" }, "lifeguard"],
    [{ probeIntervalMs: 100, probeTimeoutMs: 200 }, "probeTimeoutMs"],
  ];
  for (const [options, field] of bad) {
    t.throws(() => resolveMembershipConfig(options as never), { name: "InvalidConfigError", field }, JSON.stringify(options));
  }
  t.throws(() => resolveMembershipConfig({ gossipNodes: 65 }), { message: /\[0, 64\]/ }, "message states the bound");
});
