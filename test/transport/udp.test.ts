import t, { type Test } from "tap";
import { createSocket } from "node:dgram";
import { UdpEndpoint, UDP_DATAGRAM_BYTES_MAX, type UdpPeer } from "../../lib/transport/udp.js";
import { waitFor } from "../agent/helpers.js";

async function endpoint(t: Test, onPacket: (from: UdpPeer, bytes: Buffer) => boolean | void, packetBytesMax?: number) {
  const errors: unknown[] = [];
  const logger = { debug: () => {}, info: () => {}, warn: () => {}, error: (o: object | string) => void errors.push(o) };
  const ep = await UdpEndpoint.bind({ host: "127.0.0.1", port: 0, onPacket, logger, ...(packetBytesMax ? { packetBytesMax } : {}) });
  t.teardown(() => ep.close());
  return { ep, errors };
}

t.test("udp: datagrams arrive whole with the sender's address, and are counted both ways", async (t) => {
  const got: Array<[UdpPeer, string]> = [];
  const a = await endpoint(t, () => {});
  const b = await endpoint(t, (from, bytes) => void got.push([from, bytes.toString()]));
  t.ok(b.ep.port > 0, "port 0 picked a real port");
  t.equal(b.ep.host, "127.0.0.1");
  t.ok(a.ep.send({ address: "127.0.0.1", port: b.ep.port }, Buffer.from("one")));
  t.ok(a.ep.send({ address: "127.0.0.1", port: b.ep.port }, Buffer.from("two")));
  await waitFor(() => got.length === 2, 3000, "two datagrams");
  t.same(got.map(([, s]) => s).sort(), ["one", "two"]);
  t.same(got[0]![0], { address: "127.0.0.1", port: a.ep.port }, "from is the sending socket");
  t.match(a.ep.stats, { packetsOut: 2, bytesOut: 6, dropped: 0 });
  t.match(b.ep.stats, { packetsIn: 2, bytesIn: 6, malformed: 0 });
});

t.test("udp: oversized and empty datagrams are dropped on send and counted malformed on receipt", async (t) => {
  const got: Buffer[] = [];
  const small = await endpoint(t, (_f, bytes) => void got.push(bytes), 100);
  t.equal(small.ep.send({ address: "127.0.0.1", port: small.ep.port }, Buffer.alloc(101)), false);
  t.equal(small.ep.send({ address: "127.0.0.1", port: small.ep.port }, Buffer.alloc(0)), false);
  t.equal(small.ep.stats.dropped, 2);
  const raw = createSocket("udp4");
  t.teardown(() => raw.close());
  raw.send(Buffer.alloc(500), small.ep.port, "127.0.0.1");
  raw.send(Buffer.from("ok"), small.ep.port, "127.0.0.1");
  await waitFor(() => small.ep.stats.packetsIn === 2, 3000, "both datagrams");
  t.equal(small.ep.stats.malformed, 1, "the 500-byte datagram is over the 100-byte limit");
  t.same(got.map(String), ["ok"]);
  t.equal(UDP_DATAGRAM_BYTES_MAX, 65_507);
});

t.test("udp: a handler returning false or throwing is counted, never thrown into the host", async (t) => {
  let calls = 0;
  const b = await endpoint(t, (_f, bytes) => {
    calls++;
    if (bytes[0] === 1) return false;
    if (bytes[0] === 2) throw new Error("handler bug");
    return true;
  });
  const a = await endpoint(t, () => {});
  for (const first of [1, 2, 3]) a.ep.send({ address: "127.0.0.1", port: b.ep.port }, Uint8Array.of(first));
  await waitFor(() => calls === 3, 3000, "three packets handled");
  t.equal(b.ep.stats.malformed, 2);
  t.equal(b.errors.length, 1, "the throw was logged");
});

t.test("udp: sending to a bad port is counted, not thrown; close is idempotent and stops everything", async (t) => {
  const a = await endpoint(t, () => {});
  t.equal(a.ep.send({ address: "127.0.0.1", port: 70_000 }, Buffer.from("x")), false);
  t.ok(a.ep.stats.dropped >= 1);
  t.ok(a.ep.stats.errors >= 1);
  await a.ep.close();
  await a.ep.close();
  t.equal(a.ep.send({ address: "127.0.0.1", port: 9 }, Buffer.from("x")), false, "send after close is dropped");
});

t.test("udp: binding a taken port rejects and leaves nothing open; IPv6 hosts get an IPv6 socket", async (t) => {
  const a = await endpoint(t, () => {});
  await t.rejects(UdpEndpoint.bind({ host: "127.0.0.1", port: a.ep.port, onPacket: () => {} }), { code: "EADDRINUSE" });
  let v6: UdpEndpoint | undefined;
  try {
    v6 = await UdpEndpoint.bind({ host: "::1", port: 0, onPacket: () => {} });
  } catch {
    t.comment("no IPv6 loopback here; skipped");
  }
  if (v6) {
    t.equal(v6.host, "::1");
    await v6.close();
  }
});
