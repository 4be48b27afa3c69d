import t from "tap";
import { Keyring, generateKey } from "../../lib/transport/keyring.js";
import {
  KEYRING_REQUESTS_CONCURRENCY_MAX,
  applyKeyringOp,
  fanOutKeyringOp,
  precheckKeyringOp,
  type KeyringTarget,
} from "../../lib/membership/cluster-keyring.js";
import type { KeyringReply } from "../../lib/membership/stream-codec.js";

const [k1, k2, k3] = [generateKey(), generateKey(), generateKey()];

t.test("keyring op: a member applies the request to its own ring and answers with its keys, or with why it refused", async (t) => {
  const ring = new Keyring([k1]);
  const saved: string[][] = [];
  const save = async (keys: readonly string[]): Promise<void> => void saved.push([...keys]);
  t.same(await applyKeyringOp(ring, "install", k2, save), { keys: [k1, k2], primaryKey: k1 });
  t.same(await applyKeyringOp(ring, "use", k2, save), { keys: [k2, k1], primaryKey: k2 });
  t.same(await applyKeyringOp(ring, "list", undefined, save), { keys: [k2, k1], primaryKey: k2 });
  t.same(await applyKeyringOp(ring, "install", k2, save), { keys: [k2, k1], primaryKey: k2 }, "installing a held key changes nothing");
  t.same(saved, [[k1, k2], [k2, k1]], "saved only when the ring changed");
  t.match(await applyKeyringOp(ring, "remove", k2, save), { keys: [k2, k1], error: { code: "INVALID_ARGUMENT", message: /removing the primary key is not allowed/ } });
  t.match(await applyKeyringOp(ring, "use", k3, save), { error: { code: "INVALID_ARGUMENT", message: /not installed/ } });
  t.same(await applyKeyringOp(ring, "remove", k3, save), { keys: [k2, k1], primaryKey: k2 }, "removing a key not held is a no-op (memberlist)");
  t.match(await applyKeyringOp(ring, "remove", "junk", save), { error: { code: "INVALID_ARGUMENT" } });
  t.match(await applyKeyringOp(undefined, "list", undefined, save), { keys: [], primaryKey: undefined, error: { code: "NOT_SUPPORTED", message: /not enabled/ } });
});

t.test("keyring op: when the keyring cannot be saved the change is undone, so memory and disk agree", async (t) => {
  const ring = new Keyring([k1]);
  const reply = await applyKeyringOp(ring, "install", k2, () => Promise.reject(new Error("disk full")));
  t.match(reply, { keys: [k1], primaryKey: k1, error: { message: /could not save the keyring.*disk full/ } });
  t.same(ring.list(), [k1]);
});

t.test("keyring op: checks this member can make before asking anyone", async (t) => {
  const ring = new Keyring([k1, k2]);
  t.doesNotThrow(() => precheckKeyringOp(ring, "list", undefined));
  t.doesNotThrow(() => precheckKeyringOp(ring, "install", k3));
  t.doesNotThrow(() => precheckKeyringOp(ring, "use", k2));
  t.doesNotThrow(() => precheckKeyringOp(ring, "remove", k2));
  t.throws(() => precheckKeyringOp(ring, "install", "nope"), { name: "InvalidArgumentError", field: "key" });
  t.throws(() => precheckKeyringOp(ring, "use", k3), { name: "InvalidArgumentError", field: "key", message: /not installed/ });
  t.throws(() => precheckKeyringOp(ring, "remove", k1), { name: "InvalidArgumentError", field: "key", message: /primary/ });
});

t.test("keyring fan-out: bounded concurrency, every member counted once, silent ones as errors, self asked last", async (t) => {
  const targets: KeyringTarget[] = Array.from({ length: 40 }, (_, i) => ({ name: `m${i}`, address: "10.0.0.1", port: i }));
  let inFlight = 0;
  let peak = 0;
  const order: string[] = [];
  const ask = async (target: KeyringTarget): Promise<KeyringReply> => {
    inFlight++;
    peak = Math.max(peak, inFlight);
    await new Promise((r) => setImmediate(r));
    inFlight--;
    order.push(target.name);
    if (target.port % 10 === 0) throw new Error("timed out");
    if (target.port === 7) return { keys: [k1], primaryKey: k1, error: { code: "INVALID_ARGUMENT", message: "nope" } };
    return { keys: [k1, k2], primaryKey: target.port < 20 ? k1 : k2 };
  };
  const status = await fanOutKeyringOp("self", targets, ask, async () => {
    order.push("self");
    return { keys: [k1, k2], primaryKey: k1 };
  });
  t.ok(peak <= KEYRING_REQUESTS_CONCURRENCY_MAX, `at most ${KEYRING_REQUESTS_CONCURRENCY_MAX} at once (saw ${peak})`);
  t.equal(order.at(-1), "self");
  t.equal(order.length, 41);
  t.same(status.numNodes, 41);
  t.same(status.numResp, 37, "four did not answer");
  t.same(status.numErr, 5, "four silent and one refusal");
  t.match(status.messages, { m0: /no answer: timed out/, m7: "nope", m30: /no answer/ });
  t.same(status.keys, { [k1]: 37, [k2]: 36 }, "a refusing member's keys still count");
  t.same(status.primaryKeys, { [k1]: 19, [k2]: 18 }, "eighteen members and self use k1");
  t.same(await fanOutKeyringOp("solo", [], ask, async () => ({ keys: [k1], primaryKey: k1 })),
    { numNodes: 1, numResp: 1, numErr: 0, messages: {}, keys: { [k1]: 1 }, primaryKeys: { [k1]: 1 } });
});
