import t from "tap";
import type { KvTxnOp } from "../../lib/catalog/commands.js";
import type { KvTxnOutcome } from "../../lib/catalog/kv-txn.js";
import { KvStore } from "../../lib/catalog/kv-store.js";
import { KV_TOMBSTONES_MAX } from "../../lib/catalog/limits.js";
import { Changes, ScopeIndexes } from "../../lib/catalog/scope-index.js";
import type { KvEntry } from "../../lib/catalog/types.js";
import { KV_KEY_BYTES_MAX, KV_VALUE_BYTES_MAX, TXN_OPS_MAX } from "../../lib/util/limits.js";
import { Log, bytes, keysOf } from "./helpers.js";

const set = (key: string, value = "v", extra: object = {}) => ({ op: "kv-set" as const, key, value: bytes(value), nowMs: 0, ...extra });

t.test("kv-set: writes, keeps CreateIndex, moves ModifyIndex; flags default to 0", async (t) => {
  const l = new Log();
  t.same(l.apply(set("a", "1", { flags: 42 })), { result: { ok: true, value: true }, touched: [{ kind: "kv", key: "a" }] });
  l.run(set("a", "2"));
  t.match(l.state.kvGet("a"), { key: "a", flags: 0, createIndex: 1, modifyIndex: 2, lockIndex: 0 });
  t.equal(l.state.kvGet("a")!.value.toString(), "2");
  t.notOk("session" in l.state.kvGet("a")!, "no session key when unlocked");
});

t.test("kv-set: an identical write succeeds and moves nothing", async (t) => {
  const l = new Log();
  l.run(set("a", "1"));
  t.same(l.apply(set("a", "1")), { result: { ok: true, value: true }, touched: [] });
  t.equal(l.state.scopeIndex({ kind: "kv", key: "a" }), 1);
  t.equal(l.state.kvGet("a")!.modifyIndex, 1);
});

t.test("kv-set: cas (Consul: 0 = only if absent, else only if ModifyIndex matches)", async (t) => {
  const l = new Log();
  const cases: Array<[number, boolean, string]> = [
    [0, true, "creates an absent key"],
    [0, false, "refuses an existing key"],
    [7, false, "refuses a stale index"],
    [1, true, "accepts the current index"],
    [1, false, "the old index is now stale"],
  ];
  for (const [cas, want, why] of cases) t.same(l.run(set("k", `v${cas}`, { cas })), { ok: true, value: want }, why);
  t.equal(l.state.kvGet("k")!.modifyIndex, 4);
});

t.test("kv-set: limits are error results naming the field", async (t) => {
  const l = new Log();
  t.match(l.run(set("k".repeat(KV_KEY_BYTES_MAX + 1))), { ok: false, error: /key/ });
  t.match(l.run(set("")), { ok: false, error: /key/ });
  t.match(l.run({ op: "kv-set", key: "k", value: new Uint8Array(KV_VALUE_BYTES_MAX + 1), nowMs: 0 }), { ok: false, error: /value is 524289 bytes; the limit is 524288/ });
  t.same(l.run({ op: "kv-set", key: "k", value: new Uint8Array(KV_VALUE_BYTES_MAX), nowMs: 0 }), { ok: true, value: true }, "exactly the limit is fine");
  t.match(l.run(set("k", "v", { flags: -1 })), { ok: false, error: /flags/ });
  t.match(l.run(set("k", "v", { cas: 1.5 })), { ok: false, error: /cas/ });
  t.match(l.run(set("k", "v", { acquire: "s", release: "s" })), { ok: false, error: /release/ });
});

