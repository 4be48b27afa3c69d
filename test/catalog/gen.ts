/** fast-check generators of catalog command sequences over a small universe, so commands collide often. */
import fc from "fast-check";
import type { CatalogCommand, CheckInput, KvTxnOp } from "../../lib/catalog/commands.js";
import { CatalogState } from "../../lib/catalog/state.js";
import type { WatchScope } from "../../lib/catalog/scope.js";

export const NODES = ["n1", "n2", "n3"];
export const SERVICES = ["web", "db", "api"];
export const IDS = ["i1", "i2", "web"];
export const CHECKS = ["serfHealth", "c1", "c2"];
export const KEYS = ["a", "a/b", "a/c", "a/b/d", "b", "b/x"];
export const SESSIONS = ["S1", "S2", "S3"];
const STATUS = fc.constantFrom("passing" as const, "warning" as const, "critical" as const);
const TAGS = fc.subarray(["v1", "v2", "blue"]);

const check: fc.Arbitrary<CheckInput> = fc.record(
  { checkId: fc.constantFrom(...CHECKS), status: STATUS, serviceId: fc.constantFrom(...IDS), output: fc.constantFrom("", "ok", "bad") },
  { requiredKeys: ["checkId", "status"] },
);

const register = fc
  .record({
    node: fc.constantFrom(...NODES),
    address: fc.constantFrom("10.0.0.1", "10.0.0.2"),
    service: fc.option(
      fc.record({ id: fc.constantFrom(...IDS), service: fc.constantFrom(...SERVICES), tags: TAGS, port: fc.constantFrom(80, 81) }),
      { nil: undefined },
    ),
    checks: fc.uniqueArray(check, { maxLength: 2, selector: (c) => c.checkId }),
  })
  .map(({ node, address, service, checks }): CatalogCommand => {
    const cmd: CatalogCommand = { op: "register", node: { node, address }, checks };
    if (service) cmd.service = service;
    return cmd;
  });

const value = fc.constantFrom("x", "y", "").map((s) => new TextEncoder().encode(s));

const txnOp: fc.Arbitrary<KvTxnOp> = fc.record(
  {
    verb: fc.constantFrom(
      "set", "cas", "lock", "unlock", "get", "get-tree", "check-index", "check-session",
      "check-not-exists", "delete", "delete-tree", "delete-cas",
    ) as fc.Arbitrary<KvTxnOp["verb"]>,
    key: fc.constantFrom(...KEYS),
    value,
    index: fc.nat(30),
    session: fc.constantFrom(...SESSIONS),
  },
  { requiredKeys: ["verb", "key"] },
);

/** A command without time; {@link stamp} adds nowMs. */
export const command: fc.Arbitrary<CatalogCommand> = fc.oneof(
  { weight: 4, arbitrary: register },
  {
    weight: 1,
    arbitrary: fc.record(
      { op: fc.constant("deregister" as const), node: fc.constantFrom(...NODES), serviceId: fc.constantFrom(...IDS), checkId: fc.constantFrom(...CHECKS) },
      { requiredKeys: ["op", "node"] },
    ),
  },
  {
    weight: 3,
    arbitrary: fc.record({ op: fc.constant("check-update" as const), node: fc.constantFrom(...NODES), checkId: fc.constantFrom(...CHECKS), status: STATUS, nowMs: fc.constant(0) }),
  },
  {
    weight: 4,
    arbitrary: fc.record(
      {
        op: fc.constant("kv-set" as const), key: fc.constantFrom(...KEYS), value, flags: fc.nat(3), cas: fc.nat(30),
        acquire: fc.constantFrom(...SESSIONS), nowMs: fc.constant(0),
      },
      { requiredKeys: ["op", "key", "value", "nowMs"] },
    ),
  },
  {
    weight: 1,
    arbitrary: fc.record({ op: fc.constant("kv-set" as const), key: fc.constantFrom(...KEYS), value, release: fc.constantFrom(...SESSIONS), nowMs: fc.constant(0) }),
  },
  {
    weight: 2,
    arbitrary: fc.record(
      { op: fc.constant("kv-delete" as const), key: fc.constantFrom(...KEYS), recurse: fc.boolean(), cas: fc.nat(30) },
      { requiredKeys: ["op", "key"] },
    ).map((c) => (c.recurse ? { op: c.op, key: c.key, recurse: true } : c)),
  },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("kv-txn" as const), ops: fc.array(txnOp, { maxLength: 4 }), nowMs: fc.constant(0) }) },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant("session-create" as const),
      session: fc.record(
        { id: fc.constantFrom(...SESSIONS), node: fc.constantFrom(...NODES), checks: fc.subarray(CHECKS), behavior: fc.constantFrom("release" as const, "delete" as const), lockDelayMs: fc.constantFrom(0, 5000) },
        { requiredKeys: ["id", "node"] },
      ),
      nowMs: fc.constant(0),
    }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("session-destroy" as const), id: fc.constantFrom(...SESSIONS), nowMs: fc.constant(0) }) },
);

/** Gives a command the time of its log index (1 s per entry), as a proposer would. */
export function stamp(cmd: CatalogCommand, index: number): CatalogCommand {
  return "nowMs" in cmd || cmd.op === "register" || cmd.op === "deregister" ? { ...cmd, nowMs: index * 1000 } : cmd;
}

/** Applies `cmds` from index `from`+1 on. */
export function replay(cmds: CatalogCommand[], state = new CatalogState(), from = state.lastIndex): CatalogState {
  cmds.forEach((c, i) => state.apply(from + i + 1, stamp(c, from + i + 1)));
  return state;
}

/** Every scope of the universe, prefixes included. */
export const SCOPES: WatchScope[] = [
  { kind: "services" }, { kind: "nodes" }, { kind: "checks" }, { kind: "sessions" },
  ...SERVICES.map((name) => ({ kind: "service" as const, name })),
  ...NODES.map((name) => ({ kind: "node" as const, name })),
  ...KEYS.map((key) => ({ kind: "kv" as const, key })),
  ...["", "a", "a/", "a/b", "b"].map((key) => ({ kind: "kv" as const, key, prefix: true })),
];

/** Every read of the universe, as one JSON string. */
export function readAll(s: CatalogState): string {
  return JSON.stringify({
    last: s.lastIndex,
    nodes: s.nodes(),
    node: NODES.map((n) => [s.node(n), s.nodeServices(n), s.nodeChecks(n), s.nodeSessions(n)]),
    services: s.services(),
    perService: SERVICES.map((n) => [s.serviceNodes(n), s.healthService(n), s.healthService(n, { passingOnly: true, tag: "v1" }), s.serviceChecks(n)]),
    checks: s.checksInState("any"),
    critical: s.checksInState("critical"),
    kv: s.kvList(""),
    keys: s.kvKeys("a", "/"),
    delays: KEYS.map((k) => s.lockDelayUntil(k)),
    sessions: s.sessions(),
    indexes: SCOPES.map((sc) => s.scopeIndex(sc)),
  });
}
