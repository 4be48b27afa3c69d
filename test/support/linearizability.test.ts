import t from "tap";
import { checkKvHistory, checkPartition, dropUnobservedUnknownPuts, kvModel } from "./linearizability.js";
import type { KvInput, KvOutput, Operation } from "./linearizability.js";

const op = (clientId: number, input: KvInput, call: number, ret: number, output?: KvOutput): Operation => ({
  clientId,
  input,
  output,
  call,
  return: output === undefined ? Infinity : ret,
});
const put = (c: number, key: string, value: string, call: number, ret: number, index?: number) =>
  op(c, { op: "put", key, value }, call, ret, index === undefined ? {} : { index });
const get = (c: number, key: string, value: string | null, call: number, ret: number, index?: number) =>
  op(c, { op: "get", key }, call, ret, index === undefined ? { value } : { value, index });

t.test("linearizability: Porcupine README's linearizable put/get/get history is ok", async (t) => {
  const h = [put(0, "x", "100", 0, 100), get(1, "x", "100", 25, 75), get(2, "x", null, 30, 60)];
  t.same(checkKvHistory(h), { result: "ok" });
});

t.test("linearizability: Porcupine README's non-linearizable history is illegal", async (t) => {
  // The get of 100 finishes before the get of the initial value starts.
  const h = [put(0, "x", "100", 0, 100), get(1, "x", "100", 10, 30), get(2, "x", null, 40, 90)];
  t.equal(checkKvHistory(h).result, "illegal");
});

t.test("linearizability: a stale read after a completed overwrite is illegal (Jepsen etcd/Consul 2014)", async (t) => {
  const h = [put(0, "k", "1", 0, 10), put(0, "k", "2", 20, 30), get(1, "k", "1", 40, 50)];
  t.equal(checkKvHistory(h).result, "illegal");
  t.same(checkKvHistory(h.slice(0, 2).concat(get(1, "k", "2", 40, 50))), { result: "ok" });
});

t.test("linearizability: a lost acknowledged write is illegal", async (t) => {
  const h = [put(0, "k", "1", 0, 10), get(1, "k", null, 20, 30)];
  t.equal(checkKvHistory(h).result, "illegal");
});

t.test("linearizability: a timed-out write may or may not have happened, but not both", async (t) => {
  const pending = op(0, { op: "put", key: "k", value: "p" }, 0, 0);
  t.same(checkKvHistory([pending, get(1, "k", "p", 50, 60)]), { result: "ok" }, "observed");
  t.same(checkKvHistory([pending, get(1, "k", null, 50, 60)]), { result: "ok" }, "not observed");
  t.same(checkKvHistory([pending, get(1, "k", "p", 50, 60), get(1, "k", null, 70, 80)]).result, "illegal", "seen, then unseen");
  t.same(checkKvHistory([get(1, "k", "p", 5, 10), op(0, { op: "put", key: "k", value: "p" }, 20, 0)]).result, "illegal", "seen before its call");
});

t.test("linearizability: cas by modify index follows Consul's semantics", async (t) => {
  const cas = (c: number, value: string, expectIndex: number, call: number, ret: number, ok?: boolean, index?: number) =>
    op(c, { op: "cas", key: "k", value, expectIndex }, call, ret, ok === undefined ? undefined : { ok, index });
  t.same(checkKvHistory([cas(0, "a", 0, 0, 10, true, 5), get(1, "k", "a", 20, 30, 5)]), { result: "ok" }, "create-if-absent");
  t.equal(checkKvHistory([put(0, "k", "x", 0, 10, 3), cas(1, "a", 0, 20, 30, true, 5)]).result, "illegal", "cas 0 on a present key");
  t.same(checkKvHistory([put(0, "k", "x", 0, 10, 3), cas(1, "a", 3, 20, 30, true, 5), get(2, "k", "a", 40, 50, 5)]), { result: "ok" });
  t.equal(checkKvHistory([put(0, "k", "x", 0, 10, 3), cas(1, "a", 3, 20, 30, false)]).result, "illegal", "a cas that should have won");
  t.same(checkKvHistory([put(0, "k", "x", 0, 10, 3), cas(1, "a", 2, 20, 30, false)]), { result: "ok" });
  // Two concurrent cas on the same index: at most one wins.
  t.equal(
    checkKvHistory([put(0, "k", "x", 0, 10, 3), cas(1, "a", 3, 20, 30, true, 6), cas(2, "b", 3, 20, 30, true, 7)]).result,
    "illegal",
  );
  // A pending cas: its effect may appear.
  t.same(checkKvHistory([put(0, "k", "x", 0, 10, 3), cas(1, "a", 3, 20, 0), get(2, "k", "a", 40, 50)]), { result: "ok" });
  t.same(checkKvHistory([put(0, "k", "x", 0, 10, 3), cas(1, "a", 3, 20, 0), get(2, "k", "x", 40, 50)]), { result: "ok" });
});

