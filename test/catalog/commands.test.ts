import t from "tap";
import fc from "fast-check";
import { Packr } from "msgpackr";
import { decodeCommand, encodeCommand, type CatalogCommand } from "../../lib/catalog/commands.js";
import { checkCommand } from "../../lib/catalog/validate.js";
import { MalformedPacketError, InvalidArgumentError } from "../../lib/util/errors.js";
import { command, stamp } from "./gen.js";
import { bytes } from "./helpers.js";

const packr = new Packr({ useRecords: false, mapsAsObjects: true });

t.test("commands: every command kind round-trips through encode/decode", async (t) => {
  const cmds: CatalogCommand[] = [
    {
      op: "register",
      node: { node: "n1", address: "10.0.0.1", meta: { rack: "r1" } },
      service: { id: "web-1", service: "web", tags: ["v1"], port: 8080, weights: { passing: 3, warning: 1 } },
      checks: [{ checkId: "service:web-1", serviceId: "web-1", status: "passing", ttlMs: 10_000 }],
      nowMs: 5,
    },
    { op: "deregister", node: "n1", serviceId: "web-1" },
    { op: "check-update", node: "n1", checkId: "c", status: "critical", output: "down", nowMs: 1 },
    { op: "kv-set", key: "k", value: bytes("v"), flags: 7, cas: 0, acquire: "s", nowMs: 2 },
    { op: "kv-delete", key: "k/", recurse: true },
    { op: "kv-txn", ops: [{ verb: "set", key: "a", value: bytes("1") }, { verb: "get", key: "a" }], nowMs: 3 },
    { op: "session-create", session: { id: "s", node: "n1", checks: [], ttlMs: 10_000, behavior: "delete", lockDelayMs: 0 }, nowMs: 4 },
    { op: "session-destroy", id: "s", nowMs: 5 },
  ];
  for (const cmd of cmds) t.same(decodeCommand(encodeCommand(cmd)), cmd, cmd.op);
});

t.test("commands: generated commands round-trip and stay valid", async (t) => {
  // Buffer has a toJSON that runs before any replacer, so normalise bytes first.
  const plain = (x: unknown): unknown =>
    x instanceof Uint8Array ? [...x]
    : Array.isArray(x) ? x.map(plain)
    : x !== null && typeof x === "object" ? Object.fromEntries(Object.entries(x).map(([k, v]) => [k, plain(v)]))
    : x;
  const json = (x: unknown): string => JSON.stringify(plain(x));
  t.doesNotThrow(() => fc.assert(
    fc.property(command, (c) => {
      const cmd = stamp(c, 1);
      return json(decodeCommand(encodeCommand(cmd))) === json(cmd);
    }),
    { numRuns: 300 },
  ), "300 generated commands round-trip");
});

t.test("commands: encodeCommand returns bytes the caller owns", async (t) => {
  const a = encodeCommand({ op: "session-destroy", id: "a", nowMs: 1 });
  const copy = Uint8Array.from(a);
  encodeCommand({ op: "session-destroy", id: "b".repeat(100), nowMs: 2 });
  t.same(a, copy, "a later encode does not overwrite an earlier result");
  t.equal(a.byteOffset, 0);
});

t.test("commands: decodeCommand throws MalformedPacketError, and only that, on random bytes", async (t) => {
  t.doesNotThrow(() => fc.assert(
    fc.property(fc.uint8Array({ maxLength: 64 }), (b) => {
      try {
        decodeCommand(b);
      } catch (err) {
        if (!(err instanceof MalformedPacketError)) throw err;
      }
    }),
    { numRuns: 2000 },
  ), "2000 random byte strings");
});

t.test("commands: decodeCommand throws MalformedPacketError on any msgpack value that is not a command", async (t) => {
  t.doesNotThrow(() => fc.assert(
    fc.property(fc.anything({ withNullPrototype: true, withMap: true, withSet: true }), (v) => {
      let b: Uint8Array;
      try {
        b = packr.pack(v);
      } catch {
        return;
      }
      try {
        decodeCommand(b);
      } catch (err) {
        if (!(err instanceof MalformedPacketError)) throw err;
      }
    }),
    { numRuns: 500 },
  ), "500 random msgpack values");
});

t.test("commands: decodeCommand throws MalformedPacketError on damaged commands", async (t) => {
  t.doesNotThrow(() => fc.assert(
    fc.property(command, fc.nat(), fc.nat(255), (c, at, byte) => {
      const b = encodeCommand(stamp(c, 1));
      b[at % b.length] = byte;
      try {
        decodeCommand(b.subarray(0, Math.max(1, b.length - (at % 3))));
      } catch (err) {
        if (!(err instanceof MalformedPacketError)) throw err;
      }
    }),
    { numRuns: 1000 },
  ), "1000 damaged commands");
});

t.test("commands: malformed shapes name the field", async (t) => {
  const cases: Array<[unknown, string]> = [
    ["not an object", "command"],
    [{ op: "explode" }, "op"],
    [{ op: "register", node: "n1" }, "node"],
    [{ op: "register", node: { node: 1, address: "a" } }, "node.node"],
    [{ op: "register", node: { node: "n", address: "a" }, service: { id: "x", service: "s", port: "80" } }, "service.port"],
    [{ op: "register", node: { node: "n", address: "a" }, checks: [{ checkId: "c", status: 1 }] }, "checks[0].status"],
    [{ op: "kv-set", key: "k", value: "text", nowMs: 1 }, "value"],
    [{ op: "kv-txn", ops: "x", nowMs: 1 }, "ops"],
    [{ op: "kv-txn", ops: [{ verb: "get", key: 3 }], nowMs: 1 }, "ops[0].key"],
    [{ op: "session-create", session: { id: "s", node: "n", checks: [1] }, nowMs: 1 }, "session.checks[0]"],
    [{ op: "session-destroy", id: "s" }, "nowMs"],
    [{ op: "kv-delete", key: "k", recurse: "yes" }, "recurse"],
  ];
  for (const [raw, field] of cases) {
    t.throws(() => checkCommand(raw, false), { name: "InvalidArgumentError", field }, field);
    t.throws(() => decodeCommand(packr.pack(raw)), { name: "MalformedPacketError" }, `${field} (decode)`);
  }
  t.throws(() => decodeCommand("x" as unknown as Uint8Array), { name: "MalformedPacketError" });
});

t.test("commands: decode checks shape only; limits are apply's business", async (t) => {
  const big = { op: "kv-set", key: "k", value: new Uint8Array(600 * 1024), nowMs: 1 } as const;
  t.equal(decodeCommand(encodeCommand(big)).op, "kv-set", "an oversized value still decodes");
  t.throws(() => checkCommand({ op: "register", node: { node: "", address: "a" } }, true), new InvalidArgumentError("node.node", ""));
  t.doesNotThrow(() => checkCommand({ op: "register", node: { node: "", address: "a" } }, false));
});
