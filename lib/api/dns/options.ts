/**
 * Options of the DNS server, their defaults and their validation.
 *
 * @module
 */
import { isIP } from "node:net";
import { InvalidConfigError } from "../../util/errors.js";
import type { Logger } from "../../util/logger.js";
import type { Rng } from "../../util/rng.js";
import type { Timers } from "../../util/timers.js";
import {
  LABEL_BYTES_MAX, NAME_BYTES_MAX, REMOTE_ANSWER_FRESH_MS, REMOTE_CACHE_MS_MAX, REMOTE_TIMEOUT_MS, REMOTE_TIMEOUT_MS_MAX,
  TTL_SECONDS_MAX, UDP_ANSWER_LIMIT_MAX,
} from "./limits.js";

/** Options of {@link startDnsServer}. */
export interface DnsServerOptions {
  /** IP address to listen on (UDP and TCP), e.g. "127.0.0.1" or "::1". */
  host: string;
  /** Port for both UDP and TCP; 0 picks a free ephemeral port (the same one for both). */
  port: number;
  /**
   * The domain served; names under it are answered, others REFUSED.
   * Case-insensitive; a trailing dot is optional.
   * @defaultValue "disco."
   */
  domain?: string;
  /**
   * TTL of every record and the SOA negative-caching TTL, in seconds. Consul's
   * default of 0 means resolvers ask again each time, so an instance that turns
   * critical leaves answers at once; raise it to trade freshness for load.
   * @defaultValue 0
   */
  ttlSeconds?: number;
  /**
   * Most A/AAAA/SRV records in one UDP service answer (Consul's
   * `udp_answer_limit`). Records are shuffled first, so clients still spread
   * over all instances. TCP answers carry every instance that fits in 64 KiB.
   * @defaultValue 3
   */
  udpAnswerLimit?: number;
  /**
   * Longest wait, in ms, for another datacenter (a `NAME.service.DC` name or a
   * prepared query's failover) before answering SERVFAIL.
   * @defaultValue 2000 (REMOTE_TIMEOUT_MS)
   */
  remoteTimeoutMs?: number;
  /**
   * How long, in ms, an answer fetched from another datacenter is reused as
   * fresh; it is then served for up to 10× as long while a refresh runs in
   * the background. 0 fetches on every query.
   * @defaultValue 3000 (REMOTE_ANSWER_FRESH_MS)
   */
  remoteCacheMs?: number;
  /** Where to log; nothing is printed without one. */
  logger?: Logger;
  /** Randomness for answer order. @defaultValue randomRng() */
  rng?: Rng;
  /** Clock and timeouts of remote lookups (ManualTimers in tests). @defaultValue realTimers() */
  timers?: Timers;
}

/** Options after defaults and validation. */
export interface ResolvedDnsServerOptions {
  host: string;
  port: number;
  /** Lower-case, with the trailing dot. */
  domain: string;
  /** The domain's labels, lower-case, without the root. */
  domainLabels: string[];
  ttlSeconds: number;
  udpAnswerLimit: number;
  remoteTimeoutMs: number;
  remoteCacheMs: number;
  logger: Logger | undefined;
  rng: Rng | undefined;
  timers: Timers | undefined;
}

/** The default domain, `disco.` (Consul's is `consul.`). */
export const DEFAULT_DOMAIN = "disco.";
/** Consul's default record TTL. */
export const DEFAULT_TTL_SECONDS = 0;
/** Consul's default `udp_answer_limit`. */
export const DEFAULT_UDP_ANSWER_LIMIT = 3;

const LABEL = /^[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?$/;

function intIn(value: unknown, field: string, min: number, max: number): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    throw new InvalidConfigError(field, `must be an integer from ${min} to ${max}`);
  }
  return value;
}

function parseDomain(value: unknown): { domain: string; labels: string[] } {
  if (typeof value !== "string") throw new InvalidConfigError("domain", "must be a string such as \"disco.\"");
  const lower = value.toLowerCase().replace(/\.$/, "");
  const labels = lower.split(".");
  if (lower.length === 0 || lower.length + 2 > NAME_BYTES_MAX) {
    throw new InvalidConfigError("domain", `must be a non-root name of at most ${NAME_BYTES_MAX - 2} characters`);
  }
  for (const l of labels) {
    if (l.length > LABEL_BYTES_MAX || !LABEL.test(l)) {
      throw new InvalidConfigError("domain", `label "${l}" must be 1-${LABEL_BYTES_MAX} letters, digits, '-' or '_'`);
    }
  }
  return { domain: `${lower}.`, labels };
}

/**
 * Applies defaults and validates every option.
 * @throws InvalidConfigError naming the bad field.
 */
export function resolveDnsServerOptions(options: DnsServerOptions): ResolvedDnsServerOptions {
  if (typeof options !== "object" || options === null) throw new InvalidConfigError("options", "must be an object");
  if (typeof options.host !== "string" || isIP(options.host) === 0) {
    throw new InvalidConfigError("host", "must be an IP address such as \"127.0.0.1\"");
  }
  const port = intIn(options.port, "port", 0, 65535);
  const { domain, labels } = parseDomain(options.domain ?? DEFAULT_DOMAIN);
  const ttlSeconds = intIn(options.ttlSeconds ?? DEFAULT_TTL_SECONDS, "ttlSeconds", 0, TTL_SECONDS_MAX);
  const udpAnswerLimit = intIn(options.udpAnswerLimit ?? DEFAULT_UDP_ANSWER_LIMIT, "udpAnswerLimit", 1, UDP_ANSWER_LIMIT_MAX);
  if (options.logger !== undefined && (typeof options.logger !== "object" || typeof options.logger.warn !== "function")) {
    throw new InvalidConfigError("logger", "must be a pino-shaped logger");
  }
  if (options.rng !== undefined && (typeof options.rng !== "object" || typeof options.rng.int !== "function")) {
    throw new InvalidConfigError("rng", "must be an Rng");
  }
  const remoteTimeoutMs = intIn(options.remoteTimeoutMs ?? REMOTE_TIMEOUT_MS, "remoteTimeoutMs", 1, REMOTE_TIMEOUT_MS_MAX);
  const remoteCacheMs = intIn(options.remoteCacheMs ?? REMOTE_ANSWER_FRESH_MS, "remoteCacheMs", 0, REMOTE_CACHE_MS_MAX);
  const t = options.timers;
  if (t !== undefined && (typeof t !== "object" || t === null || typeof t.after !== "function" || typeof t.nowMs !== "function")) {
    throw new InvalidConfigError("timers", "must be a Timers");
  }
  return {
    host: options.host, port, domain, domainLabels: labels, ttlSeconds, udpAnswerLimit, remoteTimeoutMs, remoteCacheMs,
    logger: options.logger, rng: options.rng, timers: t,
  };
}
