/**
 * Counters of the DNS server.
 *
 * @module
 */
import { RCODE } from "./wire.js";

/** What the DNS server has done since it started. All counts are messages. */
export interface DnsStats {
  /** Messages received, over both transports (including the ones dropped). */
  queries: number;
  /** Of which over UDP. */
  udpQueries: number;
  /** Of which over TCP. */
  tcpQueries: number;
  /** Answers with records or an empty NOERROR (no data). */
  noerror: number;
  /** NXDOMAIN answers: unknown names and queries, services without passing instances, unknown datacenters. */
  nxdomain: number;
  /** REFUSED answers: names outside the domain, other classes, zone transfers. */
  refused: number;
  /** FORMERR answers to malformed queries. */
  formerr: number;
  /** NOTIMP answers to opcodes other than QUERY. */
  notimp: number;
  /** SERVFAIL answers: the catalog read failed, or another datacenter could not be reached. */
  servfail: number;
  /** BADVERS answers to EDNS versions other than 0. */
  badvers: number;
  /**
   * Messages not answered: shorter than a header, oversized, responses (QR
   * set), TCP frames that would not parse, and internal failures.
   */
  dropped: number;
  /** UDP answers sent with TC set because answer records did not fit. */
  truncated: number;
  /** Answers laid out from the cache. */
  cacheHits: number;
  /** Answers planned from the catalog. */
  cacheMisses: number;
  /** UDP sends that failed (e.g. ENOBUFS under load). */
  sendErrors: number;
  /** Answers that needed another datacenter or a prepared query's failover (served from the remote cache or waited for). */
  deferred: number;
  /** Of those, SERVFAIL because the other datacenter could not be reached in time (or too many lookups were waiting). */
  remoteFailures: number;
}

/** All-zero counters. */
export function emptyStats(): DnsStats {
  return {
    queries: 0, udpQueries: 0, tcpQueries: 0, noerror: 0, nxdomain: 0, refused: 0, formerr: 0, notimp: 0,
    servfail: 0, badvers: 0, dropped: 0, truncated: 0, cacheHits: 0, cacheMisses: 0, sendErrors: 0, deferred: 0,
    remoteFailures: 0,
  };
}

/** Counts one answer by its rcode. */
export function countRcode(stats: DnsStats, rcode: number): void {
  switch (rcode) {
    case RCODE.NOERROR:
      stats.noerror++;
      break;
    case RCODE.NXDOMAIN:
      stats.nxdomain++;
      break;
    case RCODE.REFUSED:
      stats.refused++;
      break;
    case RCODE.FORMERR:
      stats.formerr++;
      break;
    case RCODE.NOTIMP:
      stats.notimp++;
      break;
    case RCODE.SERVFAIL:
      stats.servfail++;
      break;
    case RCODE.BADVERS:
      stats.badvers++;
      break;
  }
}
