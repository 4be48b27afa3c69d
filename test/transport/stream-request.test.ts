import t from "tap";
import { createServer, type AddressInfo, type Server } from "node:net";
import { TcpTransport, RemoteError } from "../../lib/transport/tcp.js";
import { encodeFrame } from "../../lib/transport/frame.js";
import { requestOnce } from "../../lib/transport/stream-request.js";
import { InvalidArgumentError } from "../../lib/util/errors.js";

async function listener(t: Tap.Test): Promise<{ tr: TcpTransport; froms: string[] }> {
  const froms: string[] = [];
  const tr = await TcpTransport.listen({
    host: "127.0.0.1", port: 0,
    onRequest: async (from, body) => {
      froms.push(from);
      if (body === "fail") throw new InvalidArgumentError("body", "no thanks");
      return { echo: body };
    },
  });
  t.teardown(() => tr.close());
  return { tr, froms };
}

/** A raw server that answers each connection with `answer` (or never, when undefined). */
async function rawServer(t: Tap.Test, answer: Buffer | undefined): Promise<number> {
  const server: Server = createServer((socket) => {
    socket.on("error", () => undefined);
    // Always reading, so the server sees the client hang up (a paused socket never would, and close() would wait).
    socket.on("data", () => answer && socket.write(answer));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  server.unref();
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return (server.address() as AddressInfo).port;
}

const port = (tr: TcpTransport): number => Number(tr.address.split(":").pop());

// Background requests (holdProcess false) and these servers are unref'd: keep the test process alive meanwhile.
const keepAlive = setInterval(() => {}, 1000);
t.teardown(() => clearInterval(keepAlive));

t.test("stream request: one request over a fresh connection is answered by a TcpTransport listener, which sees our address", async (t) => {
  const { tr, froms } = await listener(t);
  t.same(await requestOnce("127.0.0.1", port(tr), new Uint8Array([1, 2]), { from: "10.9.9.9:1", timeoutMs: 2000 }), { echo: new Uint8Array([1, 2]) });
  t.same(froms, ["10.9.9.9:1"]);
  const err = await requestOnce("127.0.0.1", port(tr), "fail", { from: "x:1", timeoutMs: 2000, holdProcess: true }).catch((e: unknown) => e);
  t.ok(err instanceof RemoteError, "the remote handler's failure comes back as a RemoteError");
  t.match(err, { code: "INVALID_ARGUMENT", message: /no thanks/ });
});

t.test("stream request: refused, silent, closing and garbling peers become typed errors within the timeout", async (t) => {
  const closed = await rawServer(t, undefined);
  const refusedPort = await new Promise<number>((resolve) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const p = (s.address() as AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
  await t.rejects(requestOnce("127.0.0.1", refusedPort, "x", { from: "a:1", timeoutMs: 2000 }), { name: "TimeoutError", message: /cannot reach/ });
  const started = Date.now();
  await t.rejects(requestOnce("127.0.0.1", closed, "x", { from: "a:1", timeoutMs: 200 }), { name: "TimeoutError", message: /timed out after 200 ms/ });
  t.ok(Date.now() - started < 1500, "no retry, no lingering");
  const garbage = await rawServer(t, encodeFrame({ k: 2, i: 99, b: "someone else's" }));
  await t.rejects(requestOnce("127.0.0.1", garbage, "x", { from: "a:1", timeoutMs: 2000 }), { name: "MalformedPacketError" });
  const oversized = Buffer.alloc(4);
  oversized.writeUInt32BE(1000, 0);
  const big = await rawServer(t, oversized);
  await t.rejects(requestOnce("127.0.0.1", big, "x", { from: "a:1", timeoutMs: 2000, frameBytesMax: 100 }), { name: "MalformedPacketError" });
  const hangUp = await new Promise<number>((resolve) => {
    const s = createServer((socket) => socket.once("data", () => socket.end()));
    s.listen(0, "127.0.0.1", () => resolve((s.address() as AddressInfo).port));
    s.unref();
    t.teardown(() => new Promise<void>((r) => s.close(() => r())));
  });
  await t.rejects(requestOnce("127.0.0.1", hangUp, "x", { from: "a:1", timeoutMs: 2000 }), { name: "TimeoutError", message: /closed the connection/ });
});

t.test("stream request: an abort closes it at once; an unencodable body or an aborted signal rejects before connecting", async (t) => {
  const silent = await rawServer(t, undefined);
  const ac = new AbortController();
  const pending = requestOnce("127.0.0.1", silent, "x", { from: "a:1", timeoutMs: 5000, signal: ac.signal });
  setTimeout(() => ac.abort(), 20);
  await t.rejects(pending, { name: "AbortedError" });
  await t.rejects(requestOnce("127.0.0.1", silent, "x", { from: "a:1", timeoutMs: 5000, signal: ac.signal }), { name: "AbortedError" });
  await t.rejects(requestOnce("127.0.0.1", silent, "y".repeat(200), { from: "a:1", timeoutMs: 5000, frameBytesMax: 50 }), { name: "MalformedPacketError" });
});
