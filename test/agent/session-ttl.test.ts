import t from "tap";
import { Agent } from "../../lib/index.js";
import { SESSION_TTL_MULTIPLIER, SESSION_TTL_SCAN_MS, SessionTtlKeeper } from "../../lib/agent/session-ttl.js";
import type { CatalogCommand } from "../../lib/catalog/index.js";
import type { SessionRecord } from "../../lib/catalog/types.js";
import { ManualTimers } from "../../lib/util/timers.js";
import { silentLogger } from "../../lib/util/logger.js";
import { freePorts, waitFor } from "./helpers.js";

function fakeState() {
  const sessions = new Map<string, SessionRecord>();
  const renewed = new Map<string, number>();
  const proposals: CatalogCommand[] = [];
  let leader = true;
  let failProposals = false;
  const add = (id: string, ttlMs: number, index: number): void => {
    sessions.set(id, { id, name: "", node: "n1", checks: [], ttlMs, behavior: "release", lockDelayMs: 0, createIndex: index, modifyIndex: index });
  };
  return {
    add, sessions, renewed, proposals,
    setLeader: (v: boolean) => void (leader = v),
    setFailing: (v: boolean) => void (failProposals = v),
    deps: {
      sessions: () => [...sessions.values()],
      renewedAt: (id: string) => renewed.get(id) ?? sessions.get(id)?.modifyIndex,
      isLeader: () => leader,
      propose: async (cmd: CatalogCommand) => {
        proposals.push(cmd);
        if (failProposals) throw new Error("no leader");
        if (cmd.op === "session-destroy") sessions.delete(cmd.id);
        return { ok: true as const, value: undefined };
      },
    },
  };
}

async function flush(): Promise<void> {
  for (let i = 0; i < 5; i++) await Promise.resolve();
}

t.test("session TTL keeper: destroys a session not renewed for ttl × 2 (Consul's SessionTTLMultiplier), not before", async (t) => {
  const timers = new ManualTimers();
  const s = fakeState();
  const keeper = new SessionTtlKeeper({ ...s.deps, timers, logger: silentLogger });
  s.add("a", 10_000, 5);
  s.add("no-ttl", 0, 6);
  keeper.start();
  timers.advance(SESSION_TTL_SCAN_MS); // first sighting starts the clock
  timers.advance(10_000 * SESSION_TTL_MULTIPLIER - SESSION_TTL_SCAN_MS);
  await flush();
  t.same(s.proposals, [], "one scan before the deadline: nothing destroyed");
  timers.advance(SESSION_TTL_SCAN_MS);
  await flush();
  t.match(s.proposals, [{ op: "session-destroy", id: "a" }], "destroyed at the deadline; the session without TTL is left alone");
  timers.advance(SESSION_TTL_SCAN_MS * 5);
  await flush();
  t.equal(s.proposals.length, 1, "destroyed once");
  keeper.stop();
  t.equal(timers.size, 0);
});

t.test("session TTL keeper: a renewal applied from anywhere restarts the clock", async (t) => {
  const timers = new ManualTimers();
  const s = fakeState();
  const keeper = new SessionTtlKeeper({ ...s.deps, timers, logger: silentLogger });
  t.teardown(() => keeper.stop());
  s.add("a", 10_000, 5);
  keeper.start();
  for (let i = 0; i < 6; i++) {
    timers.advance(15_000);
    s.renewed.set("a", 100 + i); // renewed every 15 s (a TTL of 10 s still has its grace)
  }
  await flush();
  t.same(s.proposals, [], "90 s of renewals every 15 s: still alive");
  timers.advance(20_000 + 2 * SESSION_TTL_SCAN_MS);
  await flush();
  t.match(s.proposals, [{ op: "session-destroy", id: "a" }], "renewals stop: destroyed");
});

t.test("session TTL keeper: only the leader expires; a new leadership starts from a full grace; a failed destroy is retried", async (t) => {
  const timers = new ManualTimers();
  const s = fakeState();
  const keeper = new SessionTtlKeeper({ ...s.deps, timers, logger: silentLogger });
  t.teardown(() => keeper.stop());
  s.add("a", 10_000, 5);
  s.setLeader(false);
  keeper.start();
  timers.advance(60_000);
  await flush();
  t.same(s.proposals, [], "a follower never destroys");
  s.setLeader(true);
  timers.advance(19_000);
  await flush();
  t.same(s.proposals, [], "just elected: the clock starts now, not at creation");
  s.setFailing(true);
  timers.advance(2 * SESSION_TTL_SCAN_MS);
  await flush();
  t.equal(s.proposals.length, 1, "the destroy is proposed and fails");
  s.setFailing(false);
  timers.advance(SESSION_TTL_SCAN_MS);
  await flush();
  t.equal(s.proposals.length, 2, "the next scan tries again");
  t.notOk(s.sessions.has("a"), "and the session is gone");
});

t.test("raft: a TTL session created on one server and renewed through another stays; unrenewed, the leader destroys it and its lock is released", async (t) => {
  const ports = await freePorts(3);
  const addrs = ports.map((p) => `127.0.0.1:${p}`);
  const agents = await Promise.all(addrs.map((rpc, i) => Agent.start({
    mode: "raft", server: true, node: `s${i}`, rpc, join: addrs.filter((a) => a !== rpc), bootstrapExpect: 3, http: "127.0.0.1:0",
  })));
  t.teardown(() => Promise.all(agents.map((a) => a.close())));
  const keepAlive = setInterval(() => {}, 1000);
  t.teardown(() => clearInterval(keepAlive));
  await waitFor(() => agents.every((a) => a.raft.leader() !== undefined), 10_000, "a leader");
  await waitFor(async () => (await agents[0]!.catalog.node("s0")) !== undefined, 10_000, "s0 registered");
  const leaderAddr = agents[0]!.raft.leader()!.address;
  // Create on a follower; renew through the other follower's HTTP API, so neither the creator nor the leader renews.
  const followers = agents.filter((a) => (a as unknown as { options: { rpc: string } }).options.rpc !== leaderAddr);
  t.equal(followers.length, 2, "two followers");
  const [creator, renewer] = followers as [Agent, Agent];
  const kept = await creator.session.create({ ttl: "10s" });
  const dropped = await creator.session.create({ ttl: "10s", lockDelay: "0s" });
  t.equal(await creator.kv.put("locks/a", "held", { acquire: dropped }), true);
  const renewUrl = `http://127.0.0.1:${renewer.httpAddress!.port}/v1/session/renew/${kept}`;
  const started = Date.now();
  const renewals = setInterval(() => void fetch(renewUrl, { method: "PUT" }).then((r) => r.arrayBuffer()).catch(() => {}), 4000);
  t.teardown(() => clearInterval(renewals));
  await waitFor(async () => (await fetch(`http://127.0.0.1:${renewer.httpAddress!.port}/v1/session/info/${dropped}`).then((r) => r.json()) as unknown[]).length === 0,
    40_000, "the unrenewed session to be destroyed");
  const tookMs = Date.now() - started;
  t.ok(tookMs >= 10_000 * SESSION_TTL_MULTIPLIER - 1000, `destroyed after ${tookMs} ms, not before ttl × 2`);
  const lock = await renewer.kv.get("locks/a", { consistency: "consistent" });
  t.equal(lock?.session, undefined, "its lock is released");
  t.ok(renewer.session.list().some((s) => s.id === kept), "the session renewed through another agent is still there");
  t.ok(creator.session.list().some((s) => s.id === kept), "the creator sees it too");
  await t.rejects(renewer.session.renew(dropped), { name: "SessionInvalidError" }, "renewing a destroyed session fails");
});
