/**
 * Malformed queries, one per rule a DNS decoder must enforce (RFC 9267,
 * RFC 1035, RFC 6891), shared by the decoder test and the socket test.
 */

export function header(qd: number, an = 0, ns = 0, ar = 0, id = 7): Buffer {
  const h = Buffer.alloc(12);
  h.writeUInt16BE(id, 0);
  h.writeUInt16BE(0x0100, 2);
  h.writeUInt16BE(qd, 4);
  h.writeUInt16BE(an, 6);
  h.writeUInt16BE(ns, 8);
  h.writeUInt16BE(ar, 10);
  return h;
}

export const question = Buffer.from([3, ...Buffer.from("web"), 7, ...Buffer.from("service"), 5, ...Buffer.from("disco"), 0, 0, 1, 0, 1]);

// Each case is a rule from RFC 9267 (or RFC 1035/6891) that a decoder must enforce.
const longLabel = Buffer.concat([Buffer.from([63]), Buffer.alloc(63, 0x61)]);
export const bad: [string, Buffer][] = [
  ["shorter than the header (RFC 1035 §4.1.1)", Buffer.from([1, 2, 3])],
  ["zero questions (RFC 9267 §5)", header(0)],
  ["two questions counted, one present (RFC 9267 §5)", Buffer.concat([header(2), question])],
  ["question count of one, no question bytes (RFC 9267 §5)", header(1)],
  ["answer records in a query", Buffer.concat([header(1, 1), question])],
  ["authority records in a query", Buffer.concat([header(1, 0, 1), question])],
  ["too many additional records", Buffer.concat([header(1, 0, 0, 9), question])],
  ["bytes beyond the counted records (RFC 9267 §5)", Buffer.concat([header(1), question, Buffer.from([0])])],
  ["question name without its terminator (RFC 9267 §4)", Buffer.concat([header(1), Buffer.from([3, 0x61, 0x62, 0x63])])],
  ["label running past the end (RFC 9267 §3)", Buffer.concat([header(1), Buffer.from([40, 0x61, 0x62])])],
  ["label length with reserved bits 01 (RFC 6891 §5)", Buffer.concat([header(1), Buffer.from([0x41, 0x61, 0]), Buffer.from([0, 1, 0, 1])])],
  ["name over 255 bytes (RFC 9267 §3)", Buffer.concat([header(1), longLabel, longLabel, longLabel, longLabel, Buffer.from([0, 0, 1, 0, 1])])],
  ["compression pointer in the question (RFC 9267 §2)", Buffer.concat([header(1), Buffer.from([0xc0, 12, 0, 1, 0, 1])])],
  ["question type and class cut short", Buffer.concat([header(1), Buffer.from([1, 0x61, 0, 0])])],
  [
    "forward compression pointer (RFC 9267 §2)",
    Buffer.concat([header(1, 0, 0, 1), question, Buffer.from([0xc0, 60, 0, 16, 0, 1, 0, 0, 0, 0, 0, 0])]),
  ],
  [
    "compression pointer into the header (RFC 9267 §2)",
    Buffer.concat([header(1, 0, 0, 1), question, Buffer.from([0xc0, 2, 0, 16, 0, 1, 0, 0, 0, 0, 0, 0])]),
  ],
  [
    "self-referencing compression pointer (RFC 9267 §2)",
    Buffer.concat([header(1, 0, 0, 1), question, Buffer.from([0xc0, 35, 0, 16, 0, 1, 0, 0, 0, 0, 0, 0])]),
  ],
  ["compression pointer cut short", Buffer.concat([header(1, 0, 0, 1), question, Buffer.from([0xc0])])],
  ["additional record header cut short", Buffer.concat([header(1, 0, 0, 1), question, Buffer.from([0, 0, 41])])],
  [
    "RDLENGTH past the end (RFC 9267 §4)",
    Buffer.concat([header(1, 0, 0, 1), question, Buffer.from([0, 0, 41, 4, 0xd0, 0, 0, 0, 0, 0, 9, 1])]),
  ],
  [
    "two OPT records (RFC 6891 §6.1.1)",
    Buffer.concat([header(1, 0, 0, 2), question, Buffer.from([0, 0, 41, 2, 0, 0, 0, 0, 0, 0, 0]), Buffer.from([0, 0, 41, 2, 0, 0, 0, 0, 0, 0, 0])]),
  ],
  [
    "OPT owned by a non-root name (RFC 6891 §6.1.2)",
    Buffer.concat([header(1, 0, 0, 1), question, Buffer.from([0xc0, 12, 0, 41, 2, 0, 0, 0, 0, 0, 0, 0])]),
  ],
  [
    "EDNS option running past its record (RFC 6891 §6.1.2)",
    Buffer.concat([header(1, 0, 0, 1), question, Buffer.from([0, 0, 41, 2, 0, 0, 0, 0, 0, 0, 4, 0, 10, 0, 8])]),
  ],
  [
    "EDNS option header cut short",
    Buffer.concat([header(1, 0, 0, 1), question, Buffer.from([0, 0, 41, 2, 0, 0, 0, 0, 0, 0, 2, 0, 10])]),
  ],
];

/** The reason each bad query must be rejected with. */
export const expected: Record<string, RegExp> = {
  "shorter than the header": /shorter than the header/,
  "zero questions": /no question/,
  "two questions counted": /2 questions/,
  "question count of one, no question bytes": /question name runs past/,
  "answer records in a query": /no answer or authority/,
  "authority records in a query": /no answer or authority/,
  "too many additional records": /additional records; at most/,
  "bytes beyond the counted records": /beyond the records/,
  "question name without its terminator": /question name runs past/,
  "label running past the end": /label runs past/,
  "label length with reserved bits 01": /reserved label type in the question/,
  "name over 255 bytes": /longer than 255/,
  "compression pointer in the question": /compression pointer or reserved label type in the question/,
  "question type and class cut short": /type and class cut short/,
  "forward compression pointer": /does not point backwards/,
  "compression pointer into the header": /pointer into the header/,
  "self-referencing compression pointer": /does not point backwards/,
  "compression pointer cut short": /pointer cut short/,
  "additional record header cut short": /record header cut short/,
  "RDLENGTH past the end": /data runs past/,
  "two OPT records": /more than one OPT/,
  "OPT owned by a non-root name": /not the root/,
  "EDNS option running past its record": /option runs past/,
  "EDNS option header cut short": /option header cut short/,
};

