/**
 * A synchronous test network for RaftCore scenario tests (in the spirit of
 * etcd's raft_test.go `network`): instant delivery, per-link cuts, message
 * filters, durable storage per node, crash and restart.
 */
import { RaftCore } from "../../lib/raft/core.js";
import type { RaftInitialState } from "../../lib/raft/core.js";
import type { RaftOptions } from "../../lib/raft/config.js";
import type { Entry, HardState, Message, MessageType, ReadState, Snapshot } from "../../lib/raft/types.js";
import { SeededRng } from "../../lib/util/rng.js";

/** What a node has made durable. */
export interface Disk {
  hardState?: HardState;
  snapshot?: Snapshot;
  entries: Entry[];
}

const enc = new TextEncoder();
const dec = new TextDecoder();
export const bytes = (s: string): Uint8Array => enc.encode(s);
export const text = (b: Uint8Array): string => dec.decode(b);

/** Cap on delivery rounds in one stabilize(); a livelock fails the test instead of hanging it. */
const STABILIZE_ROUNDS_MAX = 10_000;

export class Network {
  readonly nodes = new Map<string, RaftCore>();
  readonly disks = new Map<string, Disk>();
  /** Normal entries applied per node, as "index:data". */
  readonly applied = new Map<string, string[]>();
  readonly readStates = new Map<string, ReadState[]>();
  /** Every message sent, for assertions. */
  readonly sent: Message[] = [];
  private readonly cut = new Set<string>();
  private readonly dropTypes = new Set<MessageType>();
  private queue: Message[] = [];
  private readonly down = new Set<string>();
  /** Optional interceptor: return false to drop a message. */
  filter: ((m: Message) => boolean) | undefined;

  constructor(
    ids: string[],
    private readonly opts: Partial<RaftOptions> = {},
    perNode: Record<string, Partial<RaftOptions>> = {},
    seed = 1,
    initial: Record<string, RaftInitialState> = {},
  ) {
    const rng = new SeededRng(seed);
    for (const id of ids) {
      this.perNodeOpts.set(id, { ...perNode[id] });
      this.rngs.set(id, rng.fork(id));
      this.applied.set(id, []);
      this.readStates.set(id, []);
      const init = initial[id] ?? {};
      this.disks.set(id, { hardState: init.hardState, snapshot: init.snapshot, entries: [...(init.entries ?? [])] });
      this.start(id, ids, init);
    }
  }

  private readonly perNodeOpts = new Map<string, Partial<RaftOptions>>();
  private readonly rngs = new Map<string, import("../../lib/util/rng.js").Rng>();

  private start(id: string, peers: string[], initial: RaftInitialState): RaftCore {
    const core = new RaftCore(
      { id, peers, electionTicks: 10, heartbeatTicks: 1, rng: this.rngs.get(id)!, ...this.opts, ...this.perNodeOpts.get(id) },
      initial,
    );
    this.nodes.set(id, core);
    return core;
  }

  /** Adds a brand-new node (empty peers: it joins through the leader). */
  addNode(id: string, opts: Partial<RaftOptions> = {}): RaftCore {
    this.perNodeOpts.set(id, opts);
    this.rngs.set(id, new SeededRng(id.length * 7919).fork(id));
    this.disks.set(id, { entries: [] });
    this.applied.set(id, []);
    this.readStates.set(id, []);
    return this.start(id, [], {});
  }

  node(id: string): RaftCore {
    return this.nodes.get(id)!;
  }

  /** Handles every pending Ready of `id`: persist, queue messages, apply. */
  flush(id: string): void {
    const core = this.nodes.get(id)!;
    if (this.down.has(id)) return;
    while (core.hasReady()) {
      const rd = core.ready();
      const disk = this.disks.get(id)!;
      if (rd.snapshot) {
        disk.snapshot = rd.snapshot;
        disk.entries = [];
        this.applied.get(id)!.push(`snap:${rd.snapshot.meta.index}`);
      }
      if (rd.entries.length > 0) {
        const first = rd.entries[0]!.index;
        disk.entries = disk.entries.filter((e) => e.index < first).concat(rd.entries);
      }
      if (rd.hardState) disk.hardState = rd.hardState;
      for (const m of rd.messages) this.sent.push(m);
      this.queue.push(...rd.messages);
      for (const e of rd.committed) if (e.type === "normal") this.applied.get(id)!.push(`${e.index}:${text(e.data)}`);
      this.readStates.get(id)!.push(...rd.readStates);
      core.advance(rd);
    }
  }

