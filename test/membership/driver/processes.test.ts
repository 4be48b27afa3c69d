import t from "tap";
import { childEnv } from "../../support/child-env.js";
import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { waitFor } from "./helpers.js";

const fixture = fileURLToPath(new URL("../fixtures/gossip-agent.ts", import.meta.url));
/** Eleven processes: one seed and ten joiners. */
const PROCESSES = 11;
/** FAST timings (see helpers.ts), so detection takes seconds. */
const OVERRIDES = { probeIntervalMs: 500, probeTimeoutMs: 150, gossipIntervalMs: 50, retransmitMult: 4, pushPullIntervalMs: 3000 };
/** Bound on waiting for one answer from a child. */
const ANSWER_MS = 3000;

interface View {
  members: Array<{ name: string; status: string; incarnation: number }>;
  events: string[];
}

interface Agent {
  name: string;
  port: number;
  proc: ChildProcess;
  waiters: Map<string, (msg: Record<string, unknown>) => void>;
  nextId: number;
}

function spawnAgent(name: string, port: number, join?: string): Promise<Agent> {
  const args = JSON.stringify({ name, port, overrides: OVERRIDES, ...(join ? { join: [join] } : {}) });
  const proc = spawn(process.execPath, ["--import", "tsx", fixture, args], { env: childEnv(), stdio: ["pipe", "pipe", "inherit"] });
  const agent: Agent = { name, port, proc, waiters: new Map(), nextId: 1 };
  return new Promise((resolve, reject) => {
    proc.once("exit", (code) => reject(new Error(`${name} exited with ${code} before it was ready`)));
    createInterface({ input: proc.stdout! }).on("line", (line) => {
      let msg: Record<string, unknown>;
      try {
        msg = JSON.parse(line) as Record<string, unknown>;
      } catch {
        return;
      }
      if (msg["type"] === "ready") {
        agent.port = msg["port"] as number;
        resolve(agent);
        return;
      }
      const id = String(msg["id"]);
      agent.waiters.get(id)?.(msg);
      agent.waiters.delete(id);
    });
  });
}

const alive = (a: Agent): boolean => a.proc.exitCode === null && a.proc.signalCode === null;

function ask(a: Agent, cmd: string, arg = ""): Promise<Record<string, unknown>> {
  const id = String(a.nextId++);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      a.waiters.delete(id);
      reject(new Error(`${a.name} did not answer "${cmd}" within ${ANSWER_MS} ms`));
    }, ANSWER_MS);
    a.waiters.set(id, (msg) => {
      clearTimeout(timer);
      resolve(msg);
    });
    a.proc.stdin!.write(`${cmd} ${id}${arg ? " " + arg : ""}\n`);
  });
}

async function views(agents: Agent[]): Promise<Map<string, View>> {
  const answers = await Promise.all(agents.map(async (a) => [a.name, (await ask(a, "members")) as unknown as View] as const));
  return new Map(answers);
}

/** True when every agent in `viewers` sees `who` with `status`. */
async function allSee(viewers: Agent[], who: string, status: string): Promise<boolean> {
  const v = await views(viewers);
  return [...v.values()].every((view) => view.members.some((m) => m.name === who && m.status === status));
}

function kill(a: Agent): Promise<void> {
  if (!alive(a)) return Promise.resolve();
  return new Promise((resolve) => {
    a.proc.once("exit", () => resolve());
    a.proc.kill("SIGKILL");
  });
}

t.test("gossip processes: 11 agent processes join via one seed; SIGKILL → failed everywhere; leave → left; restart with the same name → alive again", async (t) => {
  const agents: Agent[] = [];
  t.teardown(() => Promise.all(agents.map(kill)));
  const seed = await spawnAgent("p0", 0);
  agents.push(seed);
  const seedAddr = `127.0.0.1:${seed.port}`;
  agents.push(...(await Promise.all(Array.from({ length: PROCESSES - 1 }, (_, i) => spawnAgent(`p${i + 1}`, 0, seedAddr)))));
  const names = agents.map((a) => a.name);
  const t0 = Date.now();
  const allAlive = async (): Promise<boolean> => {
    const v = await views(agents);
    return [...v.values()].every((view) => names.every((n) => view.members.some((m) => m.name === n && m.status === "alive")));
  };
  await waitFor(allAlive, 20_000, "all 11 processes to see all 11 alive");
  const convergedMs = Date.now() - t0;
  t.ok(await allAlive(), `all ${PROCESSES} processes see all ${PROCESSES} alive (${convergedMs} ms after the last started)`);

  await ask(agents[3]!, "event", "hello");
  const eventEverywhere = async (): Promise<boolean> => [...(await views(agents)).values()].every((v) => v.events.includes("hello"));
  await waitFor(eventEverywhere, 5000, "the user event everywhere");
  t.ok(await eventEverywhere(), "a user event fired in one process reaches every process");

  const victim = agents[10]!;
  const t1 = Date.now();
  await kill(victim);
  const survivors = agents.filter((a) => a !== victim);
  await waitFor(() => allSee(survivors, victim.name, "failed"), 15_000, "the SIGKILLed agent to be failed everywhere");
  const detectedMs = Date.now() - t1;
  t.ok(await allSee(survivors, victim.name, "failed"), `the SIGKILLed process is failed in all ${survivors.length} others after ${detectedMs} ms`);

  const leaver = agents[9]!;
  const exited = new Promise<number | null>((r) => leaver.proc.once("exit", (c) => r(c)));
  const left = await ask(leaver, "leave");
  t.equal(left["type"], "left");
  t.equal(await exited, 0, "the leaver exits cleanly after leave() and close()");
  const remaining = survivors.filter((a) => a !== leaver);
  await waitFor(() => allSee(remaining, leaver.name, "left"), 5000, "the leaver to be left everywhere");
  t.ok(await allSee(remaining, leaver.name, "left"), "a graceful leave is seen as left by all (not failed)");

  const reborn = await spawnAgent(victim.name, victim.port, seedAddr);
  agents[10] = reborn;
  t.equal(reborn.port, victim.port, "restarted on the same port");
  const all = [...remaining, reborn];
  await waitFor(() => allSee(all, victim.name, "alive"), 15_000, "the restarted agent to be alive everywhere");
  const v = await views(remaining);
  const inc = v.get("p0")!.members.find((m) => m.name === victim.name)!.incarnation;
  t.ok(inc >= 1, `it refuted its failure with a higher incarnation (${inc})`);
  const rebornView = (await views([reborn])).get(victim.name)!;
  t.notOk(rebornView.members.some((m) => m.name === leaver.name && m.status === "alive"), "it does not resurrect the member that left");
  t.ok(names.filter((n) => n !== leaver.name).every((n) => rebornView.members.some((m) => m.name === n && m.status === "alive")), "and sees every live member");
});
