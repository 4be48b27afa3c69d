/**
 * The deterministic cluster simulator: N RaftCores driven from one seed
 * over a simulated clock, network (delay, loss, duplication, reordering,
 * partitions) and disk (persistence latency; a crash loses what was not yet
 * persisted). A KV state machine runs on every node.
 */
import { RaftCore } from "../../lib/raft/core.js";
import type { RaftOptions } from "../../lib/raft/config.js";
import type { Entry, HardState, Message, Snapshot } from "../../lib/raft/types.js";
import { NotLeaderError } from "../../lib/util/errors.js";
import type { Rng } from "../../lib/util/rng.js";
import { EventQueue } from "./event-queue.js";
import { decodeCommand, KvFsm } from "./kv-fsm.js";
import type { KvCommand, KvResult } from "./kv-fsm.js";

/** Knobs of one simulated cluster. */
export interface SimOptions {
  nodes: number;
  tickMs: number;
  /** Network one-way delay range, ms. */
  delayMsMin: number;
  delayMsMax: number;
  /** Probabilities per message. */
  loss: number;
  duplicate: number;
  /** Disk persistence latency range, ms. */
  diskMsMax: number;
  /** Take a snapshot every this many applied entries (per node). */
  snapshotEvery: number;
  /** Fault injection for checker tests: answer reads from the local state machine, skipping ReadIndex. */
  unsafeLocalReads?: boolean;
  raft: Partial<RaftOptions>;
}

export interface Durable {
  hardState?: HardState;
  snapshot?: Snapshot;
  entries: Entry[];
}

/** A safety violation found while running. */
export class SafetyViolation extends Error {}

/** "lost": this node can no longer tell the outcome; "failed": the entry was overwritten and never takes effect. */
export type ProposeOutcome = KvResult | "lost" | "failed";

type Waiter = { term: number; done: (r: ProposeOutcome) => void };

export class SimNode {
  core: RaftCore | undefined;
  fsm = new KvFsm();
  durable: Durable = { entries: [] };
  epoch = 0;
  busy = false;
  /** Proposals this node made, by index, awaiting apply. */
  waiters = new Map<number, Waiter>();
  /** Reads waiting for their read state and then for the apply index. */
  reads = new Map<string, (index: number) => void>();
  readyReads: Array<{ index: number; context: string }> = [];

  constructor(readonly id: string) {}

  get up(): boolean {
    return this.core !== undefined;
  }
}

export class SimCluster {
  readonly q = new EventQueue();
  readonly nodes = new Map<string, SimNode>();
  readonly ids: string[];
  /** Directed links that drop everything: "a>b". */
  readonly blocked = new Set<string>();
  /** Global applied history: index → "term:type:data" (state machine safety). */
  readonly appliedAt = new Map<number, string>();
  /** term → leader id (≤ 1 leader per term). */
  readonly leaderOf = new Map<number, string>();
  violations: string[] = [];
  stats = { messages: 0, dropped: 0, elections: 0, snapshotsSent: 0, crashes: 0, compactions: 0, confChanges: 0 };
  private readonly netRng: Rng;
  private readonly diskRng: Rng;

  constructor(
    readonly rng: Rng,
    readonly opts: SimOptions,
  ) {
    this.netRng = rng.fork("net");
    this.diskRng = rng.fork("disk");
    this.ids = Array.from({ length: opts.nodes }, (_, i) => `n${i + 1}`);
    for (const id of this.ids) {
      const node = new SimNode(id);
      this.nodes.set(id, node);
      this.boot(node);
      // Stagger the tick phases so nodes do not move in lock-step.
      const phase = rng.int(opts.tickMs);
      this.q.after(phase, () => this.tickLoop(node, node.epoch));
    }
  }

  private violation(msg: string): void {
    this.violations.push(`t=${this.q.now}: ${msg}`);
  }

  private boot(node: SimNode): void {
    const d = node.durable;
    node.core = new RaftCore(
      { id: node.id, peers: this.ids, rng: this.rng.fork(`raft-${node.id}-${node.epoch}`), electionTicks: 10, heartbeatTicks: 1, ...this.opts.raft },
      { hardState: d.hardState, snapshot: d.snapshot, entries: [...d.entries] },
    );
    node.fsm = d.snapshot ? KvFsm.restore(d.snapshot.data) : new KvFsm();
    node.waiters.clear();
    node.reads.clear();
    node.readyReads = [];
    node.busy = false;
  }

