/**
 * One simulation run from a seed: a fault phase, then a healing phase, then
 * the checkers. Returns every violation found (empty when the run is clean).
 */
import { NotLeaderError } from "../../lib/util/errors.js";
import { SeededRng } from "../../lib/util/rng.js";
import type { Rng } from "../../lib/util/rng.js";
import { checkKvHistory } from "../support/linearizability.js";
import type { KvInput, KvOutput, Operation } from "../support/linearizability.js";
import { SimCluster } from "./cluster.js";
import type { SimOptions } from "./cluster.js";
import type { KvCommand } from "./kv-fsm.js";

export interface RunOptions {
  faultMs: number;
  /** Bound for liveness after healing: a leader and a committed write within this time. */
  livenessMs: number;
  clients: number;
  keys: number;
  opTimeoutMs: number;
  /** Turn on membership changes during the fault phase. */
  membership: boolean;
  sim: Partial<SimOptions>;
}

export interface RunResult {
  seed: number;
  violations: string[];
  linearizability: "ok" | "illegal" | "unknown";
  ops: number;
  pending: number;
  stats: SimCluster["stats"];
  simMs: number;
}

const DEFAULT_RUN: RunOptions = { faultMs: 4000, livenessMs: 4000, clients: 4, keys: 3, opTimeoutMs: 500, membership: false, sim: {} };

function simOptions(rng: Rng, over: Partial<SimOptions>): SimOptions {
  return {
    nodes: rng.int(2) === 0 ? 3 : 5,
    tickMs: 10,
    delayMsMin: 1,
    delayMsMax: 1 + rng.int(15),
    loss: rng.float() * 0.05,
    duplicate: rng.float() * 0.03,
    diskMsMax: rng.int(6),
    snapshotEvery: 20 + rng.int(60),
    raft: { preVote: rng.int(4) !== 0, checkQuorum: rng.int(4) !== 0, inflightMessagesMax: 1 + rng.int(16), messageBytesMax: 256 + rng.int(4096) },
    ...over,
  };
}

