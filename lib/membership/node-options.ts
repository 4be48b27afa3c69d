/**
 * Options of the gossip driver ({@link GossipNode}): what they mean, their
 * defaults, and their validation. Everything is checked before a socket is
 * opened, so a bad option never leaves anything half-started.
 *
 * @module
 */
import { InvalidArgumentError, InvalidConfigError } from "../util/errors.js";
import { silentLogger, type Logger } from "../util/logger.js";
import { randomRng, type Rng } from "../util/rng.js";
import { realTimers, type Timers } from "../util/timers.js";
import { Keyring, badKey } from "../transport/keyring.js";
import { PacketCrypto } from "../transport/packet-crypto.js";
import { LAN_PROFILE, resolveMembershipConfig, type MembershipConfigOptions } from "./config.js";
import { JOIN_SEEDS_MAX } from "./limits.js";
import type { Address, MemberMeta } from "./types.js";
import { badAddress, badMeta, badName, badPort } from "./validate.js";

/** Gossip port used when an address has none: Consul's LAN Serf port. */
export const DEFAULT_GOSSIP_PORT = 8301;

/** How long a push-pull (join, anti-entropy) may take: memberlist's LAN `TCPTimeout`. */
export const PUSH_PULL_TIMEOUT_MS_DEFAULT = 10_000;

/**
 * Longest wait in `leave()` for the "left" broadcast to be retransmitted
 * enough times. It normally settles within a few gossip intervals.
 */
export const LEAVE_TIMEOUT_MS_DEFAULT = 5_000;

/** First retry-join backoff; doubles (with jitter) up to the max. */
export const RETRY_JOIN_INTERVAL_MS_DEFAULT = 1_000;

/** Longest retry-join backoff: Consul's `retry_interval`. */
export const RETRY_JOIN_INTERVAL_MS_MAX_DEFAULT = 30_000;

/** Upper bound of any duration option here: an hour is already far beyond useful. */
const DURATION_MS_MAX = 3_600_000;