  private tickLoop(node: SimNode, epoch: number): void {
    if (node.epoch !== epoch || !node.core) return;
    node.core.tick();
    this.pump(node);
    this.q.after(this.opts.tickMs, () => this.tickLoop(node, epoch));
  }

  /** Drains Ready batches: persist (after disk latency), then send, then apply. */
  pump(node: SimNode): void {
    const core = node.core;
    if (!core || node.busy || !core.hasReady()) return;
    const rd = core.ready();
    node.busy = true;
    const epoch = node.epoch;
    const needsDisk = rd.entries.length > 0 || rd.hardState !== undefined || rd.snapshot !== undefined;
    const latency = needsDisk ? this.diskRng.int(this.opts.diskMsMax + 1) : 0;
    this.q.after(latency, () => {
      if (node.epoch !== epoch) return; // crashed before the write completed: it is lost
      if (rd.softState?.role === "leader") {
        this.stats.elections++;
        const prev = this.leaderOf.get(rd.softState.term);
        if (prev !== undefined && prev !== node.id) {
          this.violation(`two leaders in term ${rd.softState.term}: ${prev} and ${node.id}`);
        }
        this.leaderOf.set(rd.softState.term, node.id);
      }
      const d = node.durable;
      if (rd.snapshot) {
        d.snapshot = rd.snapshot;
        d.entries = [];
        node.fsm = KvFsm.restore(rd.snapshot.data);
        for (const [index, w] of node.waiters) {
          if (index <= rd.snapshot.meta.index) {
            node.waiters.delete(index);
            w.done("lost"); // outcome unknown to this node: the client times out
          }
        }
      }
      if (rd.entries.length > 0) {
        const first = rd.entries[0]!.index;
        d.entries = d.entries.filter((e) => e.index < first).concat(rd.entries);
      }
      if (rd.hardState) d.hardState = rd.hardState;
      for (const m of rd.messages) this.send(m);
      for (const e of rd.committed) this.apply(node, e);
      node.readyReads.push(...rd.readStates);
      this.serveReads(node);
      core.advance(rd);
      node.busy = false;
      this.maybeSnapshot(node);
      this.pump(node);
    });
  }

  private apply(node: SimNode, e: Entry): void {
    const sig = `${e.term}:${e.type}:${e.type === "normal" ? new TextDecoder().decode(e.data) : ""}`;
    const prev = this.appliedAt.get(e.index);
    if (prev === undefined) this.appliedAt.set(e.index, sig);
    else if (prev !== sig) this.violation(`state machine safety: index ${e.index} applied as ${prev} and ${sig} (${node.id})`);
    if (e.index <= node.fsm.applied) return; // covered by a restored snapshot
    let result: KvResult | undefined;
    if (e.type === "normal") result = node.fsm.apply(e.index, decodeCommand(e.data) as KvCommand);
    else node.fsm.skip(e.index);
    const w = node.waiters.get(e.index);
    if (w) {
      node.waiters.delete(e.index);
      // Same index, other term: our entry was overwritten and can never commit (Log Matching).
      w.done(w.term === e.term && result ? result : "failed");
    }
  }

  private serveReads(node: SimNode): void {
    const keep: typeof node.readyReads = [];
    for (const rs of node.readyReads) {
      if (node.fsm.applied >= rs.index) {
        const cb = node.reads.get(rs.context);
        node.reads.delete(rs.context);
        cb?.(rs.index);
      } else keep.push(rs);
    }
    node.readyReads = keep;
  }

  private maybeSnapshot(node: SimNode): void {
    const core = node.core!;
    const st = core.status();
    if (node.fsm.applied - st.firstIndex + 1 < this.opts.snapshotEvery) return;
    const data = node.fsm.snapshot();
    const meta = core.compact(node.fsm.applied, data);
    if (!meta) return;
    this.stats.compactions++;
    node.durable.snapshot = { meta, data };
    node.durable.entries = node.durable.entries.filter((e) => e.index > meta.index);
  }

