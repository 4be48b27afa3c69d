import t from "tap";
import type { CatalogCommand, SessionInput } from "../../lib/catalog/commands.js";
import { CatalogState } from "../../lib/catalog/state.js";
import { Log, bytes, keysOf, reg, serf } from "./helpers.js";

const create = (session: SessionInput, nowMs = 0): CatalogCommand => ({ op: "session-create", session, nowMs });
const acquire = (key: string, session: string, nowMs = 0, value = "v"): CatalogCommand => ({ op: "kv-set", key, value: bytes(value), acquire: session, nowMs });
const release = (key: string, session: string, value = "v"): CatalogCommand => ({ op: "kv-set", key, value: bytes(value), release: session, nowMs: 0 });

function cluster(): Log {
  const l = new Log();
  l.run(reg("n1", { service: "web" }, [serf(), { checkId: "svc", serviceId: "web", status: "passing" }, { checkId: "bad", status: "critical" }]));
  l.run(reg("n2"));
  return l;
}

t.test("session-create: defaults (serfHealth when present, release, 15 s lock delay)", async (t) => {
  const l = cluster();
  const out = l.apply(create({ id: "s1", node: "n1" }));
  t.same(out, { result: { ok: true, value: "s1" }, touched: [{ kind: "sessions" }] });
  t.match(l.state.session("s1"), { id: "s1", name: "", node: "n1", checks: ["serfHealth"], ttlMs: 0, behavior: "release", lockDelayMs: 15_000, createIndex: 3 });
  l.run(create({ id: "s2", node: "n2" }));
  t.same(l.state.session("s2")!.checks, [], "no serfHealth on the node: no default checks");
  l.run(create({ id: "s3", node: "n1", checks: ["svc", "svc"], name: "x", ttlMs: 10_000, behavior: "delete", lockDelayMs: 0 }));
  t.match(l.state.session("s3"), { checks: ["svc"], name: "x", ttlMs: 10_000, behavior: "delete", lockDelayMs: 0 });
  t.same(l.state.sessions().map((s) => s.id), ["s1", "s2", "s3"]);
  t.same(l.state.nodeSessions("n1").map((s) => s.id), ["s1", "s3"]);
  t.throws(() => (l.state.session("s1")!.checks as string[]).push("x"), "records are frozen");
});

t.test("session-create: refusals change nothing", async (t) => {
  const l = cluster();
  l.run(create({ id: "dup", node: "n1" }));
  const cases: Array<[SessionInput, RegExp]> = [
    [{ id: "dup", node: "n1" }, /already exists/],
    [{ id: "x", node: "ghost" }, /node "ghost" does not exist/],
    [{ id: "x", node: "n1", checks: ["nope"] }, /check "nope" does not exist on node "n1"/],
    [{ id: "x", node: "n1", checks: ["bad"] }, /check "bad" is in critical state/],
    [{ id: "x", node: "n1", ttlMs: 5_000 }, /session\.ttlMs/],
    [{ id: "x", node: "n1", ttlMs: 86_400_001 }, /session\.ttlMs/],
    [{ id: "x", node: "n1", lockDelayMs: 60_001 }, /session\.lockDelayMs/],
    [{ id: "x", node: "n1", behavior: "explode" as "release" }, /session\.behavior/],
    [{ id: "", node: "n1" }, /session\.id/],
  ];
  for (const [s, why] of cases) {
    const out = l.apply(create(s));
    t.match(out.result, { ok: false, error: why }, String(why));
    t.same(out.touched, []);
  }
  t.same(l.state.sessions().map((s) => s.id), ["dup"]);
});

