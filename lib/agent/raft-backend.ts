/**
 * The raft-mode backend of a server agent: the catalog is the state machine
 * of a Raft group of servers. Writes on a follower are forwarded to the
 * leader over the RPC transport and retried across a leader change; reads
 * wait for ReadIndex unless they ask for `stale`.
 *
 * @module
 */
import { mkdir, open, readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Catalog } from "../catalog/catalog.js";
import { decodeCommand, encodeCommand, type CatalogCommand } from "../catalog/commands.js";
import type { ApplyResult } from "../catalog/state.js";
import { RaftNode } from "../raft/node.js";
import type { Message } from "../raft/types.js";
import {
  openFileLog, openFileSnapshotStore, openFileStableStore, MemoryLogStore, MemorySnapshotStore, MemoryStableStore,
} from "../storage/index.js";
import type { LogStore, SnapshotStore, StableStore } from "../storage/types.js";
import { TcpTransport } from "../transport/tcp.js";
import {
  ClosedError, DiscoError, NoLeaderError, NotLeaderError, StorageCorruptError, TimeoutError, throwIfAborted,
} from "../util/errors.js";
import type { Logger } from "../util/logger.js";
import type { Rng } from "../util/rng.js";
import type { TimerHandle, Timers } from "../util/timers.js";
import type { CommandBackend, Consistency } from "./backend.js";

/** How long a write or consistent read keeps retrying across leader changes before it fails. */
const LEADER_WAIT_MS_MAX = 15_000;

/** Autopilot never shrinks the voters below this many. */
const AUTOPILOT_VOTERS_MIN = 3;

/** Pause between retries while no leader is known. */
const RETRY_PAUSE_MS = 50;

/** Wire shapes on the RPC transport. */
type RpcMessage = { t: "raft"; m: Message };
/**
 * Requests a server answers: `propose` (on the leader only), `forward` (any
 * server: forwards to the leader, answers with the index), `follow` (a read
 * replica asks for applied entries after an index, or a snapshot), `readIndex`
 * (a replica asks for an index that a linearizable read must wait for).
 */
export type RpcRequest =
  | { t: "propose"; c: Uint8Array }
  | { t: "forward"; c: Uint8Array }
  | { t: "follow"; from: number; waitMs: number }
  | { t: "readIndex" }
  | { t: "removePeer"; p: string };

/** A server's answer to `propose` and `forward`: the entry's index and the state machine's result. */
export interface ProposeAnswer {
  i: number;
  r: ApplyResult;
}

/** A server's answer to `follow`: entries after the asked index, or a snapshot when they are compacted away. */
export type FollowAnswer = (
  | { e: { index: number; data: Uint8Array }[]; through: number }
  | { s: Uint8Array; through: number }
) & {
  /** The leader the server knows ("" when none), and the voters: for the client's `agent.raft` view. */
  l: string;
  v: string[];
};

/** Most log positions one `follow` answer covers. */
export const FOLLOW_ENTRIES_MAX = 1024;

/** Longest a `follow` request waits for news. */
export const FOLLOW_WAIT_MS_MAX = 30_000;

/** Options of {@link RaftBackend.open}. */
export interface RaftBackendOptions {
  datacenter: string;
  /** This server's RPC address (listen and advertise), `host:port`; port 0 picks one (then only gossip can tell peers). */
  rpc: { host: string; port: number };
  /**
   * Every voter's RPC address, this one included; or a function that
   * resolves them once enough servers are known (gossip bootstrap). Used
   * only the first time: the set is kept in the data directory, and later
   * changes come through the log.
   */
  peers: string[] | (() => Promise<string[]>);
  dataDir: string | undefined;
  timers: Timers;
  rng: Rng;
  logger: Logger;
  snapshotThreshold: number;
  /** Called with this server's RPC address as soon as it listens (before bootstrap waits for peers). */
  onListening?: (address: string) => void;
  /** Raft tick. @defaultValue 50 */
  tickMs?: number;
  /** Remove a voter not heard from for this long (ms); 0 = never. @defaultValue 0 */
  deadServerCleanupAfterMs?: number;
}

