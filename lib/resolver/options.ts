/**
 * Resolver options: the public shape, the defaults and their reasons, and
 * validation that names the offending field.
 *
 * @module
 */
import { InvalidArgumentError } from "../util/errors.js";
import { parseDuration, type Duration } from "../util/duration.js";
import {
  CHOICE_COUNT_MAX,
  CHOICE_COUNT_MIN,
  MAGLEV_TABLE_SIZE_LIMIT,
  PERCENT_MAX,
  RING_SIZE_LIMIT,
} from "./limits.js";
import { OUTLIER_DEFAULTS, type OutlierOptions } from "./outlier.js";

/** The load-balancing policies a resolver offers. */
export type PolicyName = "round-robin" | "random" | "weighted" | "least-request" | "peak-ewma" | "ring-hash" | "maglev";

/** Every policy name, in documentation order. */
export const POLICY_NAMES: readonly PolicyName[] = Object.freeze([
  "round-robin",
  "random",
  "weighted",
  "least-request",
  "peak-ewma",
  "ring-hash",
  "maglev",
]);

/** Outlier-ejection settings as a caller may give them: durations may be Consul strings ("30s"). */
export type OutlierInput = {
  [K in keyof OutlierOptions]?: K extends `${string}Ms` ? Duration : OutlierOptions[K];
};

/** What `discover(name, options)` accepts. Every field is optional. */
export interface ResolverOptions {
  /** Only instances carrying this tag. The feed applies it. */
  tag?: string;
  /**
   * Only instances whose checks all pass; `false` also admits `warning` ones.
   * The feed applies it. @defaultValue true
   */
  passingOnly?: boolean;
  /** Datacenter to discover in. @defaultValue the agent's own */
  dc?: string;
  /**
   * How `pick()` chooses. `least-request` needs only in-flight counts and beats
   * round-robin under uneven load (Envoy, gRFC A48). @defaultValue "least-request"
   */
  policy?: PolicyName;
  /**
   * Outlier ejection: instances that keep failing are left out for a while.
   * `false` turns it off. @defaultValue on, with {@link OUTLIER_DEFAULTS}
   */
  outlier?: OutlierInput | false;
  /**
   * Candidates sampled per pick by `least-request` (power of d choices).
   * Clamped to [2, 10] as gRFC A48 does. @defaultValue 2
   */
  choiceCount?: number;
  /**
   * Time constant of `peak-ewma`'s latency average: a latency's weight falls
   * to 1/e after this long. Longer remembers slowness longer. @defaultValue 10000 (Finagle's 10 s)
   */
  decayMs?: Duration;
  /** Fewest entries on the `ring-hash` ring; more entries spread keys more evenly. @defaultValue 1024 (gRFC A42) */
  ringSizeMin?: number;
  /** Most entries on the `ring-hash` ring; bounds memory and build time. @defaultValue 4096 (gRFC A42) */
  ringSizeMax?: number;
  /**
   * Entries in the `maglev` lookup table; must be prime (the permutation
   * needs it) and should be well above 100 × the instance count. @defaultValue 65537 (Envoy)
   */
  maglevTableSize?: number;
  /**
   * When fewer than this percentage of instances are usable (not ejected, not
   * critical), pick among all of them rather than overload the few (Envoy's
   * panic threshold). With none usable the resolver always picks among all. @defaultValue 50 (Envoy)
   */
  panicThresholdPercent?: number;
}

/** {@link ResolverOptions} with every default applied and every value checked. */
export interface ResolvedResolverOptions {
  readonly tag: string | undefined;
  readonly passingOnly: boolean;
  readonly dc: string | undefined;
  readonly policy: PolicyName;
  readonly outlier: Readonly<OutlierOptions> | false;
  readonly choiceCount: number;
  readonly decayMs: number;
  readonly ringSizeMin: number;
  readonly ringSizeMax: number;
  readonly maglevTableSize: number;
  readonly panicThresholdPercent: number;
}