t.test("locks: acquire, contention, re-acquire, release (Consul's ?acquire / ?release)", async (t) => {
  const l = cluster();
  l.run(create({ id: "a", node: "n1" }));
  l.run(create({ id: "b", node: "n1" }));
  t.same(l.run(acquire("L", "a", 0, "one")), { ok: true, value: true });
  t.match(l.state.kvGet("L"), { session: "a", lockIndex: 1 });
  t.same(l.run(acquire("L", "b")), { ok: true, value: false }, "another session cannot take a held lock");
  t.same(l.run(acquire("L", "a", 0, "two")), { ok: true, value: true }, "the holder may re-acquire");
  t.match(l.state.kvGet("L"), { session: "a", lockIndex: 1 }, "re-acquiring does not bump LockIndex");
  t.equal(l.state.kvGet("L")!.value.toString(), "two");
  t.same(l.apply(acquire("L", "a", 0, "two")).touched, [], "an identical re-acquire moves nothing");
  t.same(l.run(release("L", "b")), { ok: true, value: false }, "only the holder releases");
  t.same(l.run(release("nope", "a")), { ok: true, value: false }, "releasing an absent key fails");
  t.same(l.run({ op: "kv-set", key: "L", value: bytes("plain"), nowMs: 0 }), { ok: true, value: true });
  t.equal(l.state.kvGet("L")!.session, "a", "a plain write keeps the lock with its holder");
  t.same(l.run(release("L", "a", "three")), { ok: true, value: true });
  t.match(l.state.kvGet("L"), { lockIndex: 1 });
  t.equal(l.state.kvGet("L")!.session, undefined, "release clears the session");
  t.equal(l.state.kvGet("L")!.value.toString(), "three", "release keeps the value update");
  t.same(l.run(acquire("L", "b")), { ok: true, value: true }, "a released lock is free (no delay on release)");
  t.match(l.state.kvGet("L"), { session: "b", lockIndex: 2 });
  t.match(l.run(acquire("M", "ghost")), { ok: false, error: /^invalid session/ });
  t.equal(l.state.kvGet("M"), undefined);
  t.same(l.run({ op: "kv-set", key: "N", value: bytes("x"), acquire: "a", cas: 5, nowMs: 0 }), { ok: true, value: false }, "cas is checked before acquire");
});

t.test("locks: destroying a session releases its locks and starts the lock delay", async (t) => {
  const l = cluster();
  l.run(create({ id: "a", node: "n1", lockDelayMs: 10_000 }));
  l.run(create({ id: "b", node: "n1" }));
  l.run(acquire("L1", "a"));
  l.run(acquire("L2", "a"));
  const out = l.apply({ op: "session-destroy", id: "a", nowMs: 1_000 });
  t.same(keysOf(out.touched), ["kv:L1", "kv:L2", "sessions"]);
  t.equal(l.state.session("a"), undefined);
  t.equal(l.state.kvGet("L1")!.session, undefined);
  t.equal(l.state.kvGet("L1")!.value.toString(), "v", "release keeps the value");
  t.equal(l.state.lockDelayUntil("L1"), 11_000);
  t.equal(l.state.lockDelayUntil("other"), 0);
  t.same(l.run(acquire("L1", "b", 10_999)), { ok: true, value: false }, "no acquire inside the lock delay");
  t.same(l.run(acquire("L1", "b", 11_000)), { ok: true, value: true }, "acquire once it has passed");
  t.same(l.apply({ op: "session-destroy", id: "a", nowMs: 0 }), { result: { ok: true }, touched: [] }, "destroy is idempotent");
});

t.test("locks: behavior delete removes the keys; lock delay 0 sets none", async (t) => {
  const l = cluster();
  l.run(create({ id: "d", node: "n1", behavior: "delete", lockDelayMs: 0 }));
  l.run(acquire("E1", "d"));
  l.run({ op: "kv-set", key: "E2", value: bytes("x"), nowMs: 0 });
  l.run(acquire("E2", "d"));
  l.run({ op: "session-destroy", id: "d", nowMs: 5 });
  t.same(l.state.kvKeys(""), []);
  t.equal(l.state.lockDelayUntil("E1"), 0);
  t.equal(l.state.scopeIndex({ kind: "kv", key: "E1" }), l.index, "deletion moved the key's index");
});

