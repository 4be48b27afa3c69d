/**
 * A linearizability checker for key-value histories: the Wing–Gong search
 * with Lowe's memoization (as Porcupine implements it), run per key
 * (P-compositionality: a history is linearizable iff each key's
 * sub-history is). Operations whose outcome is unknown (timeouts) have
 * return time +∞: they may take effect at any point after their call, or
 * never, which is the same as taking effect after everything else.
 */

/** An operation's input. `cas` succeeds iff the key's modify index equals `expectIndex` (0: the key is absent), as Consul's. */
export type KvInput =
  | { op: "get"; key: string }
  | { op: "put"; key: string; value: string }
  | { op: "delete"; key: string }
  | { op: "cas"; key: string; value: string; expectIndex: number };

/**
 * An operation's output. `get`: `value` (null when absent) and, if known, the modify `index`. `put`,
 * `delete`: the write's `index` if known. `cas`: `ok` and, on success, `index` if known.
 */
export interface KvOutput {
  value?: string | null;
  index?: number;
  ok?: boolean;
}

/** One operation of a history. Times come from one monotonic clock; intervals are closed. */
export interface Operation {
  clientId: number;
  input: KvInput;
  /** Undefined when the outcome is unknown (timed out, connection lost). */
  output?: KvOutput;
  call: number;
  /** +∞ when the outcome is unknown. */
  return: number;
}

/** The checker's verdict. `unknown` means the search gave up at its effort bound. */
export type CheckResult =
  | { result: "ok" }
  | { result: "illegal"; key: string; ops: Operation[] }
  | { result: "unknown"; key: string };

/** A sequential specification. `step` returns every possible next state; none means the output is impossible. */
export interface Model<S, I, O> {
  init(): S;
  step(state: S, input: I, output: O | undefined): S[];
  /** A string identifying the state, for the memo cache. */
  key(state: S): string;
}

/** Default bound on search steps per partition before answering "unknown". */
export const EFFORT_MAX_DEFAULT = 2_000_000;

interface Node {
  call: boolean;
  id: number;
  match: Node | undefined; // call → its return node
  prev: Node | undefined;
  next: Node | undefined;
}

function lift(n: Node): void {
  n.prev!.next = n.next;
  if (n.next) n.next.prev = n.prev;
  const r = n.match!;
  r.prev!.next = r.next;
  if (r.next) r.next.prev = r.prev;
}

function unlift(n: Node): void {
  const r = n.match!;
  r.prev!.next = r;
  if (r.next) r.next.prev = r;
  n.prev!.next = n;
  if (n.next) n.next.prev = n;
}

/**
 * Checks one partition (all operations on one object) against `model`. Returns "ok", "illegal" or
 * "unknown" when more than `effortMax` search steps were needed.
 */
export function checkPartition<S, I, O>(
  model: Model<S, I, O>,
  ops: ReadonlyArray<{ input: I; output?: O; call: number; return: number }>,
  effortMax = EFFORT_MAX_DEFAULT,
): "ok" | "illegal" | "unknown" {
  const events: Array<{ t: number; call: boolean; id: number }> = [];
  ops.forEach((op, id) => {
    events.push({ t: op.call, call: true, id }, { t: op.return, call: false, id });
  });
  // Closed intervals: at equal times calls come first, so touching operations count as concurrent.
  events.sort((a, b) => a.t - b.t || (a.call === b.call ? a.id - b.id : a.call ? -1 : 1));
  const head: Node = { call: false, id: -1, match: undefined, prev: undefined, next: undefined };
  const calls = new Map<number, Node>();
  let last = head;
  for (const e of events) {
    const n: Node = { call: e.call, id: e.id, match: undefined, prev: last, next: undefined };
    last.next = n;
    last = n;
    if (e.call) calls.set(e.id, n);
    else calls.get(e.id)!.match = n;
  }

  const linearized = new Uint32Array(Math.ceil(ops.length / 32) || 1);
  const cache = new Map<string, Set<string>>();
  const stack: Array<{ node: Node; state: S; alt: number }> = [];
  let state = model.init();
  let node = head.next;
  let altStart = 0;
  let effort = 0;

  while (head.next) {
    if (++effort > effortMax) return "unknown";
    if (!node) return "illegal"; // cannot happen: the list always ends in a return
    if (node.call) {
      const op = ops[node.id]!;
      const successors = model.step(state, op.input, op.output);
      let moved = false;
      for (let k = altStart; k < successors.length; k++) {
        const next = successors[k]!;
        linearized[node.id >>> 5]! |= 1 << (node.id & 31);
        const linKey = linearized.join(",");
        const stateKey = model.key(next);
        let seen = cache.get(linKey);
        if (!seen) cache.set(linKey, (seen = new Set()));
        if (!seen.has(stateKey)) {
          seen.add(stateKey);
          stack.push({ node, state, alt: k });
          state = next;
          lift(node);
          node = head.next;
          moved = true;
          break;
        }
        linearized[node.id >>> 5]! &= ~(1 << (node.id & 31));
      }
      altStart = 0;
      if (!moved) node = node.next;
    } else {
      // An operation returned before any order could place it: undo the last choice.
      const top = stack.pop();
      if (!top) return "illegal";
      state = top.state;
      linearized[top.node.id >>> 5]! &= ~(1 << (top.node.id & 31));
      unlift(top.node);
      node = top.node;
      altStart = top.alt + 1;
      if (altStart >= model.step(state, ops[node.id]!.input, ops[node.id]!.output).length) {
        altStart = 0;
        node = node.next;
      }
    }
  }
  return "ok";
}

