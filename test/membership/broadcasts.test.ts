import t from "tap";
import { BroadcastQueue } from "../../lib/membership/broadcasts.js";
import { BROADCAST_QUEUE_MAX } from "../../lib/membership/limits.js";
import type { SwimMessage } from "../../lib/membership/types.js";

const alive = (node: string, incarnation: number): SwimMessage => ({
  type: "alive", node, incarnation, address: "10.0.0.1", port: 7946, meta: {},
});

t.test("swim: broadcasts go fewest-transmits first, newest first among equals", async (t) => {
  const q = new BroadcastQueue();
  q.enqueue("a", alive("a", 0), 10);
  q.enqueue("b", alive("b", 0), 10);
  t.same(q.take(10, 10, 10).map((m) => (m as { node: string }).node), ["b"], "newest first");
  t.same(q.take(10, 10, 10).map((m) => (m as { node: string }).node), ["a"], "then the one sent fewest times");
  q.enqueue("c", alive("c", 0), 10);
  t.same(q.take(100, 10, 10).map((m) => (m as { node: string }).node), ["c", "b", "a"]);
});

t.test("swim: a broadcast is dropped after the retransmit limit", async (t) => {
  const q = new BroadcastQueue();
  q.enqueue("a", alive("a", 0), 10);
  for (let i = 0; i < 3; i++) t.equal(q.take(100, 3, 10).length, 1, `transmit ${i + 1}`);
  t.equal(q.size, 0);
  t.same(q.take(100, 3, 10), []);
});

t.test("swim: newer news about a member replaces the queued older news", async (t) => {
  const q = new BroadcastQueue();
  q.enqueue("m:a", alive("a", 1), 10);
  q.take(100, 10, 10);
  q.enqueue("m:a", { type: "suspect", node: "a", incarnation: 1, from: "x" }, 10);
  t.equal(q.size, 1);
  const [msg] = q.take(100, 10, 10);
  t.equal(msg?.type, "suspect");
  q.remove("m:a");
  t.equal(q.has("m:a"), false);
});

t.test("swim: take respects the byte budget and the message count", async (t) => {
  const q = new BroadcastQueue();
  q.enqueue("big", alive("big", 0), 100);
  q.enqueue("small", alive("small", 0), 10);
  t.same(q.take(50, 10, 10).map((m) => (m as { node: string }).node), ["small"], "skips what does not fit");
  t.same(q.take(0, 10, 10), []);
  t.equal(q.take(1000, 10, 1).length, 1, "count bound");
});

t.test("swim: a full queue evicts its most transmitted, oldest item (BROADCAST_QUEUE_MAX)", async (t) => {
  const q = new BroadcastQueue();
  for (let i = 0; i < BROADCAST_QUEUE_MAX; i++) q.enqueue(`k${i}`, alive(`n${i}`, 0), 1);
  t.equal(q.size, BROADCAST_QUEUE_MAX);
  q.enqueue("extra", alive("extra", 0), 1);
  t.equal(q.size, BROADCAST_QUEUE_MAX);
  t.equal(q.dropped, 1);
  t.equal(q.has("k0"), false, "oldest went first");
  t.equal(q.has("extra"), true);
});
