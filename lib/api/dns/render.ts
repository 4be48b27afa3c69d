/**
 * Lays out one response from a prepared answer: picks and orders the records
 * (shuffled for service answers, at most `limit` of them), fits them into the
 * size budget, sets TC when answer records had to be left out, and patches in
 * the transaction ID. Pure apart from the injected Rng; no record is
 * re-encoded, so a cache hit costs a few small copies.
 *
 * @module
 */
import type { Rng } from "../../util/rng.js";
import type { AnswerPlan } from "./answer.js";
import { optRecord } from "./encode.js";
import { HEADER_BYTES } from "./limits.js";
import { FLAG, type Query } from "./wire.js";

/** A planned answer bound to one question and transport: everything but the ID. */
export interface Prepared {
  plan: AnswerPlan;
  /** Header flags word, rcode bits included, TC excluded. */
  flags: number;
  /** The question section, echoed. */
  question: Buffer;
  /** The OPT record to append, when the client sent EDNS. */
  opt: Buffer | undefined;
  /** Message size budget in bytes. */
  sizeMax: number;
  /** Most answer records in one response (balanced answers only). */
  limit: number;
  /** Scratch marks for de-duplicating additional records within one layout. */
  marks: Uint32Array;
  /** Set for answers that must not be reused until the index moves (they come from another datacenter). */
  uncached?: boolean;
}

/** What the layout produced. */
export interface Rendered {
  bytes: Buffer;
  truncated: boolean;
}

/** Binds a plan to a query: header flags, OPT, size budget and answer limit. */
export function prepare(
  plan: AnswerPlan, query: Pick<Query, "flags" | "question" | "edns">,
  budget: { sizeMax: number; limit: number; ednsPayloadBytes: number },
): Prepared {
  const rcode = plan.rcode & 0x0f;
  let flags = FLAG.QR | (query.flags & (FLAG.RD | FLAG.CD)) | rcode;
  if (plan.authoritative) flags |= FLAG.AA;
  const opt = query.edns ? optRecord(budget.ednsPayloadBytes, plan.rcode >> 4, query.edns.dnssecOk) : undefined;
  return {
    plan, flags, question: query.question, opt, sizeMax: budget.sizeMax, limit: budget.limit,
    marks: new Uint32Array(plan.extras.length),
  };
}

/** A header-only error response (FORMERR, NOTIMP) to a message whose question is not echoed. */
export function headerOnly(id: number, requestFlags: number, rcode: number): Buffer {
  const out = Buffer.alloc(HEADER_BYTES);
  out.writeUInt16BE(id, 0);
  // Keep the opcode and RD so the client can match it; nothing else is meaningful.
  out.writeUInt16BE(FLAG.QR | (requestFlags & (0x7800 | FLAG.RD)) | (rcode & 0x0f), 2);
  return out;
}

/**
 * Reusable index permutation for sampling without allocation. Layouts run to
 * completion synchronously, so one instance serves a whole server.
 */
export class Scratch {
  private order = new Int32Array(0);
  private swaps = new Int32Array(0);
  private stamp = 0;

  /**
   * Chooses `k` of `n` indices, in the first `k` slots of the returned array
   * (which may be longer): a uniform random sample in random order when
   * `shuffle`, else 0..k-1.
   */
  pick(n: number, k: number, shuffle: boolean, rng: Rng): Int32Array {
    if (this.order.length < n) {
      this.order = Int32Array.from({ length: n }, (_, i) => i);
      this.swaps = new Int32Array(n);
    }
    const order = this.order;
    if (shuffle) {
      // Partial Fisher-Yates: O(k), then `restore` undoes it so `order` stays the identity.
      for (let i = 0; i < k; i++) {
        const j = i + rng.int(n - i);
        this.swaps[i] = j;
        const t = order[i]!;
        order[i] = order[j]!;
        order[j] = t;
      }
    }
    return order;
  }

  /** Undoes the swaps of the last shuffled `pick` of `k`. */
  restore(k: number): void {
    const order = this.order;
    for (let i = k - 1; i >= 0; i--) {
      const j = this.swaps[i]!;
      const t = order[i]!;
      order[i] = order[j]!;
      order[j] = t;
    }
  }

  /** A fresh non-zero mark value for de-duplication arrays. */
  nextStamp(): number {
    this.stamp = (this.stamp + 1) >>> 0 || 1;
    return this.stamp;
  }
}

/** Lays out one response with transaction ID `id`. */
export function render(p: Prepared, id: number, rng: Rng, scratch: Scratch): Rendered {
  const { plan } = p;
  const n = plan.units.length;
  const k = plan.balanced ? Math.min(n, p.limit) : n;
  const order = scratch.pick(n, k, plan.balanced && n > 1, rng);
  let size = HEADER_BYTES + p.question.length + (p.opt?.length ?? 0);
  for (const rr of plan.authority) size += rr.length;
  let answers = 0;
  let truncated = false;
  for (; answers < k; answers++) {
    const len = plan.units[order[answers]!]!.rr.length;
    if (size + len > p.sizeMax) {
      truncated = true;
      break;
    }
    size += len;
  }
  // Additional records are optional (RFC 2181 §9): include those that fit, never set TC for them.
  const extras: Buffer[] = [];
  if (plan.extras.length > 0) {
    const stamp = scratch.nextStamp();
    for (let i = 0; i < answers; i++) {
      const e = plan.units[order[i]!]!.extra;
      if (e < 0 || p.marks[e] === stamp) continue;
      p.marks[e] = stamp;
      const rr = plan.extras[e]!;
      if (size + rr.length <= p.sizeMax) {
        extras.push(rr);
        size += rr.length;
      }
    }
  }
  // Every byte is written below and the total is checked, so no uninitialised byte can leave (RFC 9267 §6).
  const out = Buffer.allocUnsafe(size);
  out.writeUInt16BE(id, 0);
  out.writeUInt16BE(p.flags | (truncated ? FLAG.TC : 0), 2);
  out.writeUInt16BE(1, 4);
  out.writeUInt16BE(answers, 6);
  out.writeUInt16BE(plan.authority.length, 8);
  out.writeUInt16BE(extras.length + (p.opt ? 1 : 0), 10);
  let at = HEADER_BYTES;
  out.set(p.question, at);
  at += p.question.length;
  for (let i = 0; i < answers; i++) {
    const rr = plan.units[order[i]!]!.rr;
    out.set(rr, at);
    at += rr.length;
  }
  if (plan.balanced && n > 1) scratch.restore(k);
  for (const rr of plan.authority) {
    out.set(rr, at);
    at += rr.length;
  }
  for (const rr of extras) {
    out.set(rr, at);
    at += rr.length;
  }
  if (p.opt) {
    out.set(p.opt, at);
    at += p.opt.length;
  }
  if (at !== size) throw new Error(`dns render: wrote ${at} of ${size} bytes`);
  return { bytes: out, truncated };
}