/** A {@link CommandBackend} replicated with Raft. */
export class RaftBackend implements CommandBackend {
  readonly catalog: Catalog;
  private closed = false;

  private constructor(
    catalog: Catalog,
    private readonly raftNode: RaftNode,
    private readonly transport: TcpTransport,
    private readonly stores: { log: LogStore; stable: StableStore; snapshots: SnapshotStore },
    private readonly o: RaftBackendOptions,
  ) {
    this.catalog = catalog;
  }

  /** Opens storage, starts the RPC listener and the Raft node. */
  static async open(o: RaftBackendOptions): Promise<RaftBackend> {
    const catalog = new Catalog({ datacenter: o.datacenter, timers: o.timers });
    let stores: { log: LogStore; stable: StableStore; snapshots: SnapshotStore };
    if (o.dataDir) {
      const dir = join(o.dataDir, "raft");
      await mkdir(dir, { recursive: true });
      const onWarning = (message: string): void => o.logger.warn({ component: "storage" }, message);
      stores = {
        log: await openFileLog(join(dir, "log"), { onWarning }),
        stable: await openFileStableStore(join(dir, "stable")),
        snapshots: await openFileSnapshotStore(join(dir, "snapshots"), { onWarning }),
      };
    } else {
      stores = { log: new MemoryLogStore(), stable: new MemoryStableStore(), snapshots: new MemorySnapshotStore() };
    }
    const fixedSelf = o.rpc.port === 0 ? undefined : `${o.rpc.host}:${o.rpc.port}`;
    // The transport exists before the node; messages that arrive in between are dropped (Raft retransmits).
    let node: RaftNode | undefined;
    let backend: RaftBackend | undefined;
    const transport = await TcpTransport.listen({
      host: o.rpc.host, port: o.rpc.port, advertise: fixedSelf, logger: o.logger,
      onMessage: (from, body) => {
        const msg = body as RpcMessage;
        if (msg && msg.t === "raft" && typeof msg.m === "object") {
          backend?.lastContact.set(from, o.timers.nowMs());
          node?.step(msg.m);
        }
      },
      onRequest: async (_from, body) => {
        const req = body as RpcRequest;
        if (!backend) throw new NoLeaderError("server is starting");
        if (req?.t === "propose" && req.c instanceof Uint8Array) return backend.proposeLocally(req.c);
        if (req?.t === "forward" && req.c instanceof Uint8Array) return backend.proposeWithIndex(req.c);
        if (req?.t === "follow" && Number.isSafeInteger(req.from) && req.from >= 0) return backend.follow(req.from, Number(req.waitMs) || 0);
        if (req?.t === "readIndex") {
          await backend.readBarrier("consistent");
          return backend.node.appliedIndex;
        }
        if (req?.t === "removePeer" && typeof req.p === "string") return backend.removePeerLocally(req.p);
        const extra = backend.extraRequests?.(body);
        if (extra) return extra;
        throw new ClosedError("server");
      },
    });
    // With port 0 the real address is known only now; gossip advertises it to the other servers.
    const self = transport.address;
    o.onListening?.(self);
    try {
      const peers = await bootstrapPeers(o, stores.stable);
      node = await RaftNode.start({
        id: self, peers, log: stores.log, stable: stores.stable, snapshots: stores.snapshots,
        fsm: {
          apply: (index, data) => catalog.apply(index, decodeCommand(data)),
          snapshot: () => catalog.state.snapshot(),
          restore: (data) => catalog.restore(data),
        },
        send: (to, m) => void transport.send(to, { t: "raft", m } satisfies RpcMessage),
        timers: o.timers, rng: o.rng, logger: o.logger, tickMs: o.tickMs, snapshotThreshold: o.snapshotThreshold,
        onLeaderChange: (leader, term) => o.logger.info({ component: "raft", leader, term }, "leader changed"),
      });
    } catch (err) {
      await transport.close();
      throw err;
    }
    backend = new RaftBackend(catalog, node, transport, stores, o);
    backend.startAutopilot();
    return backend;
  }

