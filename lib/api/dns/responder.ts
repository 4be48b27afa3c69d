/**
 * Turns queries into response bytes, with the answer cache. No sockets: the
 * UDP and TCP drivers hand it messages and send what it returns.
 *
 * The UDP hot path: a datagram's bytes after the ID are the cache key (the
 * answer depends on nothing else but the transport), so a repeated query
 * costs a map lookup and a layout, with no parsing. Behind it, a cache keyed
 * by the decoded question serves TCP and datagrams that differ only in bytes
 * the answer does not depend on. Both empty whenever the source's index moves.
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
  /** UDP datagram bytes after the ID → answer: the hot path, no decoding. */
  private readonly exact = new BoundedCache();
  /** Decoded query facts → answer: both transports, and UDP datagrams the exact cache has not seen. */
  private readonly canonical = new BoundedCache();
  private readonly scratch = new Scratch();
  private index = Number.NaN;

  constructor(
    private readonly source: DnsSource,
    private readonly options: Pick<ResolvedDnsServerOptions, "domainLabels" | "ttlSeconds" | "udpAnswerLimit">,
    private readonly rng: Rng,
    private readonly logger: Logger,
  ) {}

  /** Entries in the two caches (for tests and diagnostics). */
  cacheSize(): { exact: number; canonical: number } {
    return { exact: this.exact.size, canonical: this.canonical.size };
  }

  /** Empties the caches when the catalog has moved since they were filled. */
  private sync(): void {
    const index = this.source.index();
    if (index !== this.index) {
      this.exact.clear();
      this.canonical.clear();
      this.index = index;
    }
  }

  /**
   * The response to one UDP datagram, or undefined to send nothing.
   * Never throws for any input bytes: bad ones get FORMERR or nothing, and a
   * failing catalog read gives SERVFAIL. Only a throwing `source.index()`
   * escapes (the driver logs it and drops the datagram).
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
    let prepared = this.exact.get(key);
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
      prepared = this.lookup(query, "udp");
      if (prepared.plan.rcode !== RCODE.SERVFAIL) this.exact.set(key, prepared);
    }
    return this.emit(prepared, id);
  }

  /** The response to one decoded TCP query (any size up to 64 KiB, no answer limit). */
  handleTcp(query: Query): Buffer {
    this.stats.queries++;
    this.stats.tcpQueries++;
    this.sync();
    return this.emit(this.lookup(query, "tcp"), query.id);
  }

  /**
   * The prepared answer for a decoded query, from the cache keyed by what the
   * answer depends on: question bytes, RD/CD, EDNS version/DO, transport and
   * UDP budget. Other bytes (an EDNS cookie that differs per client process,
   * say) make different datagrams share an answer here.
   */
  private lookup(query: Query, transport: Transport): Prepared {
    const e = query.edns;
    const edns = e ? `${e.version}/${e.dnssecOk ? 1 : 0}/${transport === "udp" ? udpBudget(e) : 0}` : "-";
    const key = `${transport}|${query.flags & (FLAG.RD | FLAG.CD)}|${edns}|${query.question.toString("latin1")}`;
    let prepared = this.canonical.get(key);
    if (prepared) {
      this.stats.cacheHits++;
      return prepared;
    }
    prepared = this.miss(query, transport);
    if (prepared.plan.rcode !== RCODE.SERVFAIL) this.canonical.set(key, prepared);
    return prepared;
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
