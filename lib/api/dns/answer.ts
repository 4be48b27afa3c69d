/**
 * What to answer to one question: the rcode and the encoded records, before
 * any per-response shuffling or cutting. Pure (reads the source, does no I/O).
 *
 * @module
 */
import type { HealthEntry } from "../../catalog/types.js";
import {
  QUESTION_POINTER,
  addressRecord,
  asciiLower,
  encodeName,
  questionNames,
  soaRecord,
  srvRecord,
  txtRecord,
  type QuestionNames,
} from "./encode.js";
import { ipBytes, toHex } from "./ip.js";
import { TTL_SECONDS_MAX } from "./limits.js";
import { parseLookup, type Lookup } from "./lookup.js";
import { isDeferred, type DnsDeferred, type DnsInstances, type DnsSource } from "./source.js";
import { CLASS_ANY, CLASS_IN, RCODE, TYPE } from "./wire.js";

/** One answer record and the index of its companion in {@link AnswerPlan.extras} (-1 for none). */
export interface AnswerUnit {
  rr: Buffer;
  extra: number;
}

/** An answer before it is laid out for one response. */
export interface AnswerPlan {
  rcode: number;
  /** Set for names under our domain (we are their authority). */
  authoritative: boolean;
  /** Answer records; service answers are shuffled and limited per response. */
  units: AnswerUnit[];
  /** Additional records the units point at (SRV targets' addresses), deduplicated. */
  extras: Buffer[];
  /** Authority records (the SOA of a negative answer). */
  authority: Buffer[];
  /** True for service answers: order randomised per response, count limited on UDP. */
  balanced: boolean;
  /** Instances left out because their names or addresses cannot be put in DNS. */
  skipped: number;
  /**
   * Set when the answer depends on more than the local catalog (which other
   * datacenters exist), so it must not be reused until the index moves.
   */
  volatile?: boolean;
}

/** What the planner needs besides the question. */
export interface PlanContext {
  source: DnsSource;
  /** Domain labels, lower-case, without the root. */
  domain: readonly string[];
  ttlSeconds: number;
}

/** The question, as decoded. */
export interface PlanQuestion {
  labels: readonly string[];
  qtype: number;
  qclass: number;
  /** The question section bytes (for compression offsets). */
  question: Uint8Array;
}

/**
 * SOA timers (seconds), Consul's: secondaries do not exist here, so only
 * `minimum` (the negative-caching TTL, set to the answer TTL) matters.
 */
const SOA_REFRESH_S = 3600;
const SOA_RETRY_S = 600;
const SOA_EXPIRE_S = 86_400;

/** SRV priority and weight, as Consul's: equal for all, the client picks at random (RFC 2782). */
const SRV_PRIORITY = 1;
const SRV_WEIGHT = 1;

/** Node meta keys with this prefix are served as the bare value (Consul's RFC 1035 escape hatch). */
const RFC1035_META_PREFIX = "rfc1035-";

/**
 * An answer that waits on {@link DnsDeferred.load}: the server loads (or finds
 * cached) the data, then {@link finish} plans the answer from it.
 */
export interface DeferredAnswer {
  deferred: DnsDeferred;
  /** The answer from the loaded data; undefined data means the name does not exist (NXDOMAIN). */
  finish(data: DnsInstances | undefined): AnswerPlan;
}

/** Whether {@link planAnswer} deferred the answer. */
export function isDeferredAnswer(x: AnswerPlan | DeferredAnswer): x is DeferredAnswer {
  return (x as DeferredAnswer).deferred !== undefined;
}

/** A source's TTL as one we put in a record: whole seconds within [0, TTL_SECONDS_MAX], else `fallback`. */
function clampTtl(seconds: number | undefined, fallback: number): number {
  if (typeof seconds !== "number" || !Number.isFinite(seconds)) return fallback;
  return Math.min(TTL_SECONDS_MAX, Math.max(0, Math.floor(seconds)));
}

class Planner {
  private readonly q: QuestionNames;
  /** The datacenter SRV target names carry. */
  private readonly datacenter: string;
  constructor(
    private readonly ctx: PlanContext,
    private readonly question: PlanQuestion,
    datacenter?: string,
  ) {
    this.q = questionNames(question.question);
    this.datacenter = datacenter ?? ctx.source.datacenter;
  }

  /** Passing instances from a query or another datacenter, with their TTL and datacenter; none is NXDOMAIN. */
  instances(data: DnsInstances | undefined): AnswerPlan {
    if (!data || data.entries.length === 0) return this.nxdomain();
    const ctx = { ...this.ctx, ttlSeconds: clampTtl(data.ttlSeconds, this.ctx.ttlSeconds) };
    return new Planner(ctx, this.question, data.datacenter).service(data.entries);
  }

