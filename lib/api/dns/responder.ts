/**
 * Turns queries into response bytes, with the answer cache. No sockets: the
 * UDP and TCP drivers hand it messages and send what it returns.
 *
 * The UDP hot path: a datagram's bytes after the ID are the cache key (the
 * answer depends on nothing else but the transport), so a repeated query
 * costs a map lookup and a layout, with no parsing. The cache empties
 * whenever the source's index moves.
 *
 * @module
 */
import { MalformedPacketError } from "../../util/errors.js";
import type { Logger } from "../../util/logger.js";
import type { Rng } from "../../util/rng.js";
import { planAnswer, type AnswerPlan } from "./answer.js";
import { CACHE_ENTRIES_MAX, HEADER_BYTES, TCP_MESSAGE_BYTES_MAX, UDP_PAYLOAD_BYTES_MAX, UDP_PAYLOAD_BYTES_MIN, UDP_QUERY_BYTES_MAX } from "./limits.js";
import type { ResolvedDnsServerOptions } from "./options.js";
import { headerOnly, prepare, render, Scratch, type Prepared } from "./render.js";
import type { DnsSource } from "./source.js";
import { countRcode, emptyStats, type DnsStats } from "./stats.js";
import { FLAG, RCODE, decodeQuery, isResponse, opcodeOf, type Edns, type Query } from "./wire.js";

/** The transports, which get different size budgets and answer limits. */
export type Transport = "udp" | "tcp";

/** A bounded map that forgets its oldest entry when full. */
class BoundedCache {
  private readonly map = new Map<string, Prepared>();
  get(key: string): Prepared | undefined {
    return this.map.get(key);
  }
  set(key: string, value: Prepared): void {
    if (this.map.size >= CACHE_ENTRIES_MAX) this.map.delete(this.map.keys().next().value!);
    this.map.set(key, value);
  }
  clear(): void {
    this.map.clear();
  }
  get size(): number {
    return this.map.size;
  }
}

function emptyPlan(rcode: number): AnswerPlan {
  return { rcode, authoritative: false, units: [], extras: [], authority: [], balanced: false, skipped: 0 };
}

/** The UDP size budget for a client: 512 without EDNS, else its size within [512, our maximum]. */
function udpBudget(edns: Edns | undefined): number {
  if (!edns) return UDP_PAYLOAD_BYTES_MIN;
  return Math.min(UDP_PAYLOAD_BYTES_MAX, Math.max(UDP_PAYLOAD_BYTES_MIN, edns.payloadBytes));
}

/** Answers DNS messages for one server. */
export class DnsResponder {
  /** Live counters (read through the server's `stats()`, which copies them). */
  readonly stats: DnsStats = emptyStats();
  private readonly udpCache = new BoundedCache();
  private readonly tcpCache = new BoundedCache();
  private readonly scratch = new Scratch();
  private index = Number.NaN;

  constructor(
    private readonly source: DnsSource,
    private readonly options: Pick<ResolvedDnsServerOptions, "domainLabels" | "ttlSeconds" | "udpAnswerLimit">,
    private readonly rng: Rng,
    private readonly logger: Logger,
  ) {}

  /** Entries cached per transport (for tests and diagnostics). */
  cacheSize(): { udp: number; tcp: number } {
    return { udp: this.udpCache.size, tcp: this.tcpCache.size };
  }

  /** Empties the caches when the catalog has moved since they were filled. */
  private sync(): void {
    const index = this.source.index();
    if (index !== this.index) {
      this.udpCache.clear();
      this.tcpCache.clear();
      this.index = index;
    }
  }

  /**
   * The response to one UDP datagram, or undefined to send nothing.
   * Never throws for any input bytes; a failing source gives SERVFAIL.
   */
  handleUdp(msg: Buffer): Buffer | undefined {
    const stats = this.stats;
    stats.queries++;
    stats.udpQueries++;
    // Too short to hold an ID, too long to be a query, or a response (answering those invites loops).
    if (msg.length < HEADER_BYTES || msg.length > UDP_QUERY_BYTES_MAX || isResponse(msg)) {
      stats.dropped++;
      return undefined;
    }
    const id = msg.readUInt16BE(0);
    if (opcodeOf(msg) !== 0) return this.headerOnly(id, msg.readUInt16BE(2), RCODE.NOTIMP);
    this.sync();
    const key = msg.toString("latin1", 2);
    let prepared = this.udpCache.get(key);
    if (prepared) {
      stats.cacheHits++;
    } else {
      let query: Query;
      try {
        query = decodeQuery(msg);
      } catch (err) {
        if (!(err instanceof MalformedPacketError)) throw err;
        this.logger.debug({ err: err.message }, "dns: malformed UDP query");
        return this.headerOnly(id, msg.readUInt16BE(2), RCODE.FORMERR);
      }
      prepared = this.miss(query, "udp");
      if (prepared.plan.rcode !== RCODE.SERVFAIL) this.udpCache.set(key, prepared);
    }
    return this.emit(prepared, id);
  }

  /** The response to one decoded TCP query (any size up to 64 KiB, no answer limit). */
  handleTcp(query: Query): Buffer {
    this.stats.queries++;
    this.stats.tcpQueries++;
    this.sync();
    const e = query.edns;
    const key = `${query.question.toString("latin1")}|${query.flags & (FLAG.RD | FLAG.CD)}|${e ? `${e.version}/${e.dnssecOk ? 1 : 0}` : "-"}`;
    let prepared = this.tcpCache.get(key);
    if (prepared) {
      this.stats.cacheHits++;
    } else {
      prepared = this.miss(query, "tcp");
      if (prepared.plan.rcode !== RCODE.SERVFAIL) this.tcpCache.set(key, prepared);
    }
    return this.emit(prepared, query.id);
  }

  /** Counts and returns a header-only FORMERR/NOTIMP response. */
  headerOnly(id: number, requestFlags: number, rcode: number): Buffer {
    countRcode(this.stats, rcode);
    return headerOnly(id, requestFlags, rcode);
  }

  private emit(prepared: Prepared, id: number): Buffer {
    countRcode(this.stats, prepared.plan.rcode);
    const { bytes, truncated } = render(prepared, id, this.rng, this.scratch);
    if (truncated) this.stats.truncated++;
    return bytes;
  }

  private miss(query: Query, transport: Transport): Prepared {
    this.stats.cacheMisses++;
    let plan: AnswerPlan;
    if (query.edns && query.edns.version !== 0) {
      plan = emptyPlan(RCODE.BADVERS); // RFC 6891 §6.1.3
    } else {
      try {
        plan = planAnswer(query, { source: this.source, domain: this.options.domainLabels, ttlSeconds: this.options.ttlSeconds });
      } catch (err) {
        this.logger.warn({ err }, "dns: catalog read failed; answering SERVFAIL");
        plan = emptyPlan(RCODE.SERVFAIL);
      }
    }
    if (plan.skipped > 0) {
      this.logger.debug({ labels: query.labels, skipped: plan.skipped }, "dns: instances left out (name or address not expressible in DNS)");
    }
    return prepare(plan, query, transport === "udp"
      ? { sizeMax: udpBudget(query.edns), limit: this.options.udpAnswerLimit, ednsPayloadBytes: UDP_PAYLOAD_BYTES_MAX }
      : { sizeMax: TCP_MESSAGE_BYTES_MAX, limit: Number.MAX_SAFE_INTEGER, ednsPayloadBytes: UDP_PAYLOAD_BYTES_MAX });
  }
}