/** The defaults, with the anchor each comes from in the option's TSDoc. */
export const RESOLVER_DEFAULTS: Readonly<Omit<ResolvedResolverOptions, "tag" | "dc">> = Object.freeze({
  passingOnly: true,
  policy: "least-request",
  outlier: OUTLIER_DEFAULTS,
  choiceCount: 2,
  decayMs: 10_000,
  ringSizeMin: 1024,
  ringSizeMax: 4096,
  maglevTableSize: 65537,
  panicThresholdPercent: 50,
});

const KNOWN_KEYS: ReadonlySet<string> = new Set<keyof ResolverOptions>([
  "tag", "passingOnly", "dc", "policy", "outlier", "choiceCount", "decayMs",
  "ringSizeMin", "ringSizeMax", "maglevTableSize", "panicThresholdPercent",
]);

const OUTLIER_KEYS: ReadonlySet<string> = new Set<keyof OutlierOptions>([
  "consecutiveFailures", "baseEjectionMs", "maxEjectionMs", "maxEjectionPercent", "intervalMs",
]);

/**
 * Merges `input` over the defaults and checks every value.
 * @param input - a {@link ResolverOptions} object, or undefined for all defaults.
 * @returns a frozen, complete set of options.
 * @throws InvalidArgumentError naming the field (e.g. `"policy"`, `"outlier.maxEjectionPercent"`)
 *   for unknown keys, wrong types and out-of-range values.
 */
export function resolveResolverOptions(input: unknown): ResolvedResolverOptions {
  if (input === undefined) input = {};
  const o = asRecord(input, "options");
  for (const key of Object.keys(o)) {
    if (!KNOWN_KEYS.has(key)) throw new InvalidArgumentError(key, `unknown resolver option (known: ${[...KNOWN_KEYS].join(", ")})`);
  }
  const d = RESOLVER_DEFAULTS;
  const ringSizeMin = optionalInt(o.ringSizeMin, "ringSizeMin", 1, RING_SIZE_LIMIT) ?? d.ringSizeMin;
  const ringSizeMax = optionalInt(o.ringSizeMax, "ringSizeMax", 1, RING_SIZE_LIMIT) ?? Math.max(d.ringSizeMax, ringSizeMin);
  if (ringSizeMin > ringSizeMax) {
    throw new InvalidArgumentError("ringSizeMin", `must not exceed ringSizeMax (${ringSizeMin} > ${ringSizeMax})`);
  }
  const maglevTableSize = optionalInt(o.maglevTableSize, "maglevTableSize", 2, MAGLEV_TABLE_SIZE_LIMIT) ?? d.maglevTableSize;
  if (!isPrime(maglevTableSize)) throw new InvalidArgumentError("maglevTableSize", `must be prime, got ${maglevTableSize}`);
  const choiceCount = optionalNumber(o.choiceCount, "choiceCount");
  const decayMs = o.decayMs === undefined ? d.decayMs : parseDuration(o.decayMs, "decayMs");
  if (decayMs <= 0) throw new InvalidArgumentError("decayMs", "must be > 0");
  return Object.freeze({
    tag: optionalString(o.tag, "tag"),
    passingOnly: optionalBoolean(o.passingOnly, "passingOnly") ?? d.passingOnly,
    dc: optionalString(o.dc, "dc"),
    policy: resolvePolicy(o.policy),
    outlier: resolveOutlier(o.outlier),
    choiceCount: choiceCount === undefined ? d.choiceCount : clampChoiceCount(choiceCount),
    decayMs,
    ringSizeMin,
    ringSizeMax,
    maglevTableSize,
    panicThresholdPercent: optionalNumberIn(o.panicThresholdPercent, "panicThresholdPercent", 0, PERCENT_MAX) ?? d.panicThresholdPercent,
  });
}