  /** Defers to a load, the answer then planned by {@link instances}. */
  defer(deferred: DnsDeferred): DeferredAnswer {
    return { deferred, finish: (data) => this.instances(data) };
  }

  private plan(rcode: number, units: AnswerUnit[] = [], extras: Buffer[] = [], authority: Buffer[] = []): AnswerPlan {
    return { rcode, authoritative: true, units, extras, authority, balanced: false, skipped: 0 };
  }

  private soa(): Buffer {
    const { domain, ttlSeconds, source } = this.ctx;
    return soaRecord(encodeName(domain, this.q)!, ttlSeconds, {
      mname: encodeName(["ns", ...domain], this.q)!,
      rname: encodeName(["hostmaster", ...domain], this.q)!,
      serial: source.index(),
      refresh: SOA_REFRESH_S,
      retry: SOA_RETRY_S,
      expire: SOA_EXPIRE_S,
      minimum: ttlSeconds,
    });
  }

  nxdomain(): AnswerPlan {
    return this.plan(RCODE.NXDOMAIN, [], [], [this.soa()]);
  }

  /** NOERROR with the SOA when the name exists but has no record of the asked type (RFC 2308 §2.2). */
  answerOrNoData(units: AnswerUnit[], extras: Buffer[] = []): AnswerPlan {
    return units.length > 0 ? this.plan(RCODE.NOERROR, units, extras) : this.plan(RCODE.NOERROR, [], [], [this.soa()]);
  }

  wants(type: number): boolean {
    return this.question.qtype === type || this.question.qtype === TYPE.ANY;
  }

  /** A/AAAA records for the question name, one per distinct address of the wanted family. */
  addressUnits(addresses: Iterable<string>): { units: AnswerUnit[]; skipped: number } {
    const units: AnswerUnit[] = [];
    const seen = new Set<string>();
    let skipped = 0;
    for (const text of addresses) {
      const bytes = ipBytes(text);
      if (!bytes) {
        skipped++;
        continue;
      }
      if (!this.wants(bytes.length === 4 ? TYPE.A : TYPE.AAAA) || seen.has(text)) continue;
      seen.add(text);
      units.push({ rr: addressRecord(QUESTION_POINTER, this.ctx.ttlSeconds, bytes), extra: -1 });
    }
    return { units, skipped };
  }

  service(entries: HealthEntry[]): AnswerPlan {
    if (this.question.qtype === TYPE.SRV) return this.srv(entries);
    if (!this.wants(TYPE.A) && !this.wants(TYPE.AAAA)) return this.answerOrNoData([]);
    const { units, skipped } = this.addressUnits(entries.map((e) => e.service.address || e.node.address));
    return { ...this.answerOrNoData(units), balanced: true, skipped };
  }

  /** SRV target of an instance and the address record that goes with it in ADDITIONAL. */
  private target(e: HealthEntry): { name: string[]; address: Uint8Array | undefined } | undefined {
    const { domain } = this.ctx;
    const own = e.service.address;
    if (own === "" || own === e.node.address) {
      return { name: [e.node.node, "node", this.datacenter, ...domain], address: ipBytes(e.node.address) };
    }
    const bytes = ipBytes(own);
    if (bytes) return { name: [toHex(bytes), "addr", this.datacenter, ...domain], address: bytes };
    // A host name: the client resolves it itself.
    const labels = own.replace(/\.$/, "").split(".");
    return labels.every((l) => l.length > 0) ? { name: labels, address: undefined } : undefined;
  }

  private srv(entries: HealthEntry[]): AnswerPlan {
    const { ttlSeconds } = this.ctx;
    const units: AnswerUnit[] = [];
    const extras: Buffer[] = [];
    const extraOf = new Map<string, number>();
    const seen = new Set<string>();
    let skipped = 0;
    for (const e of entries) {
      const t = this.target(e);
      const wire = t && encodeName(t.name);
      if (!t || !wire || e.service.port < 0 || e.service.port > 0xffff) {
        skipped++;
        continue;
      }
      const key = asciiLower(t.name.join("\0"));
      if (seen.has(`${e.service.port}\0${key}`)) continue;
      seen.add(`${e.service.port}\0${key}`);
      let extra = extraOf.get(key) ?? -1;
      if (extra === -1 && t.address) {
        extra = extras.push(addressRecord(encodeName(t.name, this.q)!, ttlSeconds, t.address)) - 1;
        extraOf.set(key, extra);
      }
      const rr = srvRecord(QUESTION_POINTER, ttlSeconds, {
        priority: SRV_PRIORITY, weight: SRV_WEIGHT, port: e.service.port, target: wire,
      });
      units.push({ rr, extra });
    }
    return { ...this.answerOrNoData(units, extras), balanced: true, skipped };
  }

