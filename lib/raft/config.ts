/**
 * Options of the Raft core, their defaults and validation.
 *
 * @module
 */
import { InvalidConfigError } from "../util/errors.js";
import type { Logger } from "../util/logger.js";
import { silentLogger } from "../util/logger.js";
import type { Rng } from "../util/rng.js";

/** Longest node id in characters; ids travel in every message. */
export const NODE_ID_LENGTH_MAX = 256;

/** Most voters in a configuration; Raft clusters are 3 to 7 servers, and every voter costs the leader a stream. */
export const VOTERS_MAX = 64;

/** Upper bound of `electionTicks`; beyond it a misconfigured tick interval is the likelier explanation. */
export const ELECTION_TICKS_MAX = 10_000;

/** Upper bound of `inflightMessagesMax`: the window is a ring buffer allocated per follower. */
export const INFLIGHT_MESSAGES_MAX = 65_536;

/** Options of {@link RaftCore}. */
export interface RaftOptions {
  /** This node's id. Non-empty, at most {@link NODE_ID_LENGTH_MAX} characters. */
  id: string;
  /**
   * Voter ids of the bootstrap configuration, including `id`. Used only when neither the log nor a
   * snapshot holds a configuration. Empty for a node that joins an existing cluster: it waits for
   * the leader to send it a log or snapshot that names it.
   */
  peers: string[];
  /**
   * Ticks without hearing from a leader before a follower campaigns; the actual timeout is drawn
   * uniformly from [electionTicks, 2·electionTicks) each time (§5.2). Also the check-quorum period.
   * @defaultValue 10
   */
  electionTicks?: number;
  /** Ticks between leader heartbeats. Must be below `electionTicks`. @defaultValue 1 */
  heartbeatTicks?: number;
  /** Randomness for election timeouts; the simulator gives each node a fork of one seed. */
  rng: Rng;
  /**
   * Run a pre-vote round before incrementing the term, so a node that was partitioned away cannot
   * depose a healthy leader when it returns (thesis §9.6).
   * @defaultValue true
   */
  preVote?: boolean;
  /**
   * A leader steps down if it has not heard from a quorum within `electionTicks`, and voters ignore
   * vote requests while they hear from a leader (thesis §6.2, §4.2.3).
   * @defaultValue true
   */
  checkQuorum?: boolean;
  /** Most AppendEntries in flight to one follower in the replicate state (flow control). @defaultValue 256 */
  inflightMessagesMax?: number;
  /** Soft cap on entry payload bytes per AppendEntries; one entry is always sent. @defaultValue 1 MiB */
  messageBytesMax?: number;
  /**
   * Ticks a follower may stay in the snapshot state with no answer before the leader assumes the
   * snapshot was lost and probes again. @defaultValue 4 × electionTicks
   */
  snapshotTimeoutTicks?: number;
  /** Where the core logs role changes. @defaultValue silentLogger */
  logger?: Logger;
}

/** {@link RaftOptions} with every default filled in. */
export interface RaftConfig {
  id: string;
  peers: string[];
  electionTicks: number;
  heartbeatTicks: number;
  rng: Rng;
  preVote: boolean;
  checkQuorum: boolean;
  inflightMessagesMax: number;
  messageBytesMax: number;
  snapshotTimeoutTicks: number;
  logger: Logger;
}

/** Default options. Ticks are abstract; the driver decides how long a tick is (100 ms recommended). */
export const RAFT_DEFAULTS = Object.freeze({
  electionTicks: 10,
  heartbeatTicks: 1,
  preVote: true,
  checkQuorum: true,
  inflightMessagesMax: 256,
  messageBytesMax: 1024 * 1024,
});

function intIn(value: unknown, field: string, min: number, max: number): number {
  if (typeof value !== "number" || !Number.isInteger(value)) {
    throw new InvalidConfigError(field, `must be an integer, got ${String(value)}`);
  }
  if (value < min || value > max) throw new InvalidConfigError(field, `must be in [${min}, ${max}], got ${value}`);
  return value;
}

function bool(value: unknown, field: string, dflt: boolean): boolean {
  if (value === undefined) return dflt;
  if (typeof value !== "boolean") throw new InvalidConfigError(field, "must be a boolean");
  return value;
}

/** Checks a node id; throws InvalidConfigError naming `field`. */
export function validateNodeId(value: unknown, field: string): string {
  if (typeof value !== "string" || value.length === 0 || value.length > NODE_ID_LENGTH_MAX) {
    throw new InvalidConfigError(field, `must be a non-empty string of at most ${NODE_ID_LENGTH_MAX} characters`);
  }
  return value;
}

/** Merges defaults into `options` and validates every field, throwing {@link InvalidConfigError} naming it. */
export function resolveRaftConfig(options: RaftOptions): RaftConfig {
  if (options === null || typeof options !== "object") throw new InvalidConfigError("options", "must be an object");
  const id = validateNodeId(options.id, "id");
  if (!Array.isArray(options.peers)) throw new InvalidConfigError("peers", "must be an array of node ids");
  if (options.peers.length > VOTERS_MAX) throw new InvalidConfigError("peers", `at most ${VOTERS_MAX} voters`);
  const peers = options.peers.map((p, i) => validateNodeId(p, `peers[${i}]`));
  if (new Set(peers).size !== peers.length) throw new InvalidConfigError("peers", "must not repeat an id");
  if (peers.length > 0 && !peers.includes(id)) {
    throw new InvalidConfigError("peers", "must include id (or be empty for a joining node)");
  }
  const electionTicks = intIn(options.electionTicks ?? RAFT_DEFAULTS.electionTicks, "electionTicks", 2, ELECTION_TICKS_MAX);
  const heartbeatTicks = intIn(options.heartbeatTicks ?? RAFT_DEFAULTS.heartbeatTicks, "heartbeatTicks", 1, ELECTION_TICKS_MAX);
  if (heartbeatTicks >= electionTicks) {
    throw new InvalidConfigError("heartbeatTicks", `must be below electionTicks (${electionTicks})`);
  }
  const rng = options.rng;
  if (!rng || typeof rng.int !== "function") throw new InvalidConfigError("rng", "must be an Rng");
  return {
    id,
    peers: [...peers].sort(),
    electionTicks,
    heartbeatTicks,
    rng,
    preVote: bool(options.preVote, "preVote", RAFT_DEFAULTS.preVote),
    checkQuorum: bool(options.checkQuorum, "checkQuorum", RAFT_DEFAULTS.checkQuorum),
    inflightMessagesMax: intIn(
      options.inflightMessagesMax ?? RAFT_DEFAULTS.inflightMessagesMax,
      "inflightMessagesMax",
      1,
      INFLIGHT_MESSAGES_MAX,
    ),
    messageBytesMax: intIn(options.messageBytesMax ?? RAFT_DEFAULTS.messageBytesMax, "messageBytesMax", 0, 2 ** 31),
    snapshotTimeoutTicks: intIn(
      options.snapshotTimeoutTicks ?? 4 * electionTicks,
      "snapshotTimeoutTicks",
      1,
      100 * ELECTION_TICKS_MAX,
    ),
    logger: options.logger ?? silentLogger,
  };
}
