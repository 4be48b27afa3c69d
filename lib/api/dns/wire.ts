/**
 * DNS wire constants and the query decoder. Pure: bytes in, a {@link Query}
 * or a {@link MalformedPacketError} out, never another exception.
 *
 * The decoder is strict where RFC 9267 lists the classic parser mistakes:
 * compression pointers must point backwards and past the header, and are
 * followed a bounded number of times; labels and names are length-checked
 * before they are read; every section count must match the bytes present,
 * with nothing left over.
 *
 * @module
 */
import { MalformedPacketError } from "../../util/errors.js";
import { HEADER_BYTES, NAME_BYTES_MAX, NAME_POINTER_HOPS_MAX, QUERY_ADDITIONALS_MAX } from "./limits.js";

/** Record types this server reads or writes (RFC 1035 §3.2.2, RFC 3596, RFC 2782, RFC 6891). */
export const TYPE = {
  A: 1,
  NS: 2,
  SOA: 6,
  TXT: 16,
  AAAA: 28,
  SRV: 33,
  OPT: 41,
  IXFR: 251,
  AXFR: 252,
  ANY: 255,
} as const;

/** The Internet class (RFC 1035 §3.2.4). */
export const CLASS_IN = 1;
/** QCLASS `*` (RFC 1035 §3.2.5). */
export const CLASS_ANY = 255;

/** Response codes (RFC 1035 §4.1.1; BADVERS from RFC 6891 §9, carried partly in OPT). */
export const RCODE = {
  NOERROR: 0,
  FORMERR: 1,
  SERVFAIL: 2,
  NXDOMAIN: 3,
  NOTIMP: 4,
  REFUSED: 5,
  BADVERS: 16,
} as const;

/** Header flag bits in the second 16-bit word (RFC 1035 §4.1.1, RFC 4035 §3.2). */
export const FLAG = {
  QR: 0x8000,
  AA: 0x0400,
  TC: 0x0200,
  RD: 0x0100,
  CD: 0x0010,
} as const;

/** The client's EDNS(0) OPT record, as far as an answer depends on it. */
export interface Edns {
  /** Largest UDP answer the client accepts (the OPT CLASS field). */
  payloadBytes: number;
  /** EDNS version; only 0 exists. */
  version: number;
  /** The DO bit, echoed back (RFC 3225 §3). */
  dnssecOk: boolean;
}

/** A decoded standard query. */
export interface Query {
  /** Transaction ID, copied into the answer. */
  id: number;
  /** The raw header flags word (RD and CD are echoed). */
  flags: number;
  /** Question name labels, UTF-8 decoded, case kept. */
  labels: string[];
  qtype: number;
  qclass: number;
  /** The question section's bytes (name, type, class), echoed verbatim in the answer. */
  question: Buffer;
  /** The OPT record, when the client sent one. */
  edns: Edns | undefined;
}

/** Offset of QR/opcode in the header. */
const FLAGS_OFFSET = 2;

/** Whether a datagram with a full header claims to be a response (QR set); those are never answered. */
export function isResponse(msg: Uint8Array): boolean {
  return (msg[FLAGS_OFFSET]! & 0x80) !== 0;
}

/** The opcode of a message with a full header (0 = standard query). */
export function opcodeOf(msg: Uint8Array): number {
  return (msg[FLAGS_OFFSET]! >> 3) & 0x0f;
}

function malformed(message: string): MalformedPacketError {
  return new MalformedPacketError(`dns query: ${message}`);
}

function u16(buf: Uint8Array, at: number): number {
  return (buf[at]! << 8) | buf[at + 1]!;
}

function u32(buf: Uint8Array, at: number): number {
  return ((buf[at]! << 24) >>> 0) + ((buf[at + 1]! << 16) | (buf[at + 2]! << 8) | buf[at + 3]!);
}

/**
 * Skips a possibly compressed name starting at `start`; returns the offset
 * just after it in the record being read.
 */
function skipName(buf: Uint8Array, start: number): number {
  let pos = start;
  let resume = -1;
  let hops = 0;
  let total = 1;
  for (;;) {
    if (pos >= buf.length) throw malformed("name runs past the end of the message");
    const len = buf[pos]!;
    if (len === 0) return resume === -1 ? pos + 1 : resume;
    const kind = len & 0xc0;
    if (kind === 0xc0) {
      if (pos + 1 >= buf.length) throw malformed("compression pointer cut short");
      const target = ((len & 0x3f) << 8) | buf[pos + 1]!;
      if (target < HEADER_BYTES) throw malformed("compression pointer into the header");
      if (target >= pos) throw malformed("compression pointer does not point backwards");
      if (++hops > NAME_POINTER_HOPS_MAX) throw malformed("too many compression pointers in one name");
      if (resume === -1) resume = pos + 2;
      pos = target;
      continue;
    }
    if (kind !== 0) throw malformed(`reserved label type 0x${kind.toString(16)}`);
    total += len + 1;
    if (total > NAME_BYTES_MAX) throw malformed(`name longer than ${NAME_BYTES_MAX} bytes`);
    if (pos + 1 + len > buf.length) throw malformed("label runs past the end of the message");
    pos += 1 + len;
  }
}