/** Characters of a bare IPv6 literal (with an optional zone); a full check is left to the socket. */
const IPV6_LITERAL = /^[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*(%[\w.-]+)?$/;

/** A `host:port` string or its parts. */
export type HostPort = string | { host: string; port?: number };

/** Options of {@link GossipNode.start}. Protocol tunables come from `profile` plus any override. */
export interface GossipNodeOptions extends MembershipConfigOptions {
  /** Unique member name in the cluster (the node name). */
  name: string;
  /**
   * Where the UDP socket and the TCP listener bind; both use the same port
   * number (UDP and TCP are separate namespaces). Port 0 picks one that is
   * free for both. A string without a port uses {@link DEFAULT_GOSSIP_PORT}.
   */
  bind: HostPort;
  /**
   * Address other members reach this one at.
   * @defaultValue the bind host (a private IPv4 of this host when binding 0.0.0.0 / ::) and the bound port
   */
  advertise?: HostPort;
  /** Tags (role, dc, rpc address, …), bounded by META_BYTES_MAX. @defaultValue {} */
  meta?: MemberMeta;
  /** Members to join at start: `host:port` (default port 8301). @defaultValue none */
  join?: readonly string[];
  /**
   * Keep trying `join` in the background with exponential backoff instead of
   * failing `start()` when no seed answers (Consul's `-retry-join`).
   * @defaultValue false
   */
  retryJoin?: boolean;
  /** First retry-join backoff. @defaultValue 1000 */
  retryJoinIntervalMs?: number;
  /** Longest retry-join backoff. @defaultValue 30000 */
  retryJoinIntervalMsMax?: number;
  /** Retry-join attempts after the first; 0 retries forever (Consul's `retry_max`). @defaultValue 0 */
  retryJoinMax?: number;
  /**
   * Gossip encryption: a base64 key (16, 24 or 32 bytes, see `disco keygen`) or
   * a {@link Keyring} for rotation. Every member must hold the primary key of the others.
   * @defaultValue none (plain text)
   */
  encrypt?: string | Keyring;
  /**
   * Cluster label: members with different labels ignore each other's packets,
   * encrypted or not. Up to 255 UTF-8 bytes. @defaultValue ""
   */
  label?: string;
  /**
   * Where to keep the keyring (a JSON array of base64 keys, primary first,
   * owner-only), so keys installed at run time survive a restart, as Consul's
   * `data-dir/serf/local.keyring`. When the file exists its keys are used and
   * `encrypt` is ignored (encryption is on even without `encrypt`); when it does
   * not, it is created from `encrypt`. Cluster-wide keyring operations
   * (`installKey`, `useKey`, `removeKey`) save it; changes made directly on
   * {@link GossipNode.keyring} do not.
   * @defaultValue none (the keyring lives in memory only)
   */
  keyringFile?: string;
  /** Timeout of one push-pull exchange over TCP. @defaultValue 10000 */
  pushPullTimeoutMs?: number;
  /** Longest wait in `leave()` for the leave to spread. @defaultValue 5000 */
  leaveTimeoutMs?: number;
  /** Diagnostics; silent by default. */
  logger?: Logger;
  /** Timers and clock; real, unref'd timers by default. */
  timers?: Timers;
  /** Randomness for the protocol; seeded from the system by default. */
  rng?: Rng;
}

/** {@link GossipNodeOptions} validated, with every default filled in. */
export interface ResolvedGossipNodeOptions {
  name: string;
  bind: Address;
  /** Undefined parts are filled in from the bound socket. */
  advertise: { address: string | undefined; port: number | undefined };
  meta: MemberMeta;
  join: Address[];
  retryJoin: boolean;
  retryJoinIntervalMs: number;
  retryJoinIntervalMsMax: number;
  retryJoinMax: number;
  crypto: PacketCrypto;
  keyringFile: string | undefined;
  pushPullTimeoutMs: number;
  leaveTimeoutMs: number;
  logger: Logger;
  timers: Timers;
  rng: Rng;
  /** Profile and overrides for the core, with the packet budget net of label and encryption. */
  coreConfig: MembershipConfigOptions;
}

/**
 * Splits `host:port`, `[v6]:port`, a bare host or a bare IPv6 literal; the
 * port is undefined when the text has none.
 * @throws InvalidArgumentError naming `field`.
 */
export function splitHostPort(value: HostPort, field: string): { address: string; port: number | undefined } {
  let address: string | undefined;
  let port: number | undefined;
  if (typeof value === "object" && value !== null) {
    address = value.host;
    port = value.port;
  } else if (typeof value === "string") {
    const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(value);
    const plain = /^([^:]+)(?::(\d+))?$/.exec(value);
    const m = bracketed ?? plain;
    if (m) {
      address = m[1];
      port = m[2] === undefined ? undefined : Number(m[2]);
    } else if (IPV6_LITERAL.test(value)) {
      address = value;
    }
  }
  if (address === undefined) throw new InvalidArgumentError(field, `must be "host:port" or { host, port }, got ${JSON.stringify(value)}`);
  const reason = badAddress(address) ?? (port === undefined ? undefined : badPort(port));
  if (reason) throw new InvalidArgumentError(field, reason);
  return { address, port };
}

/**
 * Parses an address as {@link splitHostPort}, with `defaultPort` when it has none.
 * @throws InvalidArgumentError naming `field`.
 */
export function parseHostPort(value: HostPort, defaultPort: number, field: string): Address {
  const { address, port } = splitHostPort(value, field);
  return { address, port: port ?? defaultPort };
}

/** Formats an address for the TCP transport: `host:port`, `[v6]:port`. */
export function formatHostPort(a: Address): string {
  return a.address.includes(":") ? `[${a.address}]:${a.port}` : `${a.address}:${a.port}`;
}

/** Runs a parse, turning its InvalidArgumentError into the InvalidConfigError an option deserves. */
function asConfig<T>(parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    if (err instanceof InvalidArgumentError) throw new InvalidConfigError(err.field, err.message.replace(/^invalid [^:]+: /, ""), { cause: err });
    throw err;
  }
}

function duration(value: unknown, field: string, fallback: number, min = 1): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > DURATION_MS_MAX) {
    throw new InvalidConfigError(field, `must be an integer in [${min}, ${DURATION_MS_MAX}] ms, got ${String(value)}`);
  }
  return value;
}

function keyring(encrypt: GossipNodeOptions["encrypt"]): Keyring | undefined {
  if (encrypt === undefined || encrypt instanceof Keyring) return encrypt;
  const reason = badKey(encrypt);
  if (reason) throw new InvalidConfigError("encrypt", reason);
  return new Keyring([encrypt]);
}

/** The membership tunables in `o`, without the driver's own options. */
function coreOverrides(o: GossipNodeOptions): MembershipConfigOptions {
  const out: Record<string, unknown> = {};
  for (const key of [...Object.keys(LAN_PROFILE), "profile"]) {
    const v = (o as unknown as Record<string, unknown>)[key];
    if (v !== undefined) out[key] = v;
  }
  return out as MembershipConfigOptions;
}