  node(node: { address: string; meta: Record<string, string> }): AnswerPlan {
    const { units, skipped } = this.addressUnits([node.address]);
    if (this.wants(TYPE.TXT)) {
      for (const key of Object.keys(node.meta).sort()) {
        const value = node.meta[key]!;
        const text = key.startsWith(RFC1035_META_PREFIX) ? value : `${key}=${value}`;
        const rr = txtRecord(QUESTION_POINTER, this.ctx.ttlSeconds, text);
        if (rr) units.push({ rr, extra: -1 });
      }
    }
    return { ...this.answerOrNoData(units), skipped };
  }

  addr(address: Uint8Array): AnswerPlan {
    const type = address.length === 4 ? TYPE.A : TYPE.AAAA;
    const units = this.wants(type) ? [{ rr: addressRecord(QUESTION_POINTER, this.ctx.ttlSeconds, address), extra: -1 }] : [];
    return this.answerOrNoData(units);
  }

  apex(): AnswerPlan {
    if (!this.wants(TYPE.SOA)) return this.answerOrNoData([]);
    return this.plan(RCODE.NOERROR, [{ rr: this.soa(), extra: -1 }]);
  }
}

function refused(): AnswerPlan {
  return { rcode: RCODE.REFUSED, authoritative: false, units: [], extras: [], authority: [], balanced: false, skipped: 0 };
}

function otherDc(lookup: Lookup, source: DnsSource): boolean {
  return "dc" in lookup && lookup.dc !== undefined && asciiLower(lookup.dc) !== asciiLower(source.datacenter);
}

/** A lookup naming another datacenter: deferred to the source's `remote`, or NXDOMAIN without one. */
function planRemote(lookup: Lookup, p: Planner, source: DnsSource): AnswerPlan | DeferredAnswer {
  let deferred: DnsDeferred | undefined;
  if (lookup.kind === "service" && source.remote) {
    deferred = source.remote({ kind: "service", dc: lookup.dc!, service: lookup.service, tag: lookup.tag });
  } else if (lookup.kind === "query" && source.remote) {
    deferred = source.remote({ kind: "query", dc: lookup.dc!, name: lookup.name });
  }
  return deferred ? p.defer(deferred) : { ...p.nxdomain(), volatile: true };
}

/**
 * Plans the answer to one question.
 * - outside the domain, a class other than IN/ANY, or a zone transfer: REFUSED;
 * - unknown names, services with no passing instance, unknown nodes and
 *   queries, unknown datacenters: NXDOMAIN with the SOA in AUTHORITY;
 * - a known name without records of the asked type: NOERROR, no answer, the SOA;
 * - services and queries of another datacenter, and a query's failover:
 *   deferred (see {@link DeferredAnswer}), when the source can look there.
 * @throws whatever the source throws (the caller answers SERVFAIL).
 */
export function planAnswer(question: PlanQuestion, ctx: PlanContext): AnswerPlan | DeferredAnswer {
  const lookup = parseLookup(question.labels, ctx.domain);
  if (lookup.kind === "outside") return refused();
  if (question.qclass !== CLASS_IN && question.qclass !== CLASS_ANY) return refused();
  if (question.qtype === TYPE.AXFR || question.qtype === TYPE.IXFR) return refused();
  const p = new Planner(ctx, question);
  // An addr name carries its own answer, whatever datacenter it names.
  if (lookup.kind !== "addr" && otherDc(lookup, ctx.source)) return planRemote(lookup, p, ctx.source);
  switch (lookup.kind) {
    case "apex":
      return p.apex();
    case "unknown":
      return p.nxdomain();
    case "service": {
      const opts = lookup.tag === undefined ? { passingOnly: true } : { tag: lookup.tag, passingOnly: true };
      const entries = ctx.source.healthService(lookup.service, opts);
      return entries.length === 0 ? p.nxdomain() : p.service(entries);
    }
    case "node": {
      const found = ctx.source.node(lookup.node);
      return found ? p.node(found.node) : p.nxdomain();
    }
    case "addr":
      return p.addr(lookup.address);
    case "query": {
      const found = ctx.source.query?.(lookup.name);
      if (!found) return p.nxdomain();
      return isDeferred(found) ? p.defer(found) : p.instances(found);
    }
  }
}
