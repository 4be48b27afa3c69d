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
 * Names of other datacenters and prepared-query failovers need I/O: their
 * answers are planned from a {@link RemoteCache} (fetched once per few
 * seconds per name), are never put in the two caches above (they do not
 * follow the local index), and when nothing usable is cached the query is
 * answered asynchronously: the handlers then return a promise.
 *
 * @module
 */
import { MalformedPacketError } from "../../util/errors.js";
import type { Logger } from "../../util/logger.js";
import type { Rng } from "../../util/rng.js";
import { realTimers, type Timers } from "../../util/timers.js";
import { isDeferredAnswer, planAnswer, type AnswerPlan, type DeferredAnswer } from "./answer.js";
import {
  CACHE_ENTRIES_MAX, HEADER_BYTES, REMOTE_ANSWER_FRESH_MS, REMOTE_TIMEOUT_MS, REMOTE_WAITERS_MAX, TCP_MESSAGE_BYTES_MAX,
  UDP_PAYLOAD_BYTES_MAX, UDP_PAYLOAD_BYTES_MIN, UDP_QUERY_BYTES_MAX,
} from "./limits.js";
import type { ResolvedDnsServerOptions } from "./options.js";
import { RemoteCache } from "./remote-cache.js";
import { headerOnly, prepare, render, Scratch, type Prepared } from "./render.js";
import type { DnsSource } from "./source.js";
import { countRcode, emptyStats, type DnsStats } from "./stats.js";
import { FLAG, RCODE, decodeQuery, isResponse, opcodeOf, type Edns, type Query } from "./wire.js";

/** The transports, which get different size budgets and answer limits. */
export type Transport = "udp" | "tcp";