/**
 * Validates options and fills in defaults.
 * @throws InvalidConfigError naming the field; nothing has been opened.
 */
export function resolveGossipNodeOptions(o: GossipNodeOptions): ResolvedGossipNodeOptions {
  if (typeof o !== "object" || o === null) throw new InvalidConfigError("options", "must be an object");
  const nameReason = badName(o.name);
  if (nameReason) throw new InvalidConfigError("name", nameReason);
  if (o.bind === undefined) throw new InvalidConfigError("bind", "is required (port 0 picks a free port)");
  const bind = asConfig(() => parseHostPort(o.bind, DEFAULT_GOSSIP_PORT, "bind"));
  const advertise = o.advertise === undefined
    ? { address: undefined, port: undefined }
    : asConfig(() => splitHostPort(o.advertise!, "advertise"));
  const meta = o.meta ?? {};
  const metaReason = badMeta(meta);
  if (metaReason) throw new InvalidConfigError("meta", metaReason);
  const joinList = o.join ?? [];
  if (!Array.isArray(joinList) || joinList.length > JOIN_SEEDS_MAX) {
    throw new InvalidConfigError("join", `must be an array of at most ${JOIN_SEEDS_MAX} addresses`);
  }
  const join = joinList.map((s, i) => asConfig(() => parseHostPort(s, DEFAULT_GOSSIP_PORT, `join[${i}]`)));
  if (o.retryJoin !== undefined && typeof o.retryJoin !== "boolean") throw new InvalidConfigError("retryJoin", "must be a boolean");
  const retryJoinIntervalMs = duration(o.retryJoinIntervalMs, "retryJoinIntervalMs", RETRY_JOIN_INTERVAL_MS_DEFAULT);
  const retryJoinIntervalMsMax = duration(o.retryJoinIntervalMsMax, "retryJoinIntervalMsMax", Math.max(retryJoinIntervalMs, RETRY_JOIN_INTERVAL_MS_MAX_DEFAULT));
  if (retryJoinIntervalMsMax < retryJoinIntervalMs) {
    throw new InvalidConfigError("retryJoinIntervalMsMax", `must be >= retryJoinIntervalMs (${retryJoinIntervalMs})`);
  }
  const retryJoinMax = o.retryJoinMax ?? 0;
  if (!Number.isSafeInteger(retryJoinMax) || retryJoinMax < 0) throw new InvalidConfigError("retryJoinMax", "must be a non-negative integer");
  const crypto = new PacketCrypto({ keyring: keyring(o.encrypt), label: o.label });
  const base = resolveMembershipConfig(coreOverrides(o));
  // The configured budget is for the whole datagram; label and encryption come out of it.
  const coreBudget = base.packetBytesMax - crypto.overheadBytes;
  const coreConfig = { ...coreOverrides(o), packetBytesMax: coreBudget };
  try {
    resolveMembershipConfig(coreConfig);
  } catch {
    throw new InvalidConfigError("packetBytesMax", `leaves ${coreBudget} bytes for messages after ${crypto.overheadBytes} bytes of label and encryption; raise it`);
  }
  if (o.keyringFile !== undefined && (typeof o.keyringFile !== "string" || o.keyringFile.length === 0)) {
    throw new InvalidConfigError("keyringFile", "must be a non-empty file path");
  }
  if (o.timers !== undefined && typeof o.timers?.after !== "function") throw new InvalidConfigError("timers", "must implement Timers");
  if (o.rng !== undefined && typeof o.rng?.int !== "function") throw new InvalidConfigError("rng", "must implement Rng");
  const logger = o.logger ?? silentLogger;
  return {
    name: o.name,
    bind,
    advertise,
    meta,
    join,
    retryJoin: o.retryJoin ?? false,
    retryJoinIntervalMs,
    retryJoinIntervalMsMax,
    retryJoinMax,
    crypto,
    keyringFile: o.keyringFile,
    pushPullTimeoutMs: duration(o.pushPullTimeoutMs, "pushPullTimeoutMs", PUSH_PULL_TIMEOUT_MS_DEFAULT),
    leaveTimeoutMs: duration(o.leaveTimeoutMs, "leaveTimeoutMs", LEAVE_TIMEOUT_MS_DEFAULT, 0),
    logger,
    timers: o.timers ?? realTimers((err) => logger.error({ err, component: "gossip" }, "timer callback threw")),
    rng: o.rng ?? randomRng(),
    coreConfig,
  };
}
