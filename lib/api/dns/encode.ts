/**
 * Resource-record encoders. Pure.
 *
 * Every record is encoded on its own, and its names are compressed only
 * against the question, which always sits at offset 12 of an answer. So a
 * record's bytes are valid wherever it lands in the message, and a cached
 * answer can be re-ordered and cut per response by concatenating records,
 * without re-encoding anything.
 *
 * @module
 */
import { HEADER_BYTES, LABEL_BYTES_MAX, NAME_BYTES_MAX, TXT_STRING_BYTES_MAX } from "./limits.js";
import { CLASS_IN, TYPE } from "./wire.js";

/**
 * Lower-cases ASCII letters only: DNS names compare case-insensitively in
 * ASCII and byte-exactly elsewhere (RFC 4343 §3).
 */
export function asciiLower(text: string): string {
  return text.replace(/[A-Z]+/g, (m) => m.toLowerCase());
}

/** The question's labels (ASCII lower-cased) and where each one starts in an answer. */
export interface QuestionNames {
  /** Labels of the question name, ASCII lower-cased. */
  lower: string[];
  /** Offset in the answer message of each label's length byte (for compression pointers). */
  offsets: number[];
}

/** Indexes the question section bytes (an uncompressed name, then type and class). */
export function questionNames(question: Uint8Array): QuestionNames {
  const lower: string[] = [];
  const offsets: number[] = [];
  let pos = 0;
  while (pos < question.length && question[pos] !== 0) {
    const len = question[pos]!;
    offsets.push(HEADER_BYTES + pos);
    lower.push(asciiLower(Buffer.from(question.subarray(pos + 1, pos + 1 + len)).toString("utf8")));
    pos += 1 + len;
  }
  return { lower, offsets };
}

/**
 * Wire form of a name given as labels, ending in a pointer to the longest
 * matching suffix of the question when `q` is given (RFC 1035 §4.1.4).
 * Returns undefined when a label is empty or over 63 bytes, or the name over 255.
 */
export function encodeName(labels: readonly string[], q?: QuestionNames): Buffer | undefined {
  let shared = 0;
  if (q) {
    while (
      shared < labels.length &&
      shared < q.lower.length &&
      asciiLower(labels[labels.length - 1 - shared]!) === q.lower[q.lower.length - 1 - shared]
    ) {
      shared++;
    }
  }
  const own = labels.length - shared;
  const parts: Buffer[] = [];
  let total = 1;
  for (let i = 0; i < labels.length; i++) {
    const bytes = Buffer.from(labels[i]!, "utf8");
    if (bytes.length === 0 || bytes.length > LABEL_BYTES_MAX) return undefined;
    total += bytes.length + 1;
    if (i < own) parts.push(Buffer.from([bytes.length]), bytes);
  }
  if (total > NAME_BYTES_MAX) return undefined;
  if (shared > 0) {
    const at = q!.offsets[q!.lower.length - shared]!;
    parts.push(Buffer.from([0xc0 | (at >> 8), at & 0xff]));
  } else {
    parts.push(Buffer.from([0]));
  }
  return Buffer.concat(parts);
}

/** The two-byte pointer to the question name: the owner of every answer to it. */
export const QUESTION_POINTER: Buffer = Buffer.from([0xc0, HEADER_BYTES]);

/** A whole record: owner, type, class IN, TTL (seconds), RDATA (RFC 1035 §4.1.3). */
export function record(owner: Uint8Array, type: number, ttlSeconds: number, rdata: Uint8Array): Buffer {
  const out = Buffer.alloc(owner.length + 10 + rdata.length);
  out.set(owner, 0);
  let at = owner.length;
  at = out.writeUInt16BE(type, at);
  at = out.writeUInt16BE(CLASS_IN, at);
  at = out.writeUInt32BE(ttlSeconds >>> 0, at);
  at = out.writeUInt16BE(rdata.length, at);
  out.set(rdata, at);
  return out;
}

/** An A or AAAA record, chosen by the address length (4 or 16 bytes). */
export function addressRecord(owner: Uint8Array, ttlSeconds: number, address: Uint8Array): Buffer {
  return record(owner, address.length === 4 ? TYPE.A : TYPE.AAAA, ttlSeconds, address);
}

/**
 * An SRV record (RFC 2782). The target is written uncompressed, as RFC 2782
 * asks ("name compression is not to be used for this field").
 */
export function srvRecord(
  owner: Uint8Array, ttlSeconds: number, srv: { priority: number; weight: number; port: number; target: Uint8Array },
): Buffer {
  const rdata = Buffer.alloc(6 + srv.target.length);
  rdata.writeUInt16BE(srv.priority, 0);
  rdata.writeUInt16BE(srv.weight, 2);
  rdata.writeUInt16BE(srv.port, 4);
  rdata.set(srv.target, 6);
  return record(owner, TYPE.SRV, ttlSeconds, rdata);
}

/**
 * A TXT record holding one text, split into 255-byte character-strings
 * (RFC 1035 §3.3.14) when longer. Returns undefined when the RDATA would
 * exceed the 16-bit length.
 */
export function txtRecord(owner: Uint8Array, ttlSeconds: number, text: string): Buffer | undefined {
  const bytes = Buffer.from(text, "utf8");
  const parts: Buffer[] = [];
  for (let at = 0; at < bytes.length || parts.length === 0; at += TXT_STRING_BYTES_MAX) {
    const chunk = bytes.subarray(at, at + TXT_STRING_BYTES_MAX);
    parts.push(Buffer.from([chunk.length]), chunk);
  }
  const rdata = Buffer.concat(parts);
  if (rdata.length > 0xffff) return undefined;
  return record(owner, TYPE.TXT, ttlSeconds, rdata);
}

/** SOA timers in seconds (RFC 1035 §3.3.13). */
export interface SoaTimers {
  refresh: number;
  retry: number;
  expire: number;
  /** The negative-caching TTL (RFC 2308 §4). */
  minimum: number;
}

/** An SOA record; `mname` and `rname` are already encoded (they may be compressed). */
export function soaRecord(
  owner: Uint8Array, ttlSeconds: number, soa: { mname: Uint8Array; rname: Uint8Array; serial: number } & SoaTimers,
): Buffer {
  const rdata = Buffer.alloc(soa.mname.length + soa.rname.length + 20);
  rdata.set(soa.mname, 0);
  rdata.set(soa.rname, soa.mname.length);
  let at = soa.mname.length + soa.rname.length;
  for (const v of [soa.serial, soa.refresh, soa.retry, soa.expire, soa.minimum]) at = rdata.writeUInt32BE(v >>> 0, at);
  return record(owner, TYPE.SOA, ttlSeconds, rdata);
}

/**
 * The OPT pseudo-record of an answer (RFC 6891 §6.1.2): our UDP payload size,
 * the high bits of an extended RCODE, version 0, and the client's DO bit.
 */
export function optRecord(payloadBytes: number, extendedRcode: number, dnssecOk: boolean): Buffer {
  const out = Buffer.alloc(11);
  out[0] = 0; // root owner
  out.writeUInt16BE(TYPE.OPT, 1);
  out.writeUInt16BE(payloadBytes, 3);
  out[5] = extendedRcode;
  out[6] = 0; // version
  out.writeUInt16BE(dnssecOk ? 0x8000 : 0, 7);
  out.writeUInt16BE(0, 9);
  return out;
}