/** Per-key state: the value (null when absent) and the modify index of the last write (null when unknown). */
export interface KvState {
  value: string | null;
  index: number | null;
}

function writeIndexOk(state: KvState, index: number | undefined): boolean {
  // Raft indexes grow along the linearization, so a later write of the key has a larger index.
  return index === undefined || state.index === null || index > state.index;
}

/** The KV register model (one key). */
export const kvModel: Model<KvState, KvInput, KvOutput> = {
  init: () => ({ value: null, index: 0 }),
  key: (s) => `${s.value === null ? "\u0000" : JSON.stringify(s.value)}|${s.index}`,
  step(state, input, output) {
    switch (input.op) {
      case "get": {
        if (!output) return [state];
        if ((output.value ?? null) !== state.value) return [];
        if (state.value !== null && output.index !== undefined) {
          if (state.index === null) return [{ value: state.value, index: output.index }];
          if (state.index !== output.index) return [];
        }
        return [state];
      }
      case "put":
      case "delete": {
        const index = output?.index;
        if (!writeIndexOk(state, index)) return [];
        return [{ value: input.op === "put" ? input.value : null, index: index ?? null }];
      }
      case "cas": {
        const holds: boolean | undefined =
          input.expectIndex === 0
            ? state.value === null
            : state.value === null
              ? false
              : state.index === null
                ? undefined
                : state.index === input.expectIndex;
        const applied: KvState = { value: input.value, index: output?.index ?? null };
        if (!output) {
          if (holds === true) return [applied];
          if (holds === false) return [state];
          return [applied, state];
        }
        if (output.ok) {
          if (holds === false || !writeIndexOk(state, output.index)) return [];
          return [applied];
        }
        if (holds === true) return [];
        return [state];
      }
    }
  },
};

/**
 * Drops the puts whose outcome is unknown and whose value no read returned,
 * when the key's history tracks no modify indexes (no cas, no get with an
 * index). Such a put may be linearized last, where nothing sees it, so the
 * history is linearizable with it exactly when it is without it; leaving
 * them in only multiplies the search (each is concurrent with everything
 * after its call), which made long real-process histories end "unknown".
 */
export function dropUnobservedUnknownPuts(list: readonly Operation[]): Operation[] {
  const tracksIndexes = list.some((op) => op.input.op === "cas" || (op.input.op === "get" && op.output?.index !== undefined));
  if (tracksIndexes) return [...list];
  const read = new Set<string | null>();
  for (const op of list) if (op.input.op === "get" && op.output) read.add(op.output.value ?? null);
  return list.filter((op) => !(op.input.op === "put" && op.output === undefined && !read.has(op.input.value)));
}

/** Checks a KV history, key by key. The first non-ok key decides the verdict ("illegal" beats "unknown"). */
export function checkKvHistory(ops: readonly Operation[], options: { effortMax?: number } = {}): CheckResult {
  const byKey = new Map<string, Operation[]>();
  for (const op of ops) {
    let list = byKey.get(op.input.key);
    if (!list) byKey.set(op.input.key, (list = []));
    list.push(op);
  }
  let unknownKey: string | undefined;
  for (const [key, list] of byKey) {
    const r = checkPartition(kvModel, dropUnobservedUnknownPuts(list), options.effortMax ?? EFFORT_MAX_DEFAULT);
    if (r === "illegal") return { result: "illegal", key, ops: list };
    if (r === "unknown" && unknownKey === undefined) unknownKey = key;
  }
  return unknownKey === undefined ? { result: "ok" } : { result: "unknown", key: unknownKey };
}