function resolvePolicy(value: unknown): PolicyName {
  if (value === undefined) return RESOLVER_DEFAULTS.policy;
  if (typeof value !== "string" || !(POLICY_NAMES as readonly string[]).includes(value)) {
    throw new InvalidArgumentError("policy", `must be one of ${POLICY_NAMES.join(", ")}; got ${describe(value)}`);
  }
  return value as PolicyName;
}

function resolveOutlier(value: unknown): Readonly<OutlierOptions> | false {
  if (value === false) return false;
  if (value === undefined) return OUTLIER_DEFAULTS;
  const o = asRecord(value, "outlier");
  for (const key of Object.keys(o)) {
    if (!OUTLIER_KEYS.has(key)) throw new InvalidArgumentError(`outlier.${key}`, "unknown outlier option");
  }
  const d = OUTLIER_DEFAULTS;
  const duration = (v: unknown, field: keyof OutlierOptions, fallback: number): number =>
    v === undefined ? fallback : parseDuration(v, `outlier.${field}`);
  const baseEjectionMs = duration(o.baseEjectionMs, "baseEjectionMs", d.baseEjectionMs);
  const intervalMs = duration(o.intervalMs, "intervalMs", d.intervalMs);
  if (intervalMs <= 0) throw new InvalidArgumentError("outlier.intervalMs", "must be > 0");
  return Object.freeze({
    consecutiveFailures:
      optionalInt(o.consecutiveFailures, "outlier.consecutiveFailures", 1, Number.MAX_SAFE_INTEGER) ?? d.consecutiveFailures,
    baseEjectionMs,
    // As gRFC A50: the cap never undercuts the base time.
    maxEjectionMs: Math.max(baseEjectionMs, duration(o.maxEjectionMs, "maxEjectionMs", d.maxEjectionMs)),
    maxEjectionPercent:
      optionalNumberIn(o.maxEjectionPercent, "outlier.maxEjectionPercent", 0, PERCENT_MAX) ?? d.maxEjectionPercent,
    intervalMs,
  });
}

function clampChoiceCount(value: number): number {
  if (!Number.isInteger(value)) throw new InvalidArgumentError("choiceCount", `must be an integer, got ${value}`);
  return Math.min(CHOICE_COUNT_MAX, Math.max(CHOICE_COUNT_MIN, value));
}

function asRecord(value: unknown, field: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new InvalidArgumentError(field, `must be an object, got ${describe(value)}`);
  }
  return value as Record<string, unknown>;
}

function optionalString(value: unknown, field: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "string" || value.length === 0) {
    throw new InvalidArgumentError(field, `must be a non-empty string, got ${describe(value)}`);
  }
  return value;
}

function optionalBoolean(value: unknown, field: string): boolean | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "boolean") throw new InvalidArgumentError(field, `must be a boolean, got ${describe(value)}`);
  return value;
}

function optionalNumber(value: unknown, field: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "number" || !Number.isFinite(value)) {
    throw new InvalidArgumentError(field, `must be a finite number, got ${describe(value)}`);
  }
  return value;
}

function optionalNumberIn(value: unknown, field: string, min: number, max: number): number | undefined {
  const n = optionalNumber(value, field);
  if (n !== undefined && (n < min || n > max)) throw new InvalidArgumentError(field, `must be in [${min}, ${max}], got ${n}`);
  return n;
}

function optionalInt(value: unknown, field: string, min: number, max: number): number | undefined {
  const n = optionalNumberIn(value, field, min, max);
  if (n !== undefined && !Number.isInteger(n)) throw new InvalidArgumentError(field, `must be an integer, got ${n}`);
  return n;
}

function isPrime(n: number): boolean {
  if (n < 2) return false;
  if (n % 2 === 0) return n === 2;
  for (let d = 3; d * d <= n; d += 2) if (n % d === 0) return false;
  return true;
}

function describe(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (value === null || typeof value !== "object") return String(value);
  return Array.isArray(value) ? "an array" : "an object";
}