/** Runs the simulation for `seed`. */
export function runSeed(seed: number, options: Partial<RunOptions> = {}): RunResult {
  const o = { ...DEFAULT_RUN, ...options };
  const root = new SeededRng(seed);
  const cfgRng = root.fork("config");
  const sim = new SimCluster(root.fork("cluster"), simOptions(cfgRng, o.sim));
  const q = sim.q;
  const wl = root.fork("workload");
  const faults = root.fork("faults");
  const history: Operation[] = [];
  const acked: Array<{ index: number; req: string }> = [];
  let clientsOn = true;
  let reqSeq = 0;

  // ---------------- clients
  const upIds = () => sim.ids.filter((id) => sim.nodes.get(id)!.up);
  for (let c = 0; c < o.clients; c++) {
    let hint: string | undefined;
    const lastIndex = new Map<string, number>();
    const next = () => {
      if (!clientsOn) return;
      const key = `k${wl.int(o.keys)}`;
      const target = hint && wl.int(5) !== 0 ? hint : sim.ids[wl.int(sim.ids.length)]!;
      const req = `c${c}-${reqSeq++}`;
      const r = wl.int(10);
      const input: KvInput =
        r < 4
          ? { op: "get", key }
          : r < 7
            ? { op: "put", key, value: req }
            : r < 9
              ? { op: "cas", key, value: req, expectIndex: lastIndex.get(key) ?? 0 }
              : { op: "delete", key };
      const op: Operation = { clientId: c, input, call: q.now, return: Infinity };
      let settled = false;
      const finish = (output: KvOutput | undefined | "drop") => {
        if (settled) return;
        settled = true;
        if (output === "drop") {
          // definitely did not happen (refused, overwritten) or a read without an answer: not in the history
        } else if (output === undefined) {
          history.push(op); // unknown outcome: may or may not have happened
        } else {
          op.output = output;
          op.return = q.now;
          history.push(op);
        }
        q.after(1 + wl.int(20), next);
      };
      q.after(o.opTimeoutMs, () => finish(input.op === "get" ? "drop" : undefined));
      if (input.op === "get") {
        sim.read(target, key, `${req}`, (res) => {
          if (res instanceof NotLeaderError) {
            hint = res.leader;
            finish("drop");
            return;
          }
          if (res.index !== undefined) lastIndex.set(key, res.index);
          else lastIndex.set(key, 0);
          finish({ value: res.value, index: res.index });
        });
        return;
      }
      const cmd: KvCommand =
        input.op === "put"
          ? { op: "put", key, value: input.value, req }
          : input.op === "cas"
            ? { op: "cas", key, value: input.value, expectIndex: input.expectIndex, req }
            : { op: "delete", key, req };
      sim.propose(target, cmd, (res) => {
        if (res instanceof NotLeaderError) {
          hint = res.leader;
          finish("drop");
        } else if (res === "failed") finish("drop");
        else if (res === "lost") finish(undefined);
        else {
          acked.push({ index: res.index, req });
          if (input.op === "cas") {
            if (res.ok) lastIndex.set(key, res.index);
            finish({ ok: res.ok, index: res.ok ? res.index : undefined });
          } else {
            if (input.op === "put") lastIndex.set(key, res.index);
            finish({ index: res.index });
          }
        }
      });
    };
    q.after(wl.int(50), next);
  }

  // ---------------- fault phase
  const down = new Set<string>();
  const scheduleFault = () => {
    if (q.now >= o.faultMs) return;
    const kind = faults.int(10);
    const ids = sim.ids;
    if (kind === 0 || kind === 1) {
      const shuffled = [...ids].sort(() => faults.float() - 0.5);
      sim.heal();
      sim.partition(shuffled.slice(0, 1 + faults.int(ids.length - 1)));
    } else if (kind === 2) {
      const l = sim.leader();
      if (l) sim.partition([l]);
    } else if (kind === 3) {
      const a = ids[faults.int(ids.length)]!;
      const b = ids[faults.int(ids.length)]!;
      if (a !== b) sim.cutOneWay(a, b);
    } else if (kind === 4 || kind === 5) {
      const id = faults.int(2) === 0 ? (sim.leader() ?? ids[0]!) : ids[faults.int(ids.length)]!;
      if (!down.has(id)) {
        sim.crash(id);
        down.add(id);
        q.after(50 + faults.int(800), () => {
          sim.restart(id);
          down.delete(id);
        });
      }
    } else if (kind === 6) {
      sim.heal();
    } else if (kind === 8 && o.membership) {
      // One-server membership change (thesis §4.1): remove a voter while ≥ 4 remain, else add one back.
      const l = sim.leader();
      const core = l ? sim.nodes.get(l)!.core : undefined;
      if (core) {
        const voters = core.status().voters;
        const outside = ids.filter((id) => !voters.includes(id));
        try {
          if (voters.length >= 4 && (outside.length === 0 || faults.int(2) === 0)) {
            core.proposeConfChange({ type: "remove", node: voters[faults.int(voters.length)]! });
            sim.stats.confChanges++;
          } else if (outside.length > 0) {
            core.proposeConfChange({ type: "add", node: outside[faults.int(outside.length)]! });
            sim.stats.confChanges++;
          }
          sim.pump(sim.nodes.get(l!)!);
        } catch {
          // a change is pending or the leader has not committed in its term: try again later
        }
      }
    } else if (kind === 7) {
      const l = sim.leader();
      const core = l ? sim.nodes.get(l)!.core : undefined;
      if (core) core.transferLeadership(ids[faults.int(ids.length)]!);
    }
    q.after(100 + faults.int(400), scheduleFault);
  };
  q.after(200, scheduleFault);
  q.runUntil(o.faultMs);

  // ---------------- healing phase
  sim.heal();
  for (const id of sim.ids) sim.restart(id);
  const healedAt = q.now;
  let liveAt: number | undefined;
  const probe = () => {
    if (liveAt !== undefined) return;
    const l = sim.leader();
    if (l) {
      sim.propose(l, { op: "put", key: "liveness", value: `probe-${q.now}`, req: `probe-${q.now}` }, (res) => {
        if (typeof res === "object" && !(res instanceof NotLeaderError) && liveAt === undefined) liveAt = q.now;
      });
    }
    q.after(50, probe);
  };
  probe();
  q.runUntil(healedAt + o.livenessMs);
  const violations: string[] = [];
  if (liveAt === undefined) violations.push(`liveness: no write committed within ${o.livenessMs} ms of healing`);

  // ---------------- quiesce and converge
  clientsOn = false;
  const convergeBy = q.now + 5000;
  while (q.now < convergeBy) {
    q.runUntil(q.now + 100);
    const l = sim.leader();
    const voters = l ? sim.nodes.get(l)!.core!.status().voters : sim.ids;
    const applied = new Set(voters.map((id) => sim.nodes.get(id)!.fsm.applied));
    const commit = new Set(voters.map((id) => sim.nodes.get(id)!.core!.status().commit));
    if (applied.size === 1 && commit.size === 1 && q.now > healedAt + o.livenessMs + o.opTimeoutMs) break;
  }
  violations.unshift(...sim.violations);
  // Removed nodes stop receiving the log; only the final voters must converge.
  const finalLeader = sim.leader();
  const members = finalLeader ? sim.nodes.get(finalLeader)!.core!.status().voters : sim.ids;
  const digests = new Set(members.map((id) => sim.nodes.get(id)!.fsm.digest()));
  if (digests.size !== 1) violations.push("convergence: state machines differ after healing");
  const applied = members.map((id) => sim.nodes.get(id)!.fsm.applied);
  if (new Set(applied).size !== 1) violations.push(`convergence: applied indexes differ: ${applied.join(",")}`);

  // Log matching (§5.3): same index and term ⇒ same entry, and identical prefixes.
  const logs = sim.ids.map((id) => sim.nodes.get(id)!.core!.entries());
  for (let i = 0; i < logs.length; i++) {
    for (let j = i + 1; j < logs.length; j++) {
      const a = new Map(logs[i]!.map((e) => [e.index, e]));
      for (const e of logs[j]!) {
        const f = a.get(e.index);
        if (f && f.term === e.term && Buffer.compare(Buffer.from(f.data), Buffer.from(e.data)) !== 0) {
          violations.push(`log matching: index ${e.index} term ${e.term} differs between ${sim.ids[i]} and ${sim.ids[j]}`);
        }
      }
      // Prefix: if terms match at the highest common index, all earlier common indexes match too.
      let matched = false;
      for (const e of [...logs[j]!].reverse()) {
        const f = a.get(e.index);
        if (!f) continue;
        if (f.term === e.term) matched = true;
        else if (matched) violations.push(`log matching: ${sim.ids[i]} and ${sim.ids[j]} agree at a later index but differ at ${e.index}`);
      }
    }
  }
  // Every acknowledged write is in the final history.
  for (const a of acked) {
    const sig = sim.appliedAt.get(a.index);
    if (!sig || !sig.includes(`"req":"${a.req}"`)) violations.push(`durability: acknowledged write ${a.req} at ${a.index} is missing`);
  }

  const lin = checkKvHistory(history);
  if (lin.result === "illegal") violations.push(`linearizability: key ${lin.key} history is not linearizable`);
  return {
    seed,
    violations: [...new Set(violations)],
    linearizability: lin.result,
    ops: history.length,
    pending: history.filter((h) => h.output === undefined).length,
    stats: sim.stats,
    simMs: q.now,
  };
}