  private deliverable(m: Message): boolean {
    if (this.down.has(m.to) || this.down.has(m.from)) return false;
    if (this.cut.has(`${m.from}>${m.to}`)) return false;
    if (this.dropTypes.has(m.type)) return false;
    if (this.filter && !this.filter(m)) return false;
    return this.nodes.has(m.to);
  }

  /** Delivers messages (and everything they cause) until the network is quiet. */
  stabilize(): void {
    for (let round = 0; round < STABILIZE_ROUNDS_MAX; round++) {
      for (const id of this.nodes.keys()) this.flush(id);
      if (this.queue.length === 0) return;
      const batch = this.queue;
      this.queue = [];
      for (const m of batch) if (this.deliverable(m)) this.nodes.get(m.to)!.step(m);
    }
    throw new Error("network did not stabilize");
  }

  /** Takes the queued messages without delivering them (for hand delivery). */
  takeMessages(): Message[] {
    for (const id of this.nodes.keys()) this.flush(id);
    const q = this.queue;
    this.queue = [];
    return q;
  }

  /** Delivers one message by hand. */
  deliver(m: Message): void {
    this.nodes.get(m.to)!.step(m);
  }

  /** Ticks `id` n times, stabilizing after each tick. */
  tick(id: string, n = 1): void {
    for (let i = 0; i < n; i++) {
      this.nodes.get(id)!.tick();
      this.stabilize();
    }
  }

  /** Ticks every live node n times. */
  tickAll(n = 1): void {
    for (let i = 0; i < n; i++) {
      for (const [id, core] of this.nodes) if (!this.down.has(id)) core.tick();
      this.stabilize();
    }
  }

  /** Makes `id` campaign now and delivers everything. */
  elect(id: string): void {
    this.nodes.get(id)!.campaign();
    this.stabilize();
  }

  /** Cuts both directions between a and b. */
  cutLink(a: string, b: string): void {
    this.cut.add(`${a}>${b}`);
    this.cut.add(`${b}>${a}`);
  }

  /** Cuts one direction only. */
  cutOneWay(from: string, to: string): void {
    this.cut.add(`${from}>${to}`);
  }

  isolate(id: string): void {
    for (const other of this.nodes.keys()) if (other !== id) this.cutLink(id, other);
  }

  ignore(type: MessageType): void {
    this.dropTypes.add(type);
  }

  recover(): void {
    this.cut.clear();
    this.dropTypes.clear();
    this.filter = undefined;
  }

  /** Loses everything not durable and stops the node. */
  crash(id: string): void {
    this.down.add(id);
  }

  /** Rebuilds the node from its disk (the state machine replays from the snapshot). */
  restart(id: string, peers: string[]): RaftCore {
    this.down.delete(id);
    const disk = this.disks.get(id)!;
    const applied: string[] = [];
    if (disk.snapshot) applied.push(`snap:${disk.snapshot.meta.index}`);
    this.applied.set(id, applied);
    return this.start(id, peers, { hardState: disk.hardState, snapshot: disk.snapshot, entries: [...disk.entries] });
  }

  leaders(): string[] {
    return [...this.nodes].filter(([id, c]) => !this.down.has(id) && c.status().role === "leader").map(([id]) => id);
  }
}

/** Builds a log from a list of terms: terms[i] is the term of entry i+1. */
export function logOf(terms: number[]): Entry[] {
  return terms.map((term, i) => ({ index: i + 1, term, type: "normal" as const, data: bytes(`e${i + 1}t${term}`) }));
}

/** Initial state with the given log terms and current term. */
export function stateOf(terms: number[], term = terms.length > 0 ? terms[terms.length - 1]! : 0): RaftInitialState {
  return { hardState: { term, vote: "", commit: 0 }, entries: logOf(terms) };
}