t.test("kv-delete: deletes, with cas and recurse semantics of Consul", async (t) => {
  const l = new Log();
  for (const k of ["a", "a/b", "a/c", "ab", "b"]) l.run(set(k));
  t.same(l.run({ op: "kv-delete", key: "zz" }), { ok: true, value: true }, "absent key: true");
  t.same(l.run({ op: "kv-delete", key: "zz", cas: 3 }), { ok: true, value: true }, "absent key with cas: true (Consul)");
  t.same(l.run({ op: "kv-delete", key: "b", cas: 99 }), { ok: true, value: false }, "stale cas: false");
  t.ok(l.state.kvGet("b"));
  t.same(l.run({ op: "kv-delete", key: "b", cas: 5 }), { ok: true, value: true }, "matching cas: deleted");
  t.equal(l.state.kvGet("b"), undefined);
  const rec = l.apply({ op: "kv-delete", key: "a/", recurse: true });
  t.same(keysOf(rec.touched), ["kv:a/b", "kv:a/c"]);
  t.same(l.state.kvKeys(""), ["a", "ab"]);
  t.match(l.run({ op: "kv-delete", key: "a", recurse: true, cas: 1 }), { ok: false, error: /cas/ });
  t.match(l.run({ op: "kv-delete", key: "" }), { ok: false, error: /key/ });
  t.same(l.run({ op: "kv-delete", key: "", recurse: true }), { ok: true, value: true }, "recurse on '' empties the store");
  t.same(l.state.kvList(""), []);
});

t.test("kv: deletes move the key's and its prefixes' index (tombstones)", async (t) => {
  const l = new Log();
  l.run(set("a/b"));
  l.run(set("c"));
  t.equal(l.state.scopeIndex({ kind: "kv", key: "a", prefix: true }), 1);
  l.run({ op: "kv-delete", key: "a/b" });
  t.equal(l.state.scopeIndex({ kind: "kv", key: "a/b" }), 3, "key index is its deletion index");
  t.equal(l.state.scopeIndex({ kind: "kv", key: "a", prefix: true }), 3);
  t.equal(l.state.scopeIndex({ kind: "kv", key: "c", prefix: true }), 2, "other prefixes stay");
  t.equal(l.state.scopeIndex({ kind: "kv", key: "never" }), 1, "a key never written answers 1, not 0");
  l.run(set("a/b", "again"));
  t.equal(l.state.kvGet("a/b")!.createIndex, 4, "a re-created key is new");
});

t.test("kv: kvList and kvKeys (Consul's ?recurse, ?keys, ?separator)", async (t) => {
  const l = new Log();
  for (const k of ["web/a", "web/b/1", "web/b/2", "web/c/", "webx", "x"]) l.run(set(k));
  t.same(l.state.kvList("web/").map((e) => e.key), ["web/a", "web/b/1", "web/b/2", "web/c/"]);
  const cases: Array<[string, string | undefined, string[]]> = [
    ["", undefined, ["web/a", "web/b/1", "web/b/2", "web/c/", "webx", "x"]],
    ["", "/", ["web/", "webx", "x"]],
    ["web/", "/", ["web/a", "web/b/", "web/c/"]],
    ["web", "/", ["web/", "webx"]],
    ["web/b/", "/", ["web/b/1", "web/b/2"]],
    ["nothing", "/", []],
  ];
  for (const [prefix, sep, want] of cases) t.same(l.state.kvKeys(prefix, sep), want, `keys(${prefix}, ${sep})`);
});

t.test("kv: tombstones are bounded; reaping raises a floor so no index goes back", async (t) => {
  const scopes = new ScopeIndexes();
  const kv = new KvStore();
  const entry = (key: string, i: number): KvEntry => ({ key, value: Buffer.from("v"), flags: 0, createIndex: i, modifyIndex: i, lockIndex: 0 });
  let i = 0;
  kv.commit("keep/x", entry("keep/x", ++i), new Changes(i, scopes));
  const n = KV_TOMBSTONES_MAX + 50;
  for (let k = 0; k < n; k++) {
    const key = `d/${String(k).padStart(6, "0")}`;
    kv.commit(key, entry(key, ++i), new Changes(i, scopes));
    kv.commit(key, null, new Changes(++i, scopes));
  }
  t.equal(kv.tombstoneCount, KV_TOMBSTONES_MAX);
  const firstKey = "d/000000";
  t.equal(kv.keyIndex(firstKey), 101, "a reaped key answers the floor: the highest reaped deletion index");
  t.equal(kv.prefixIndex("d/"), i, "the prefix index still counts live tombstones");
  t.equal(kv.prefixIndex("keep/"), 101, "other prefixes rise to the floor rather than go back");
  t.equal(kv.keyIndex("keep/x"), 1, "a live key answers its own ModifyIndex");
  const data = KvStore.fromData(kv.toData());
  t.equal(data.tombstoneCount, KV_TOMBSTONES_MAX);
  t.equal(data.prefixIndex("d/"), i);
  t.equal(data.keyIndex(firstKey), 101);
});