/** What the responder needs of the server's options; the remote ones default to the named limits. */
export type ResponderOptions = Pick<ResolvedDnsServerOptions, "domainLabels" | "ttlSeconds" | "udpAnswerLimit">
  & Partial<Pick<ResolvedDnsServerOptions, "remoteTimeoutMs" | "remoteCacheMs">>;

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
  /** Answers of other datacenters and query failovers. */
  private readonly remote: RemoteCache;
  /** Queries waiting on a remote load now. */
  private waiting = 0;

  /** @param timers - clock and timeouts of remote lookups. @defaultValue realTimers() */
  constructor(
    private readonly source: DnsSource,
    private readonly options: ResponderOptions,
    private readonly rng: Rng,
    private readonly logger: Logger,
    timers: Timers = realTimers(),
  ) {
    this.remote = new RemoteCache(timers, {
      freshMs: options.remoteCacheMs ?? REMOTE_ANSWER_FRESH_MS, timeoutMs: options.remoteTimeoutMs ?? REMOTE_TIMEOUT_MS,
    }, logger);
  }

  /** Aborts remote lookups (their queries answer SERVFAIL) and refuses new ones. */
  close(): void {
    this.remote.close();
  }

  /** Remote answers held and loads in flight (for tests and diagnostics). */
  remoteSize(): { entries: number; loading: number } {
    return this.remote.size;
  }

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
   * The response to one UDP datagram, or undefined to send nothing; a promise
   * of it when the answer waits on another datacenter (it never rejects).
   * Never throws for any input bytes: bad ones get FORMERR or nothing, and a
   * failing catalog read gives SERVFAIL. Only a throwing `source.index()`
   * escapes (the driver logs it and drops the datagram).
   */
  handleUdp(msg: Buffer): Buffer | Promise<Buffer> | undefined {
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
      const found = this.lookup(query, "udp");
      if (found instanceof Promise) return found.then((p) => this.emit(p, id));
      prepared = found;
      if (cacheable(prepared)) this.exact.set(key, prepared);
    }
    return this.emit(prepared, id);
  }

  /**
   * The response to one decoded TCP query (any size up to 64 KiB, no answer
   * limit); a promise of it (never rejecting) when it waits on another datacenter.
   */
  handleTcp(query: Query): Buffer | Promise<Buffer> {
    this.stats.queries++;
    this.stats.tcpQueries++;
    this.sync();
    const found = this.lookup(query, "tcp");
    return found instanceof Promise ? found.then((p) => this.emit(p, query.id)) : this.emit(found, query.id);
  }

  /**
   * The prepared answer for a decoded query, from the cache keyed by what the
   * answer depends on: question bytes, RD/CD, EDNS version/DO, transport and
   * UDP budget. Other bytes (an EDNS cookie that differs per client process,
   * say) make different datagrams share an answer here.
   */
  private lookup(query: Query, transport: Transport): Prepared | Promise<Prepared> {
    const e = query.edns;
    const edns = e ? `${e.version}/${e.dnssecOk ? 1 : 0}/${transport === "udp" ? udpBudget(e) : 0}` : "-";
    const key = `${transport}|${query.flags & (FLAG.RD | FLAG.CD)}|${edns}|${query.question.toString("latin1")}`;
    const hit = this.canonical.get(key);
    if (hit) {
      this.stats.cacheHits++;
      return hit;
    }
    const prepared = this.miss(query, transport);
    if (!(prepared instanceof Promise) && cacheable(prepared)) this.canonical.set(key, prepared);
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

  private miss(query: Query, transport: Transport): Prepared | Promise<Prepared> {
    this.stats.cacheMisses++;
    let plan: AnswerPlan | DeferredAnswer;
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
    return isDeferredAnswer(plan) ? this.deferred(plan, query, transport) : this.prepare(plan, query, transport);
  }

  private prepare(plan: AnswerPlan, query: Query, transport: Transport): Prepared {
    if (plan.skipped > 0) {
      this.logger.debug({ labels: query.labels, skipped: plan.skipped }, "dns: instances left out (name or address not expressible in DNS)");
    }
    return prepare(plan, query, transport === "udp"
      ? { sizeMax: udpBudget(query.edns), limit: this.options.udpAnswerLimit, ednsPayloadBytes: UDP_PAYLOAD_BYTES_MAX }
      : { sizeMax: TCP_MESSAGE_BYTES_MAX, limit: Number.MAX_SAFE_INTEGER, ednsPayloadBytes: UDP_PAYLOAD_BYTES_MAX });
  }

  /**
   * An answer built from remote data: at once from the remote cache when it
   * has something usable, else once the load ends (SERVFAIL when it fails,
   * times out, or too many queries already wait). Never cached by index.
   */
  private deferred(answer: DeferredAnswer, query: Query, transport: Transport): Prepared | Promise<Prepared> {
    this.stats.deferred++;
    const finish = (data: Parameters<DeferredAnswer["finish"]>[0]): Prepared => {
      let plan: AnswerPlan;
      try {
        plan = answer.finish(data);
      } catch (err) {
        this.logger.warn({ err }, "dns: planning a remote answer failed; answering SERVFAIL");
        plan = emptyPlan(RCODE.SERVFAIL);
      }
      return uncached(this.prepare(plan, query, transport));
    };
    const servfail = (): Prepared => {
      this.stats.remoteFailures++;
      return uncached(this.prepare(emptyPlan(RCODE.SERVFAIL), query, transport));
    };
    const known = this.remote.peek(answer.deferred);
    if (known === "failed") return servfail();
    if (known) return finish(known.data);
    if (this.waiting >= REMOTE_WAITERS_MAX) return servfail();
    this.waiting++;
    return this.remote.load(answer.deferred).then(finish, servfail).finally(() => this.waiting--);
  }
}

/** Marks an answer as not to be kept in the index-bound caches. */
function uncached(p: Prepared): Prepared {
  p.uncached = true;
  return p;
}

/** Whether a prepared answer may be reused until the index moves. */
function cacheable(p: Prepared): boolean {
  return p.plan.rcode !== RCODE.SERVFAIL && p.uncached !== true && p.plan.volatile !== true;
}