  // ------------------------------------------------------------ network

  send(m: Message): void {
    this.stats.messages++;
    if (m.type === "snap") this.stats.snapshotsSent++;
    if (this.blocked.has(`${m.from}>${m.to}`) || this.netRng.float() < this.opts.loss) {
      this.stats.dropped++;
      return;
    }
    const copies = this.netRng.float() < this.opts.duplicate ? 2 : 1;
    for (let i = 0; i < copies; i++) {
      const delay = this.opts.delayMsMin + this.netRng.int(this.opts.delayMsMax - this.opts.delayMsMin + 1);
      this.q.after(delay, () => this.deliver(m));
    }
  }

  private deliver(m: Message): void {
    const node = this.nodes.get(m.to);
    if (!node?.core) return;
    if (this.blocked.has(`${m.from}>${m.to}`)) return; // partitioned while in flight
    try {
      node.core.step(m);
    } catch (err) {
      this.violation(`step threw on ${m.to}: ${(err as Error).message}`);
    }
    this.pump(node);
  }

  // ------------------------------------------------------------ faults

  crash(id: string): void {
    const node = this.nodes.get(id)!;
    if (!node.core) return;
    this.stats.crashes++;
    for (const w of node.waiters.values()) w.done("lost");
    node.core = undefined;
    node.epoch++;
    node.waiters.clear();
    node.reads.clear();
  }

  restart(id: string): void {
    const node = this.nodes.get(id)!;
    if (node.core) return;
    node.epoch++;
    this.boot(node);
    const epoch = node.epoch;
    this.q.after(this.opts.tickMs, () => this.tickLoop(node, epoch));
  }

  /** Splits the nodes into two sides; no traffic crosses in either direction. */
  partition(sideA: string[]): void {
    for (const a of sideA) {
      for (const b of this.ids) {
        if (!sideA.includes(b)) {
          this.blocked.add(`${a}>${b}`);
          this.blocked.add(`${b}>${a}`);
        }
      }
    }
  }

  /** Cuts one direction only (an asymmetric partition). */
  cutOneWay(from: string, to: string): void {
    this.blocked.add(`${from}>${to}`);
  }

  heal(): void {
    this.blocked.clear();
  }

  leader(): string | undefined {
    let best: { id: string; term: number } | undefined;
    for (const n of this.nodes.values()) {
      const s = n.core?.status();
      if (s?.role === "leader" && (!best || s.term > best.term)) best = { id: n.id, term: s.term };
    }
    return best?.id;
  }

  // ------------------------------------------------------------ client entry points

  /** Proposes a command on `id`. Calls back with the result, or "lost" when this node can no longer tell. */
  propose(id: string, cmd: KvCommand, done: (r: ProposeOutcome | NotLeaderError) => void): void {
    const node = this.nodes.get(id)!;
    if (!node.core) return; // the client times out
    try {
      const { index, term } = node.core.propose(new TextEncoder().encode(JSON.stringify(cmd)));
      node.waiters.set(index, { term, done });
    } catch (err) {
      if (err instanceof NotLeaderError) {
        done(err);
        return;
      }
      throw err;
    }
    this.pump(node);
  }

  /** A linearizable read on `id` (ReadIndex); calls back with the value once applied. */
  read(id: string, key: string, context: string, done: (r: { value: string | null; index?: number } | NotLeaderError) => void): void {
    const node = this.nodes.get(id)!;
    if (!node.core) return;
    if (this.opts.unsafeLocalReads) {
      const v = node.fsm.data.get(key);
      this.q.after(0, () => done(v ? { value: v.value, index: v.index } : { value: null }));
      return;
    }
    node.reads.set(context, () => {
      const v = node.fsm.data.get(key);
      done(v ? { value: v.value, index: v.index } : { value: null });
    });
    try {
      node.core.readIndex(context);
    } catch (err) {
      node.reads.delete(context);
      if (err instanceof NotLeaderError) {
        done(err);
        return;
      }
      throw err;
    }
    this.pump(node);
  }
}
