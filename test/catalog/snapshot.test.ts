import t from "tap";
import fc from "fast-check";
import { Packr } from "msgpackr";
import { crc32 } from "node:zlib";
import { readSnapshot, writeSnapshot, type SnapshotData } from "../../lib/catalog/snapshot.js";
import { CatalogState } from "../../lib/catalog/state.js";
import { command, readAll, replay } from "./gen.js";
import { Log, bytes, reg, serf } from "./helpers.js";

const same = (a: Uint8Array, b: Uint8Array): boolean => Buffer.from(a).equals(Buffer.from(b));

t.test("snapshot (property): the same commands give byte-identical snapshots", async (t) => {
  t.doesNotThrow(() => fc.assert(
    fc.property(fc.array(command, { maxLength: 60 }), (cmds) => same(replay(cmds).snapshot(), replay(cmds).snapshot())),
    { numRuns: 150 },
  ), "150 random sequences");
});

t.test("snapshot (property): a restored state answers every read and index as the original", async (t) => {
  t.doesNotThrow(() => fc.assert(
    fc.property(fc.array(command, { maxLength: 60 }), (cmds) => {
      const original = replay(cmds);
      const bytes = original.snapshot();
      const restored = CatalogState.restore(bytes);
      return readAll(restored) === readAll(original) && same(restored.snapshot(), bytes);
    }),
    { numRuns: 150 },
  ), "150 random sequences");
});

t.test("snapshot (property): a restored replica and the original stay identical under further commands", async (t) => {
  t.doesNotThrow(() => fc.assert(
    fc.property(fc.array(command, { maxLength: 40 }), fc.array(command, { maxLength: 40 }), (head, tail) => {
      const original = replay(head);
      const restored = CatalogState.restore(original.snapshot());
      replay(tail, original);
      replay(tail, restored);
      return same(original.snapshot(), restored.snapshot()) && readAll(original) === readAll(restored);
    }),
    { numRuns: 150 },
  ), "150 random pairs of sequences");
});

t.test("snapshot: restore keeps the datacenter, or takes the one given", async (t) => {
  const l = new Log(new CatalogState({ datacenter: "eu1" }));
  l.run(reg("n1", { service: "web", meta: { k: "v" } }, [serf()]));
  l.run({ op: "kv-set", key: "k", value: bytes("v"), nowMs: 0 });
  t.equal(CatalogState.restore(l.state.snapshot()).datacenter, "eu1");
  t.equal(CatalogState.restore(l.state.snapshot(), { datacenter: "eu2" }).datacenter, "eu2");
  const r = CatalogState.restore(l.state.snapshot());
  t.equal(r.lastIndex, 2);
  t.throws(() => r.apply(2, { op: "kv-delete", key: "k" }), /not after/);
  t.same(r.apply(3, { op: "kv-delete", key: "k" }).result, { ok: true, value: true });
  t.throws(() => (r.node("n1")!.meta as Record<string, string>)["k"] = "x", "restored records are frozen too");
});

t.test("snapshot: bad bytes throw StorageCorruptError", async (t) => {
  const l = new Log();
  l.run(reg("n1", { service: "web" }, [serf()]));
  const good = l.state.snapshot();
  const flipped = Uint8Array.from(good);
  flipped[flipped.length - 3]! ^= 0x40;
  const cases: Array<[string, Uint8Array]> = [
    ["empty", new Uint8Array(0)],
    ["too short", good.subarray(0, 5)],
    ["truncated", good.subarray(0, good.length - 4)],
    ["bit flip", flipped],
    ["wrong magic", Uint8Array.of(0, 1, 2, 3, ...good.subarray(4))],
    ["garbage", bytes("definitely not a snapshot at all")],
  ];
  for (const [name, b] of cases) t.throws(() => CatalogState.restore(b), { name: "StorageCorruptError" }, name);
  t.throws(() => CatalogState.restore("x" as unknown as Uint8Array), { name: "StorageCorruptError" });
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), (b) => {
      try {
        CatalogState.restore(Uint8Array.of(0x64, 0x63, 0x73, 0x01, ...b));
      } catch (err) {
        if ((err as Error).name !== "StorageCorruptError") throw err;
      }
    }),
    { numRuns: 500 },
  );
});