const txn = (ops: KvTxnOp[]) => ({ op: "kv-txn" as const, ops, nowMs: 0 });
const v = (s: string) => bytes(s);

t.test("kv-txn: applies every op or none", async (t) => {
  const l = new Log();
  l.run(set("a", "1"));
  const ok = l.apply(txn([
    { verb: "set", key: "b", value: v("2"), flags: 3 },
    { verb: "cas", key: "a", value: v("1b"), index: 1 },
    { verb: "get", key: "b" },
    { verb: "get-tree", key: "" },
    { verb: "check-index", key: "a", index: 2 },
    { verb: "check-not-exists", key: "c" },
    { verb: "delete", key: "zz" },
  ]));
  const value = (ok.result as { value: KvTxnOutcome }).value;
  t.ok("results" in value);
  if (!("results" in value)) return;
  t.same(value.results.map((e) => [e.key, e.value.toString(), e.modifyIndex]), [
    ["b", "", 2], ["a", "", 2], ["b", "2", 2], ["a", "1b", 2], ["b", "2", 2], ["a", "", 2],
  ], "writes come back blanked, reads with values, and reads see the transaction's own writes");
  t.same(keysOf(ok.touched), ["kv:a", "kv:b"]);

  const bad = l.apply(txn([
    { verb: "set", key: "c", value: v("3") },
    { verb: "delete", key: "b" },
    { verb: "check-index", key: "a", index: 1 },
    { verb: "delete-tree", key: "" },
  ]));
  t.same(bad.result, { ok: true, value: { errors: [{ opIndex: 2, what: 'current modify index 2 of key "a" != 1' }] } });
  t.same(bad.touched, [], "a failed transaction changes nothing");
  t.same(l.state.kvKeys(""), ["a", "b"]);
});