t.test("linearizability: delete makes the key absent; write indexes must grow", async (t) => {
  const del = (c: number, call: number, ret: number, index?: number) => op(c, { op: "delete", key: "k" }, call, ret, { index });
  t.same(checkKvHistory([put(0, "k", "x", 0, 10, 2), del(1, 20, 30, 4), get(2, "k", null, 40, 50)]), { result: "ok" });
  t.equal(checkKvHistory([put(0, "k", "x", 0, 10, 5), put(1, "k", "y", 20, 30, 4)]).result, "illegal", "index went backwards");
  t.equal(checkKvHistory([put(0, "k", "x", 0, 10, 5), get(1, "k", "x", 20, 30, 6)]).result, "illegal", "wrong index read");
});

t.test("linearizability: keys are checked independently, and a bad key is named", async (t) => {
  const h = [put(0, "a", "1", 0, 10), put(0, "b", "1", 0, 10), get(1, "a", "1", 20, 30), get(1, "b", null, 20, 30)];
  const r = checkKvHistory(h);
  t.equal(r.result, "illegal");
  t.equal(r.result === "illegal" ? r.key : "", "b");
});

t.test("linearizability: many concurrent operations are resolved by the memoized search", async (t) => {
  const h: Operation[] = [];
  for (let i = 0; i < 12; i++) h.push(put(i, "k", `v${i}`, 0, 100));
  h.push(get(99, "k", "v7", 200, 210));
  t.same(checkKvHistory(h), { result: "ok" });
  h.push(get(99, "k", "v8", 220, 230));
  t.equal(checkKvHistory(h).result, "illegal");
});

t.test("linearizability: the effort bound answers unknown instead of hanging", async (t) => {
  const h: Operation[] = [];
  for (let i = 0; i < 30; i++) h.push(put(i, "k", `v${i}`, 0, 100));
  h.push(get(99, "k", "nope", 200, 210));
  t.same(checkKvHistory(h, { effortMax: 50 }), { result: "unknown", key: "k" });
  t.equal(checkPartition(kvModel, [], 10), "ok");
});

t.test("linearizability: unobserved timed-out puts are dropped only where no index is tracked, and verdicts do not change", async (t) => {
  const pending = (c: number, value: string, call: number) => op(c, { op: "put", key: "k", value }, call, 0);
  const h = [put(0, "k", "a", 0, 10), pending(1, "lost", 5), pending(2, "seen", 6), get(3, "k", "seen", 20, 30)];
  t.same(dropUnobservedUnknownPuts(h).map((o) => (o.input as { value?: string }).value ?? "get"), ["a", "seen", "get"],
    "the put nobody read is dropped; the observed one stays");
  const withIndex = [...h, get(3, "k", "seen", 40, 50, 7)];
  t.equal(dropUnobservedUnknownPuts(withIndex).length, withIndex.length, "a history with read indexes keeps every op");
  // Forty timed-out puts nobody read, beside an ordinary history: the search stays small and the verdicts hold.
  const noisy: Operation[] = [];
  for (let i = 0; i < 40; i++) noisy.push(pending(10 + i, `x${i}`, i));
  t.same(checkKvHistory([...noisy, put(0, "k", "a", 0, 10), get(1, "k", "a", 20, 30)], { effortMax: 10_000 }), { result: "ok" });
  t.equal(checkKvHistory([...noisy, put(0, "k", "a", 0, 10), get(1, "k", "b", 20, 30)], { effortMax: 10_000 }).result, "illegal",
    "a read of a value nobody wrote is still illegal");
  t.equal(checkKvHistory([...noisy, put(0, "k", "a", 0, 10), get(1, "k", null, 20, 30)], { effortMax: 10_000 }).result, "illegal",
    "a lost acknowledged write is still illegal");
});
