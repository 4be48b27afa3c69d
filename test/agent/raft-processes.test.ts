import t from "tap";
import { childEnv } from "../support/child-env.js";
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { checkKvHistory, type Operation } from "../support/linearizability.js";
import { freePorts, tempDir, waitFor } from "./helpers.js";

const fixture = fileURLToPath(new URL("./fixtures/raft-server.ts", import.meta.url));

interface Server {
  name: string;
  rpc: string;
  http: string;
  dataDir: string;
  proc?: ChildProcess;
}

function startServer(s: Server, peers: string[]): Promise<void> {
  const proc = spawn(process.execPath, ["--import", "tsx", fixture, s.name, s.rpc, s.http.split(":")[1]!, s.dataDir, peers.join(",")], {
    stdio: ["pipe", "pipe", "inherit"], env: childEnv(),
  });
  s.proc = proc;
  return new Promise((resolve, reject) => {
    let out = "";
    const onData = (c: Buffer): void => {
      out += c.toString();
      if (out.includes("READY")) {
        proc.stdout!.off("data", onData);
        resolve();
      }
    };
    proc.stdout!.on("data", onData);
    proc.once("exit", (code) => reject(new Error(`${s.name} exited with ${code} before it was ready`)));
  });
}

function kill(s: Server): Promise<void> {
  const proc = s.proc;
  if (!proc || proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    proc.once("exit", () => resolve());
    proc.kill("SIGKILL");
  });
}

async function leaderOf(servers: Server[]): Promise<Server | undefined> {
  for (const s of servers) {
    // A SIGKILLed child has exitCode null and signalCode set.
    if (!s.proc || s.proc.exitCode !== null || s.proc.signalCode !== null) continue;
    try {
      const res = await fetch(`http://${s.http}/v1/status/leader`, { signal: AbortSignal.timeout(500) });
      const rpc = (await res.json()) as string;
      const leader = servers.find((x) => x.rpc === rpc);
      if (leader) return leader;
    } catch {
      // try the next one
    }
  }
  return undefined;
}

t.test("raft: 3 server processes, concurrent KV clients, leader SIGKILLed and restarted, a server partitioned: the history is linearizable and nothing acknowledged is lost", async (t) => {
  const ports = await freePorts(6);
  const servers: Server[] = await Promise.all([0, 1, 2].map(async (i) => ({
    name: `s${i}`, rpc: `127.0.0.1:${ports[i]}`, http: `127.0.0.1:${ports[i + 3]}`, dataDir: await tempDir(`proc${i}`),
  })));
  const peers = servers.map((s) => s.rpc);
  t.teardown(() => Promise.all(servers.map(kill)));
  await Promise.all(servers.map((s) => startServer(s, peers)));
  await waitFor(async () => (await leaderOf(servers)) !== undefined, 15_000, "a leader");

  const history: Operation[] = [];
  const acked: Array<{ key: string; value: string }> = [];
  const started = performance.now();
  const runMs = 6000;
  let stop = false;
  const keys = ["a", "b", "c"];
  const client = async (clientId: number): Promise<void> => {
    for (let n = 0; !stop && n < 10_000; n++) {
      const target = servers[(clientId + n) % servers.length]!;
      const key = keys[(clientId * 7 + n) % keys.length]!;
      const isPut = (n + clientId) % 2 === 0;
      const value = `c${clientId}-${n}`;
      const call = performance.now();
      try {
        if (isPut) {
          const res = await fetch(`http://${target.http}/v1/kv/${key}`, { method: "PUT", body: value, signal: AbortSignal.timeout(3000) });
          const text = await res.text();
          if (res.status !== 200 || text !== "true") throw new Error(`put answered ${res.status} ${text}`);
          history.push({ clientId, input: { op: "put", key, value }, output: { ok: true }, call, return: performance.now() });
          acked.push({ key, value });
        } else {
          const res = await fetch(`http://${target.http}/v1/kv/${key}?consistent&raw`, { signal: AbortSignal.timeout(3000) });
          if (res.status === 404) history.push({ clientId, input: { op: "get", key }, output: { value: null }, call, return: performance.now() });
          else if (res.status === 200) history.push({ clientId, input: { op: "get", key }, output: { value: await res.text() }, call, return: performance.now() });
          else throw new Error(`get answered ${res.status}`);
        }
      } catch {
        // Unknown outcome: a put may or may not have happened; a failed get tells nothing.
        if (isPut) history.push({ clientId, input: { op: "put", key, value }, call, return: Number.POSITIVE_INFINITY });
        await new Promise((r) => setTimeout(r, 20));
      }
    }
  };
  const clients = [0, 1, 2, 3].map(client);

  await new Promise((r) => setTimeout(r, 1000));
  const leader = await leaderOf(servers);
  t.ok(leader, "a leader before the fault");
  await kill(leader!);
  const killedAt = performance.now();
  await waitFor(async () => {
    const l = await leaderOf(servers);
    return l !== undefined && l !== leader;
  }, 10_000, "a new leader after SIGKILL");
  t.comment(`new leader after ${Math.round(performance.now() - killedAt)} ms`);
  await new Promise((r) => setTimeout(r, 500));
  await startServer(leader!, peers);
  await new Promise((r) => setTimeout(r, 800));
  const other = servers.find((s) => s !== leader && s.proc?.exitCode === null && s.proc?.signalCode === null)!;
  other.proc!.stdin!.write("partition\n");
  await new Promise((r) => setTimeout(r, 1200));
  other.proc!.stdin!.write("heal\n");
  // Run for runMs at least, and on until enough operations completed to say something
  // (a loaded machine completes fewer in the same time); bounded either way.
  await new Promise((r) => setTimeout(r, Math.max(0, runMs - (performance.now() - started))));
  await waitFor(() => history.filter((o) => o.output).length > 50, 30_000, "more than 50 completed operations");
  stop = true;
  await Promise.all(clients);

  // After healing every server answers, and every key's final value is read consistently.
  for (const key of keys) {
    const call = performance.now();
    let value: string | null | undefined;
    await waitFor(async () => {
      try {
        const res = await fetch(`http://${servers[0]!.http}/v1/kv/${key}?consistent&raw`, { signal: AbortSignal.timeout(2000) });
        if (res.status === 404) value = null;
        else if (res.status === 200) value = await res.text();
        return value !== undefined;
      } catch {
        return false;
      }
    }, 10_000, `a final read of ${key}`);
    history.push({ clientId: 99, input: { op: "get", key }, output: { value: value ?? null }, call, return: performance.now() });
  }
  const okOps = history.filter((o) => o.output).length;
  t.ok(okOps > 50, `${okOps} operations completed (${acked.length} acknowledged puts)`);
  const verdict = checkKvHistory(history);
  t.equal(verdict.result, "ok", `the history of ${history.length} operations is linearizable`);
  for (const s of servers) {
    const res = await fetch(`http://${s.http}/v1/kv/?recurse&stale`).catch(() => undefined);
    t.equal(res?.status, 200, `${s.name} serves reads after healing`);
    await res?.arrayBuffer();
  }
});