  /** Answers RPC requests the backend does not know (the agent's WAN and forwarding requests); undefined = unknown. */
  extraRequests: ((body: unknown) => Promise<unknown> | undefined) | undefined;

  /** When each peer was last heard from (ms on the agent's clock). */
  readonly lastContact = new Map<string, number>();
  private autopilotTimer: TimerHandle | undefined;
  private startedAtMs = 0;

  /**
   * Like Consul's autopilot CleanupDeadServers: the leader removes a voter it
   * has not heard from for `deadServerCleanupAfterMs`, one at a time, and
   * never below three voters (a smaller cluster could not outvote a
   * partition on its own).
   */
  private startAutopilot(): void {
    const afterMs = this.o.deadServerCleanupAfterMs ?? 0;
    if (afterMs <= 0) return;
    this.startedAtMs = this.o.timers.nowMs();
    const check = (): void => {
      if (this.closed) return;
      this.autopilotTimer = this.o.timers.after(Math.min(1000, afterMs / 2), check);
      if (!this.node.isLeader) return;
      const voters = this.node.status().voters;
      if (voters.length <= AUTOPILOT_VOTERS_MIN) return;
      const now = this.o.timers.nowMs();
      for (const v of voters) {
        if (v === this.transport.address) continue;
        const seen = this.lastContact.get(v) ?? this.startedAtMs;
        if (now - seen > afterMs) {
          this.o.logger.warn({ component: "autopilot", server: v }, "removing a dead server");
          this.node.changeMembership({ type: "remove", node: v }).catch((err: unknown) =>
            this.o.logger.warn({ component: "autopilot", err }, "could not remove a dead server"));
          return;
        }
      }
    };
    this.autopilotTimer = this.o.timers.after(Math.min(1000, afterMs / 2), check);
  }


  private async removePeerLocally(peer: string): Promise<boolean> {
    if (!this.node.isLeader) throw new NotLeaderError(this.node.leader || undefined);
    if (!this.node.status().voters.includes(peer)) return false;
    await this.node.changeMembership({ type: "remove", node: peer });
    return true;
  }

  /**
   * Removes a server from the voters (`consul operator raft remove-peer`).
   * Forwarded to the leader. Resolves false when it was not a voter.
   */
  async removePeer(peer: string): Promise<boolean> {
    const leader = this.node.leader;
    if (!leader) throw new NoLeaderError();
    if (leader === this.transport.address) return this.removePeerLocally(peer);
    return (await this.transport.request(leader, { t: "removePeer", p: peer } satisfies RpcRequest, { timeoutMs: 10_000 })) as boolean;
  }

  /** The Raft node (leader, peers, status). */
  get node(): RaftNode {
    return this.raftNode;
  }

  /** The Raft node (leader, peers, status). */
  get raft(): RaftNode {
    return this.node;
  }

  /** The RPC transport (tests use its filter to cut a server off). */
  get rpc(): TcpTransport {
    return this.transport;
  }

  private async proposeLocally(encoded: Uint8Array): Promise<ProposeAnswer> {
    if (!this.node.isLeader) throw new NotLeaderError(this.node.leader || undefined);
    const { index, value } = await this.node.proposeAt(encoded);
    return { i: index, r: value as ApplyResult };
  }

  /** Serves a read replica: applied entries after `after`, waiting up to `waitMs` for news. */
  private async follow(after: number, waitMs: number): Promise<FollowAnswer> {
    await this.node.waitApplied(after, Math.min(Math.max(0, waitMs), FOLLOW_WAIT_MS_MAX));
    const slice = after === 0 ? undefined : this.node.appliedEntries(after + 1, FOLLOW_ENTRIES_MAX);
    const cluster = { l: this.node.leader, v: this.node.status().voters };
    if (slice) return { e: slice.entries, through: slice.through, ...cluster };
    // Compacted away (or a fresh replica): the whole state, consistent with the applied index at this instant.
    return { s: this.catalog.state.snapshot(), through: this.node.appliedIndex, ...cluster };
  }