t.test("kv-txn: each verb's failure is reported with its op index", async (t) => {
  const l = new Log();
  l.run({ op: "register", node: { node: "n", address: "a" } });
  l.run({ op: "session-create", session: { id: "s1", node: "n" }, nowMs: 0 });
  l.run({ op: "session-create", session: { id: "s2", node: "n" }, nowMs: 0 });
  l.run(set("locked", "x", { acquire: "s1" }));
  l.run(set("k", "x"));
  const cases: Array<[KvTxnOp, RegExp]> = [
    [{ verb: "cas", key: "k", index: 0 }, /index is stale/],
    [{ verb: "cas", key: "k", index: 99 }, /index is stale/],
    [{ verb: "lock", key: "k", session: "nope" }, /invalid session "nope"/],
    [{ verb: "lock", key: "locked", session: "s2" }, /lock is already held/],
    [{ verb: "unlock", key: "locked", session: "s2" }, /lock isn't held/],
    [{ verb: "unlock", key: "absent", session: "s1" }, /lock isn't held/],
    [{ verb: "get", key: "absent" }, /doesn't exist/],
    [{ verb: "check-index", key: "absent", index: 1 }, /doesn't exist/],
    [{ verb: "check-session", key: "absent", session: "s1" }, /doesn't exist/],
    [{ verb: "check-session", key: "locked", session: "s2" }, /failed session check/],
    [{ verb: "check-not-exists", key: "k" }, /exists/],
    [{ verb: "delete-cas", key: "k", index: 99 }, /index is stale/],
  ];
  for (const [op, why] of cases) {
    const out = l.apply(txn([{ verb: "get", key: "k" }, op]));
    t.match(out.result, { ok: true, value: { errors: [{ opIndex: 1, what: why }] } }, `${op.verb}: ${String(why)}`);
    t.same(out.touched, []);
  }
  const okCases: KvTxnOp[] = [
    { verb: "check-session", key: "locked", session: "s1" },
    { verb: "check-session", key: "k", session: "" },
    { verb: "delete-cas", key: "absent", index: 5 },
  ];
  for (const op of okCases) t.match(l.run(txn([op])), { ok: true, value: { results: [] } }, `${op.verb} passes`);
});

t.test("kv-txn: lock, unlock and delete-cas succeed like their KV counterparts", async (t) => {
  const l = new Log();
  l.run({ op: "register", node: { node: "n", address: "a" } });
  l.run({ op: "session-create", session: { id: "s1", node: "n" }, nowMs: 0 });
  l.run(txn([{ verb: "lock", key: "L", value: v("me"), session: "s1" }]));
  t.match(l.state.kvGet("L"), { session: "s1", lockIndex: 1 });
  t.same(l.state.kvGet("L")!.value.toString(), "me");
  l.run(txn([{ verb: "unlock", key: "L", value: v("done"), session: "s1" }]));
  t.match(l.state.kvGet("L"), { lockIndex: 1 });
  t.equal(l.state.kvGet("L")!.session, undefined);
  const idx = l.state.kvGet("L")!.modifyIndex;
  l.run(txn([{ verb: "delete-cas", key: "L", index: idx }]));
  t.equal(l.state.kvGet("L"), undefined);
  l.run(set("t/1"));
  l.run(set("t/2"));
  l.run(txn([{ verb: "set", key: "t/3" }, { verb: "delete-tree", key: "t/" }, { verb: "set", key: "t/4" }]));
  t.same(l.state.kvKeys("t/"), ["t/4"], "delete-tree sees earlier ops; later ops see the delete");
  const same = l.apply(txn([{ verb: "set", key: "x", value: v("1") }, { verb: "delete", key: "x" }]));
  t.same(same.touched, [], "create-then-delete of an absent key changes nothing");
});

t.test("kv-txn: op limits are per-op errors; too many ops is an error result", async (t) => {
  const l = new Log();
  const out = l.run(txn([
    { verb: "set", key: "" },
    { verb: "explode" as "set", key: "k" },
    { verb: "set", key: "k".repeat(KV_KEY_BYTES_MAX + 1) },
    { verb: "set", key: "k", value: new Uint8Array(KV_VALUE_BYTES_MAX + 1) },
    { verb: "set", key: "k", flags: -2 },
    { verb: "cas", key: "k" },
    { verb: "cas", key: "k", index: -1 },
    { verb: "lock", key: "k" },
    { verb: "unlock", key: "k", session: "" },
    { verb: "get-tree", key: "" },
  ]));
  t.match(out, {
    ok: true,
    value: {
      errors: [
        { opIndex: 0, what: /empty/ }, { opIndex: 1, what: /unknown verb/ }, { opIndex: 2, what: /longer/ },
        { opIndex: 3, what: /limit/ }, { opIndex: 4, what: /flags/ }, { opIndex: 5, what: /needs an index/ },
        { opIndex: 6, what: /index/ }, { opIndex: 7, what: /needs a session/ }, { opIndex: 8, what: /needs a session/ },
      ],
    },
  });
  const many = Array.from({ length: TXN_OPS_MAX + 1 }, (): KvTxnOp => ({ verb: "get-tree", key: "" }));
  t.match(l.run(txn(many)), { ok: false, error: /ops: more than 128/ });
  t.match(l.run(txn(many.slice(1))), { ok: true, value: { results: [] } }, "exactly the limit is fine");
});