/** A snapshot with a valid checksum around an arbitrary body. */
function framed(body: unknown): Uint8Array {
  const packed = new Packr({ useRecords: false }).pack(body);
  const out = new Uint8Array(8 + packed.length);
  out.set([0x64, 0x63, 0x73, 0x01]);
  new DataView(out.buffer).setUint32(4, crc32(packed) >>> 0);
  out.set(packed, 8);
  return out;
}

t.test("snapshot: a well-checksummed but inconsistent body is refused", async (t) => {
  const l = new Log();
  l.run(reg("n1", { service: "web" }, [serf(), { checkId: "c", serviceId: "web", status: "passing" }]));
  l.run({ op: "register", node: { node: "n2", address: "a" } });
  l.run({ op: "session-create", session: { id: "s", node: "n1" }, nowMs: 0 });
  l.run({ op: "kv-set", key: "k", value: bytes("v"), acquire: "s", nowMs: 0 });
  l.run({ op: "kv-set", key: "gone", value: bytes("v"), nowMs: 0 });
  l.run({ op: "kv-delete", key: "gone" });
  const base = readSnapshot(l.state.snapshot());
  const variants: Array<[string, (d: SnapshotData) => void]> = [
    ["duplicate node", (d) => d.nodes.push(d.nodes[0]!)],
    ["orphan service", (d) => d.nodes.splice(0, 1)],
    ["duplicate service", (d) => d.services.push(d.services[0]!)],
    ["check of a missing service", (d) => (d.services = [])],
    ["duplicate check", (d) => d.checks.push(d.checks[0]!)],
    ["duplicate session", (d) => d.sessions.push(d.sessions[0]!)],
    ["lock held by a missing session", (d) => (d.sessions = [])],
    ["duplicate key", (d) => d.kv.entries.push(d.kv.entries[0]!)],
    ["key live and deleted", (d) => d.kv.tombstones.push(["k", 3])],
    ["empty datacenter", (d) => (d.datacenter = "")],
  ];
  for (const [name, mutate] of variants) {
    const d = readSnapshot(l.state.snapshot());
    mutate(d);
    t.throws(() => readSnapshot(writeSnapshot(d)), { name: "StorageCorruptError" }, name);
  }
  t.same(readSnapshot(writeSnapshot(base)), base, "the unmodified data round-trips");
  const bodies: Array<[string, unknown]> = [
    ["not an array", { a: 1 }],
    ["wrong length", [1, 2, 3]],
    ["bad node tuple", ["dc1", 1, [["n1"]], [], [], [], [], [], 1, [], [1, 1, 1, 1], [], [], [1, 1]]],
    ["bad status", ["dc1", 1, [["n", "i", "a", "dc1", [], 1, 1]], [], [["n", "c", "c", "", "", "dead", "", "", "", 0, 0, 0, 0, 1, 1]], [], [], [], 1, [], [1, 1, 1, 1], [], [], [1, 1]]],
    ["negative index", ["dc1", -1, [], [], [], [], [], [], 1, [], [1, 1, 1, 1], [], [], [1, 1]]],
    ["value not bytes", ["dc1", 1, [], [], [], [], [["k", "v", 0, 1, 1, 0, null]], [], 1, [], [1, 1, 1, 1], [], [], [1, 1]]],
    ["meta not pairs", ["dc1", 1, [["n", "i", "a", "dc1", [["k"]], 1, 1]], [], [], [], [], [], 1, [], [1, 1, 1, 1], [], [], [1, 1]]],
  ];
  for (const [name, body] of bodies) t.throws(() => CatalogState.restore(framed(body)), { name: "StorageCorruptError" }, name);
  t.ok(CatalogState.restore(framed(["dc1", 0, [], [], [], [], [], [], 1, [], [1, 1, 1, 1], [], [], [1, 1]])), "a minimal body is fine");
});