  async propose(command: CatalogCommand, signal?: AbortSignal): Promise<ApplyResult> {
    return (await this.proposeWithIndex(encodeCommand(command), signal)).r;
  }

  /** Commits an encoded command through the leader, wherever it is; resolves with its index and result. */
  async proposeWithIndex(encoded: Uint8Array, signal?: AbortSignal): Promise<ProposeAnswer> {
    const deadline = this.o.timers.nowMs() + LEADER_WAIT_MS_MAX;
    for (;;) {
      if (this.closed) throw new ClosedError("agent");
      throwIfAborted(signal);
      const leader = this.node.leader;
      try {
        if (!leader) throw new NoLeaderError();
        if (leader === this.transport.address) return await this.proposeLocally(encoded);
        return (await this.transport.request(leader, { t: "propose", c: encoded } satisfies RpcRequest, { signal, timeoutMs: 5000 })) as ProposeAnswer;
      } catch (err) {
        // Retry only what surely did not apply: no leader known, or the server asked refused before
        // proposing (not the leader). A timeout or a closed connection leaves the outcome unknown: the
        // caller gets the error rather than a second, possibly duplicate, write.
        const code = err instanceof DiscoError ? err.code : undefined;
        const retry = code === "NO_LEADER" || code === "NOT_LEADER";
        if (!retry || this.o.timers.nowMs() > deadline) throw err;
        await pause(this.o.timers, RETRY_PAUSE_MS);
      }
    }
  }

  leaderContact(): { knownLeader: boolean; lastContactMs: number } {
    const leader = this.node.leader;
    if (!leader) return { knownLeader: false, lastContactMs: 0 };
    if (leader === this.transport.address) return { knownLeader: true, lastContactMs: 0 };
    const seen = this.lastContact.get(leader);
    return { knownLeader: true, lastContactMs: seen === undefined ? 0 : Math.max(0, Math.round(this.o.timers.nowMs() - seen)) };
  }

  async readBarrier(consistency: Consistency, signal?: AbortSignal): Promise<void> {
    if (consistency === "stale") return;
    const deadline = this.o.timers.nowMs() + LEADER_WAIT_MS_MAX;
    for (;;) {
      throwIfAborted(signal);
      try {
        await this.node.readIndex({ signal, timeoutMs: 3000 });
        return;
      } catch (err) {
        const code = err instanceof DiscoError ? err.code : undefined;
        if ((code !== "NO_LEADER" && code !== "TIMEOUT") || this.o.timers.nowMs() > deadline) throw err;
        await pause(this.o.timers, RETRY_PAUSE_MS);
      }
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.autopilotTimer?.cancel();
    await this.node.close();
    await this.transport.close();
    this.catalog.close();
    await this.stores.log.close();
    await this.stores.stable.close();
    await this.stores.snapshots.close();
  }
}

function pause(timers: Timers, ms: number): Promise<void> {
  return new Promise((resolve) => timers.after(ms, resolve));
}

/**
 * The voters to bootstrap with: the ones recorded at the first start (kept
 * in `raft/peers.json` of the data directory, since the core does not log its
 * initial configuration), or else the configured ones, recorded now.
 */
async function bootstrapPeers(o: RaftBackendOptions, stable: StableStore): Promise<string[]> {
  const file = o.dataDir ? join(o.dataDir, "raft", "peers.json") : undefined;
  if (file) {
    try {
      const saved = JSON.parse(await readFile(file, "utf8")) as unknown;
      if (Array.isArray(saved) && saved.every((p) => typeof p === "string")) return saved as string[];
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw new StorageCorruptError(`cannot read ${file}`, { cause: err });
      if (await stable.load()) throw new StorageCorruptError(`${file} is missing but the raft state exists; cannot tell the initial voters`);
    }
  }
  const peers = typeof o.peers === "function" ? await o.peers() : o.peers;
  if (file) {
    const tmp = `${file}.tmp`;
    await writeFile(tmp, JSON.stringify([...peers].sort()));
    const fh = await open(tmp, "r+");
    await fh.sync();
    await fh.close();
    await rename(tmp, file);
  }
  return peers;
}
