import t from "tap";
import fc from "fast-check";
import { decodeQuery, isResponse, opcodeOf } from "../../../lib/api/dns/wire.js";
import { buildQuery } from "./helpers.js";
import { bad, expected, header, question } from "./bad-queries.js";

t.test("dns wire: a plain query decodes with its question bytes, labels, type and class", async (t) => {
  const q = decodeQuery(buildQuery("web.service.disco", 33, { id: 0xbeef }));
  t.equal(q.id, 0xbeef);
  t.same(q.labels, ["web", "service", "disco"]);
  t.equal(q.qtype, 33);
  t.equal(q.qclass, 1);
  t.equal(q.flags & 0x0100, 0x0100, "RD kept");
  t.equal(q.edns, undefined);
  t.same([...q.question], [...buildQuery("web.service.disco", 33).subarray(12)], "question bytes echoed verbatim");
});

t.test("dns wire: the OPT record gives the EDNS payload size, version and DO bit (RFC 6891 §6.1.3)", async (t) => {
  const msg = buildQuery("a.disco", 1, { edns: 4096 });
  msg.writeUInt16BE(0x8000, msg.length - 4); // DO bit in the TTL's low half
  const q = decodeQuery(msg);
  t.same(q.edns, { payloadBytes: 4096, version: 0, dnssecOk: true });
});

t.test("dns wire: an additional record may use a backward compression pointer to the question", async (t) => {
  const rr = Buffer.from([0xc0, 12, 0, 16, 0, 1, 0, 0, 0, 0, 0, 1, 0]); // TXT owner → question name
  const q = decodeQuery(Buffer.concat([header(1, 0, 0, 1), question, rr]));
  t.same(q.labels, ["web", "service", "disco"]);
});

t.test("dns wire: header helpers read QR and the opcode", async (t) => {
  const msg = buildQuery("a.disco", 1);
  t.equal(isResponse(msg), false);
  t.equal(opcodeOf(msg), 0);
  msg[2] = 0x80 | (5 << 3);
  t.equal(isResponse(msg), true);
  t.equal(opcodeOf(msg), 5);
});

t.test("dns wire: every malformed query is a MalformedPacketError naming the problem", async (t) => {
  let rejected = 0;
  for (const [why, bytes] of bad) {
    const key = Object.keys(expected).find((k) => why.startsWith(k))!;
    t.throws(() => decodeQuery(bytes), { name: "MalformedPacketError", code: "MALFORMED_PACKET", message: expected[key] }, why);
    rejected++;
  }
  t.equal(rejected, bad.length, `all ${bad.length} bad queries rejected`);
});

/** A query whose second additional record's owner goes through `hops` pointers stored in the first one's RDATA. */
function pointerChain(hops: number): Buffer {
  const rdataStart = 12 + question.length + 11;
  const rdata = Buffer.alloc(hops * 2);
  for (let i = 0; i < hops; i++) {
    const target = i === 0 ? 12 : rdataStart + (i - 1) * 2;
    rdata.writeUInt16BE(0xc000 | target, i * 2);
  }
  const first = Buffer.concat([Buffer.from([0, 0, 16, 0, 1, 0, 0, 0, 0]), Buffer.from([0, rdata.length]), rdata]);
  const owner = rdataStart + (hops - 1) * 2;
  const second = Buffer.from([0xc0 | (owner >> 8), owner & 0xff, 0, 16, 0, 1, 0, 0, 0, 0, 0, 0]);
  return Buffer.concat([header(1, 0, 0, 2), question, first, second]);
}

t.test("dns wire: pointer chains are followed up to the hop cap, and refused beyond it (RFC 9267 §2)", async (t) => {
  t.same(decodeQuery(pointerChain(5)).labels, ["web", "service", "disco"], "6 hops: accepted");
  t.throws(() => decodeQuery(pointerChain(20)), { name: "MalformedPacketError", message: /too many compression pointers/ });
});

t.test("dns wire: any byte string decodes or fails with MalformedPacketError, never another error", async (t) => {
  const valid = buildQuery("_web._tcp.service.dc1.disco", 33, { edns: 1232 });
  t.doesNotThrow(() => fc.assert(
    fc.property(
      fc.oneof(
        fc.uint8Array({ maxLength: 600 }),
        // Mutations of a valid query reach deeper into the decoder than random bytes.
        fc.tuple(fc.nat(valid.length - 1), fc.integer({ min: 0, max: 255 }), fc.nat(valid.length)).map(([i, v, cut]) => {
          const b = Buffer.from(valid);
          b[i] = v;
          return b.subarray(0, Math.max(cut, 12));
        }),
      ),
      (bytes) => {
        try {
          decodeQuery(Buffer.from(bytes));
        } catch (err) {
          if ((err as Error).name !== "MalformedPacketError") throw err;
        }
      },
    ),
    { numRuns: 3000, seed: 42 },
  ), "3000 inputs, no unexpected exception");
});
