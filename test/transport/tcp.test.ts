import t from "tap";
import { connect } from "node:net";
import { TcpTransport, RemoteError } from "../../lib/transport/tcp.js";
import { FrameDecoder, encodeFrame } from "../../lib/transport/frame.js";
import { InvalidArgumentError } from "../../lib/util/errors.js";
import { waitFor } from "../agent/helpers.js";

async function endpoint(t: Tap.Test, extra: Partial<Parameters<typeof TcpTransport.listen>[0]> = {}) {
  const inbox: Array<[string, unknown]> = [];
  const tr = await TcpTransport.listen({
    host: "127.0.0.1", port: 0, onMessage: (from, body) => inbox.push([from, body]),
    onRequest: async (_from, body) => {
      const b = body as { op: string; n?: number };
      if (b.op === "fail") throw new InvalidArgumentError("n", "bad n");
      if (b.op === "slow") await new Promise((r) => setTimeout(r, 500));
      return { doubled: (b.n ?? 0) * 2 };
    },
    ...extra,
  });
  t.teardown(() => tr.close());
  return { tr, inbox };
}

t.test("frames: fragments reassemble; oversized length is fatal; bad payload is skipped", async (t) => {
  const frames = Buffer.concat([encodeFrame({ a: 1 }), encodeFrame("two"), encodeFrame([3])]);
  const d = new FrameDecoder();
  const out: unknown[] = [];
  for (let i = 0; i < frames.length; i += 7) for (const ev of d.push(frames.subarray(i, i + 7))) out.push("value" in ev ? ev.value : "err");
  t.same(out, [{ a: 1 }, "two", [3]]);
  const bad = Buffer.alloc(8);
  bad.writeUInt32BE(4, 0);
  bad.writeUInt32BE(0xc1c1c1c1, 4); // 0xc1 is never valid msgpack
  const d2 = new FrameDecoder();
  const evs = d2.push(Buffer.concat([bad, encodeFrame("after")]));
  t.equal(evs.length, 2);
  t.match(evs[0], { fatal: false });
  t.same(evs[1], { value: "after" }, "the stream continues after a bad payload");
  const huge = Buffer.alloc(4);
  huge.writeUInt32BE(100, 0);
  t.match(new FrameDecoder(10).push(huge), [{ fatal: true }]);
  t.throws(() => encodeFrame(Buffer.alloc(100), 10), { name: "MalformedPacketError" });
});

t.test("one-way messages both ways, and request/response with remote errors", async (t) => {
  const a = await endpoint(t);
  const b = await endpoint(t);
  t.ok(a.tr.send(b.tr.address, { hello: "b" }));
  t.ok(b.tr.send(a.tr.address, { hello: "a" }));
  await waitFor(() => a.inbox.length === 1 && b.inbox.length === 1, 3000, "both messages");
  t.same(b.inbox[0], [a.tr.address, { hello: "b" }], "the sender's address comes with the message");
  t.same(await a.tr.request(b.tr.address, { op: "double", n: 21 }), { doubled: 42 });
  const many = await Promise.all(Array.from({ length: 200 }, (_, n) => a.tr.request(b.tr.address, { op: "double", n })));
  t.same(many.map((r) => (r as { doubled: number }).doubled), Array.from({ length: 200 }, (_, n) => n * 2), "pipelined responses match their requests");
  await t.rejects(a.tr.request(b.tr.address, { op: "fail" }), RemoteError);
  await t.rejects(a.tr.request(b.tr.address, { op: "fail" }), { code: "INVALID_ARGUMENT" });
  await t.rejects(a.tr.request(b.tr.address, { op: "slow" }, { timeoutMs: 50 }), { name: "TimeoutError" });
  await t.rejects(a.tr.request(b.tr.address, { op: "slow" }, { signal: AbortSignal.abort() }), { name: "AbortedError" });
});

t.test("a peer that restarts on the same port is reconnected to", async (t) => {
  const a = await endpoint(t);
  const first = await endpoint(t);
  const port = Number(first.tr.address.split(":")[1]);
  t.same(await a.tr.request(first.tr.address, { op: "double", n: 1 }), { doubled: 2 });
  await first.tr.close();
  const second = await endpoint(t, { port });
  // A frame written just as the old connection dies is lost (one-way sends
  // promise nothing; Raft and gossip retransmit), so send until one arrives.
  await waitFor(() => {
    if (second.inbox.length > 0) return true;
    a.tr.send(second.tr.address, "after restart");
    return false;
  }, 5000, "delivery after the restart");
  t.same(await a.tr.request(second.tr.address, { op: "double", n: 2 }), { doubled: 4 });
  t.ok(a.tr.stats.reconnects >= 1, "a reconnect was counted");
});

t.test("an oversized frame closes only that connection; garbage is counted, never thrown", async (t) => {
  const b = await endpoint(t);
  const a = await endpoint(t);
  const [host, port] = b.tr.address.split(":");
  const raw = connect({ host: host!, port: Number(port) });
  await new Promise((r) => raw.once("connect", r));
  const closed = new Promise((r) => raw.once("close", r));
  const header = Buffer.alloc(4);
  header.writeUInt32BE(64 * 1024 * 1024, 0);
  raw.write(header);
  await closed;
  t.equal(b.tr.stats.oversized, 1);
  const raw2 = connect({ host: host!, port: Number(port) });
  await new Promise((r) => raw2.once("connect", r));
  raw2.write(Buffer.concat([encodeFrame("not an envelope"), encodeFrame({ k: 9, f: "x" })]));
  await waitFor(() => b.tr.stats.malformed >= 2, 2000, "malformed frames to be counted");
  raw2.destroy();
  t.same(await a.tr.request(b.tr.address, { op: "double", n: 5 }), { doubled: 10 }, "other connections are unaffected");
});

t.test("a filter drops frames like a partition, and healing restores delivery", async (t) => {
  const a = await endpoint(t);
  const b = await endpoint(t);
  b.tr.setFilter((dir, peer) => !(dir === "in" && peer === a.tr.address));
  a.tr.send(b.tr.address, "lost");
  await t.rejects(a.tr.request(b.tr.address, { op: "double", n: 1 }, { timeoutMs: 200 }), { name: "TimeoutError" });
  t.same(b.inbox, []);
  b.tr.setFilter(undefined);
  a.tr.send(b.tr.address, "healed");
  await waitFor(() => b.inbox.length === 1, 2000, "delivery after healing");
  t.same(b.inbox[0]![1], "healed");
});

t.test("close fails pending requests and stops reconnecting", async (t) => {
  const a = await endpoint(t);
  const pending = a.tr.request("127.0.0.1:1", { op: "double" }, { timeoutMs: 5000 });
  await a.tr.close();
  await t.rejects(pending, { name: "ClosedError" });
  t.equal(a.tr.send("127.0.0.1:1", "x"), false);
});
