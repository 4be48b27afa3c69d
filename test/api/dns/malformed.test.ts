import t, { type Test } from "tap";
import { connect } from "node:net";
import fc from "fast-check";
import { startDnsServer } from "../../../lib/api/dns/server.js";
import { SeededRng } from "../../../lib/util/rng.js";
import { bad } from "./bad-queries.js";
import { FakeSource } from "./fake-source.js";
import { buildQuery, exchange } from "./helpers.js";

async function server(t: Test) {
  const source = new FakeSource().addNode("n1", "10.0.0.1").add({ node: "n1", id: "w", service: "web", port: 80 });
  const dns = await startDnsServer(source, { host: "127.0.0.1", port: 0, rng: new SeededRng(3) });
  t.teardown(() => dns.close());
  return dns;
}

t.test("dns server: raw malformed datagrams get FORMERR (same ID, header only) or are dropped; never a crash", async (t) => {
  const dns = await server(t);
  const port = dns.address.udpPort;
  let formerr = 0;
  let dropped = 0;
  for (const [why, bytes] of bad) {
    const reply = await exchange(port, bytes);
    if (!reply) {
      dropped++;
      t.ok(bytes.length < 12, `${why}: dropped only when there is no header to answer`);
      continue;
    }
    formerr++;
    t.equal(reply.length, 12, `${why}: header-only reply`);
    t.equal(reply.readUInt16BE(0), bytes.readUInt16BE(0), `${why}: same ID`);
    t.equal(reply[3]! & 0x0f, 1, `${why}: FORMERR`);
  }
  const ok = await exchange(port, buildQuery("web.service.disco", 1), 2000);
  t.ok(ok, "still answering valid queries");
  t.equal(ok![3]! & 0x0f, 0);
  const s = dns.stats();
  t.equal(s.formerr, formerr);
  t.equal(s.dropped, dropped);
  t.equal(s.queries, bad.length + 1);
});

t.test("dns server: random and mutated datagrams never stop the server (fast-check, 300 runs)", async (t) => {
  const dns = await server(t);
  const port = dns.address.udpPort;
  const valid = buildQuery("_web._tcp.service.disco", 33, { edns: 1232 });
  const samples = fc.sample(
    fc.oneof(
      fc.uint8Array({ minLength: 0, maxLength: 300 }),
      fc.tuple(fc.nat(valid.length - 1), fc.integer({ min: 0, max: 255 })).map(([i, v]) => {
        const b = Buffer.from(valid);
        b[i] = v;
        return b;
      }),
    ),
    { numRuns: 300, seed: 11 },
  );
  // Fire them all without waiting: a flood of garbage must be absorbed too.
  const { createSocket } = await import("node:dgram");
  const sock = createSocket("udp4");
  await new Promise<void>((resolve) => sock.bind(0, "127.0.0.1", resolve));
  await Promise.all(samples.map((s) => new Promise((resolve) => sock.send(Buffer.from(s), port, "127.0.0.1", resolve))));
  sock.close();
  // The kernel may drop part of a burst (and a query sent right behind it), as it would for any UDP server: retry, bounded.
  let ok: Buffer | undefined;
  for (let i = 0; i < 5 && !ok; i++) ok = await exchange(port, buildQuery("web.service.disco", 1), 500);
  t.ok(ok, "a valid query is answered after the flood");
  t.equal(ok![3]! & 0x0f, 0, "NOERROR");
  const st = dns.stats();
  t.ok(st.queries >= 100, `datagrams reached the server (${st.queries})`);
  t.equal(st.servfail, 0, "no internal failure");
});

/** Whole length-prefixed frames at the start of `data`. */
function frames(data: Buffer): number {
  let n = 0;
  for (let at = 0; at + 2 <= data.length && at + 2 + data.readUInt16BE(at) <= data.length; at += 2 + data.readUInt16BE(at)) n++;
  return n;
}

/**
 * Opens a TCP connection, writes `bytes`, and collects what comes back until
 * `replies` frames have arrived, the server closes, or `waitMs` passes.
 */
function tcpExchange(port: number, bytes: Buffer, replies = 0, waitMs = 2000): Promise<{ data: Buffer; closed: boolean }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = connect(port, "127.0.0.1", () => socket.write(bytes));
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ data: Buffer.concat(chunks), closed: false });
    }, waitMs);
    socket.on("data", (c) => {
      chunks.push(c);
      const data = Buffer.concat(chunks);
      if (replies > 0 && frames(data) >= replies) {
        clearTimeout(timer);
        socket.destroy();
        resolve({ data, closed: false });
      }
    });
    socket.on("close", () => {
      clearTimeout(timer);
      resolve({ data: Buffer.concat(chunks), closed: true });
    });
    socket.on("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

function frame(msg: Buffer): Buffer {
  const len = Buffer.alloc(2);
  len.writeUInt16BE(msg.length);
  return Buffer.concat([len, msg]);
}

t.test("dns server: over TCP, a malformed query gets FORMERR and an undecodable frame closes the connection", async (t) => {
  const dns = await server(t);
  const port = dns.address.tcpPort;
  const zero = buildQuery("web.service.disco", 1, { id: 0x5151 });
  zero.writeUInt16BE(0, 4);
  const formerr = await tcpExchange(port, frame(zero), 1);
  t.equal(formerr.data.readUInt16BE(0), 12, "length prefix of a header-only reply");
  t.equal(formerr.data.readUInt16BE(2), 0x5151);
  t.equal(formerr.data[5]! & 0x0f, 1, "FORMERR");
  const short = await tcpExchange(port, frame(Buffer.from([1, 2, 3])));
  t.ok(short.closed, "a frame shorter than a header closes the connection");
  t.equal(short.data.length, 0);
  const response = buildQuery("web.service.disco", 1);
  response[2]! |= 0x80;
  t.ok((await tcpExchange(port, frame(response))).closed, "a response sent as a query closes the connection");
  const update = buildQuery("web.service.disco", 1);
  update[2] = 5 << 3;
  const notimp = await tcpExchange(port, frame(update), 1);
  t.equal(notimp.data[5]! & 0x0f, 4, "NOTIMP for UPDATE");
  const good = await tcpExchange(port, Buffer.concat([frame(buildQuery("web.service.disco", 1, { id: 1 })), frame(buildQuery("n1.node.disco", 1, { id: 2 }))]), 2);
  t.equal(good.data.readUInt16BE(2), 1, "pipelined queries (RFC 7766 §6.2.1.1): first answer");
  const second = good.data.subarray(2 + good.data.readUInt16BE(0));
  t.equal(second.readUInt16BE(2), 2, "second answer");
  const s = dns.stats();
  t.equal(s.formerr, 1);
  t.equal(s.notimp, 1);
  t.ok(s.dropped >= 2);
  t.equal(s.tcpQueries, 6);
});

t.test("dns server: close() ends idle TCP connections at once", async (t) => {
  const dns = await server(t);
  const socket = connect(dns.address.tcpPort, "127.0.0.1");
  await new Promise<void>((resolve) => socket.once("connect", () => resolve()));
  // Resolves with whether the client read an end of stream, i.e. the server closed the connection.
  const closed = new Promise<boolean>((resolve) => socket.once("close", () => resolve(socket.readableEnded)));
  socket.on("error", () => {});
  await dns.close();
  t.equal(await closed, true, "the connection was closed by the server");
});

t.test("dns server: a fixed port already in use fails with EADDRINUSE", async (t) => {
  const dns = await server(t);
  await t.rejects(
    startDnsServer(new FakeSource(), { host: "127.0.0.1", port: dns.address.udpPort }),
    { code: "EADDRINUSE" },
  );
});