t.test("invalidation: a session ends when its check goes critical or away, or its node goes", async (t) => {
  const scenarios: Array<[string, CatalogCommand]> = [
    ["check-update to critical", { op: "check-update", node: "n1", checkId: "svc", status: "critical", nowMs: 100 }],
    ["check registered critical", { ...reg("n1", undefined, [{ checkId: "svc", serviceId: "web", status: "critical" }]), nowMs: 100 }],
    ["check deregistered", { op: "deregister", node: "n1", checkId: "svc", nowMs: 100 }],
    ["service deregistered (its check goes)", { op: "deregister", node: "n1", serviceId: "web", nowMs: 100 }],
    ["node deregistered", { op: "deregister", node: "n1", nowMs: 100 }],
  ];
  for (const [name, cmd] of scenarios) {
    const l = cluster();
    l.run(create({ id: "s", node: "n1", checks: ["svc"], lockDelayMs: 1_000 }));
    l.run(create({ id: "other", node: "n2" }));
    l.run(acquire("L", "s"));
    const out = l.apply(cmd);
    t.ok(out.result.ok, name);
    t.equal(l.state.session("s"), undefined, `${name}: session gone`);
    t.ok(l.state.session("other"), `${name}: unrelated session stays`);
    t.equal(l.state.kvGet("L")!.session, undefined, `${name}: lock released`);
    t.equal(l.state.lockDelayUntil("L"), 1_100, `${name}: lock delay from the command's nowMs`);
    t.ok(keysOf(out.touched).includes("sessions"));
  }
});

t.test("invalidation: warning does not end a session; a check the session does not use does not either", async (t) => {
  const l = cluster();
  l.run(create({ id: "s", node: "n1", checks: ["svc"] }));
  l.run({ op: "check-update", node: "n1", checkId: "svc", status: "warning", nowMs: 1 });
  l.run({ op: "check-update", node: "n1", checkId: "serfHealth", status: "critical", nowMs: 1 });
  t.ok(l.state.session("s"));
});

t.test("invalidation: without nowMs (register/deregister) no lock delay is set", async (t) => {
  const l = cluster();
  l.run(create({ id: "s", node: "n1" }));
  l.run(acquire("L", "s"));
  l.run({ op: "deregister", node: "n1" });
  t.equal(l.state.lockDelayUntil("L"), 0);
  t.equal(l.state.kvGet("L")!.session, undefined);
});

t.test("lock delays survive snapshot/restore and expired ones are swept", async (t) => {
  const l = cluster();
  l.run(create({ id: "s", node: "n1" }));
  l.run(acquire("L", "s"));
  l.run({ op: "session-destroy", id: "s", nowMs: 500 });
  const restored = CatalogState.restore(l.state.snapshot());
  t.equal(restored.lockDelayUntil("L"), 15_500);
  // Fill past the sweep threshold with sessions that each lock and die.
  for (let i = 0; i < 1100; i++) {
    l.run(create({ id: `x${i}`, node: "n1", lockDelayMs: 1 }, 0));
    l.run(acquire(`k${i}`, `x${i}`));
    l.run({ op: "session-destroy", id: `x${i}`, nowMs: 0 });
  }
  t.equal(l.state.lockDelayUntil("k0"), 1);
  l.run({ op: "session-destroy", id: "none", nowMs: 20_000 });
  t.equal(l.state.lockDelayUntil("k0"), 0, "expired delays are swept once there are many");
  t.equal(l.state.lockDelayUntil("L"), 0);
});

t.test("locks held at snapshot time are still tied to their session after restore", async (t) => {
  const l = cluster();
  l.run(create({ id: "s", node: "n1", lockDelayMs: 2_000 }));
  l.run(acquire("L", "s"));
  const restored = new Log(CatalogState.restore(l.state.snapshot()));
  restored.index = l.index;
  t.equal(restored.state.kvGet("L")!.session, "s");
  t.same(restored.run(acquire("L", "s")), { ok: true, value: true }, "the holder still holds it");
  restored.run({ op: "check-update", node: "n1", checkId: "serfHealth", status: "critical", nowMs: 10 });
  t.equal(restored.state.session("s"), undefined);
  t.equal(restored.state.kvGet("L")!.session, undefined, "invalidation found the lock through the rebuilt index");
  t.equal(restored.state.lockDelayUntil("L"), 2_010);
});