/** Reads the question name at HEADER_BYTES; pointers are refused (the only earlier bytes are the header). */
function readQuestionName(buf: Buffer): { labels: string[]; end: number } {
  const labels: string[] = [];
  let pos = HEADER_BYTES;
  let total = 1;
  for (;;) {
    if (pos >= buf.length) throw malformed("question name runs past the end of the message");
    const len = buf[pos]!;
    if (len === 0) return { labels, end: pos + 1 };
    if ((len & 0xc0) !== 0) throw malformed("compression pointer or reserved label type in the question");
    total += len + 1;
    if (total > NAME_BYTES_MAX) throw malformed(`question name longer than ${NAME_BYTES_MAX} bytes`);
    if (pos + 1 + len > buf.length) throw malformed("question label runs past the end of the message");
    labels.push(buf.toString("utf8", pos + 1, pos + 1 + len));
    pos += 1 + len;
  }
}

/** Checks the option list inside an OPT record's RDATA (RFC 6891 §6.1.2). */
function checkOptions(buf: Uint8Array, start: number, end: number): void {
  let pos = start;
  while (pos < end) {
    if (pos + 4 > end) throw malformed("EDNS option header cut short");
    const len = u16(buf, pos + 2);
    pos += 4 + len;
    if (pos > end) throw malformed("EDNS option runs past its record");
  }
}

/** Reads the additional section (only an OPT record is meaningful); returns the EDNS facts and the end offset. */
function readAdditionals(buf: Uint8Array, start: number, count: number): { edns: Edns | undefined; end: number } {
  let pos = start;
  let edns: Edns | undefined;
  for (let i = 0; i < count; i++) {
    const nameStart = pos;
    pos = skipName(buf, pos);
    if (pos + 10 > buf.length) throw malformed("additional record header cut short");
    const type = u16(buf, pos);
    const cls = u16(buf, pos + 2);
    const ttl = u32(buf, pos + 4);
    const rdlength = u16(buf, pos + 8);
    pos += 10;
    if (pos + rdlength > buf.length) throw malformed("additional record data runs past the end of the message");
    if (type === TYPE.OPT) {
      if (edns) throw malformed("more than one OPT record"); // RFC 6891 §6.1.1
      if (buf[nameStart] !== 0) throw malformed("OPT record owner is not the root");
      checkOptions(buf, pos, pos + rdlength);
      edns = { payloadBytes: cls, version: (ttl >>> 16) & 0xff, dnssecOk: (ttl & 0x8000) !== 0 };
    }
    pos += rdlength;
  }
  return { edns, end: pos };
}

/**
 * Decodes a standard query: exactly one question, no answer or authority
 * records, at most {@link QUERY_ADDITIONALS_MAX} additional records, and no
 * bytes beyond what the counts describe.
 * @throws MalformedPacketError naming the first problem; nothing else is thrown.
 */
export function decodeQuery(buf: Buffer): Query {
  if (buf.length < HEADER_BYTES) throw malformed(`${buf.length} bytes is shorter than the header`);
  const qdcount = u16(buf, 4);
  const ancount = u16(buf, 6);
  const nscount = u16(buf, 8);
  const arcount = u16(buf, 10);
  if (qdcount === 0) throw malformed("no question");
  if (qdcount > 1) throw malformed(`${qdcount} questions; a query has one`);
  if (ancount !== 0 || nscount !== 0) throw malformed("a query carries no answer or authority records");
  if (arcount > QUERY_ADDITIONALS_MAX) throw malformed(`${arcount} additional records; at most ${QUERY_ADDITIONALS_MAX}`);
  const { labels, end: nameEnd } = readQuestionName(buf);
  if (nameEnd + 4 > buf.length) throw malformed("question type and class cut short");
  const qtype = u16(buf, nameEnd);
  const qclass = u16(buf, nameEnd + 2);
  const questionEnd = nameEnd + 4;
  const { edns, end } = readAdditionals(buf, questionEnd, arcount);
  if (end !== buf.length) throw malformed(`${buf.length - end} bytes beyond the records the header counts`);
  return {
    id: u16(buf, 0),
    flags: u16(buf, FLAGS_OFFSET),
    labels,
    qtype,
    qclass,
    // A copy: the answer cache keeps it, and must not pin the receive buffer.
    question: Buffer.from(buf.subarray(HEADER_BYTES, questionEnd)),
    edns,
  };
}
