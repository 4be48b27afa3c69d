/**
 * `npm run bench -- http`:
 *
 * 1. requests/s and p99 of /v1/health/service/NAME?passing with 100
 *    instances (autocannon, 100 connections, in this process), beside a bare
 *    node:http server answering the same status, headers and bytes, measured
 *    in alternating rounds of the same run;
 * 2. the CPU time each server spends per request, each in its own child
 *    process (user + system time from process.cpuUsage over a fixed number
 *    of requests): the server's own cost, apart from the load generator's and
 *    from other work on the machine, which requests/s on a shared 2-core
 *    machine is not;
 * 3. what 10,000 concurrent blocking queries held by one agent cost it: the
 *    agent runs in a child process, so its heap and RSS growth are measured
 *    without the client's share (reported apart).
 *
 * The child processes are this file run again with DISCO_HTTP_BENCH_CHILD set.
 */
import { fork, type ChildProcess } from "node:child_process";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import autocannon from "autocannon";
import { Agent } from "../lib/index.js";
import { median, type BenchContext } from "./harness.js";

const DURATION_S = Number(process.env["HTTP_BENCH_SECONDS"] ?? 5);
/** Alternating rounds per figure; medians are reported. */
const ROUNDS = 3;
/** Requests per CPU-time round (and a fifth as many to warm up before it). */
const CPU_REQUESTS = 20_000;
const BLOCKING = 10_000;
/** How long the 10,000 queries get to reach the agent (each opens a connection). */
const BLOCKING_SETTLE_MS = 60_000;
const INSTANCES = 100;
const CONNECTIONS = 100;
const PATH = "/v1/health/service/web?passing";
/** Headers node:http adds itself; the bare server leaves them to it as the agent does. */
const NODE_HEADERS = new Set(["date", "connection", "keep-alive", "transfer-encoding"]);
const CHILD_ENV = "DISCO_HTTP_BENCH_CHILD";

/** What a child process is asked over IPC, and answers. */
type ChildAsk =
  | { op: "bare"; body: string; headers: string[] }
  | { op: "cpu" }
  | { op: "memory" }
  | { op: "stop" };

async function startAgent(): Promise<Agent> {
  const agent = await Agent.start({ node: "bench", http: "127.0.0.1:0" });
  for (let i = 0; i < INSTANCES; i++) {
    await agent.register({ name: "web", id: `web-${i}`, address: `10.0.${i >> 8}.${i & 255}`, port: 8000 + i, check: { ttl: "60s" } });
  }
  return agent;
}

/** A server answering every request with one status, header list and body, written the cheapest way node:http offers. */
async function startBare(body: Buffer, headers: string[]): Promise<Server> {
  const server = createServer((_req, res) => {
    res.writeHead(200, headers);
    res.end(body);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  return server;
}

/** The agent's answer to PATH: its body and the headers node:http does not add itself, as a flat list. */
async function answerOf(base: string): Promise<{ body: Buffer; headers: string[] }> {
  const res = await fetch(base + PATH);
  const body = Buffer.from(await res.arrayBuffer());
  const headers: string[] = [];
  res.headers.forEach((value, name) => {
    if (!NODE_HEADERS.has(name)) headers.push(name, value);
  });
  return { body, headers };
}

/** Status line and header bytes of one answer, to check both servers send the same. */
async function headerBytes(url: string): Promise<number> {
  const { request } = await import("node:http");
  return new Promise((resolve, reject) => {
    request(url, (res) => {
      res.resume();
      res.on("end", () => {
        let n = `HTTP/1.1 ${res.statusCode} ${res.statusMessage}\r\n`.length + 2;
        for (let i = 0; i < res.rawHeaders.length; i += 2) n += `${res.rawHeaders[i]}: ${res.rawHeaders[i + 1]}\r\n`.length;
        resolve(n);
      });
    }).on("error", reject).end();
  });
}

async function cannon(url: string): Promise<{ rps: number; p99: number }> {
  const r = await autocannon({ url, connections: CONNECTIONS, duration: DURATION_S });
  return { rps: r.requests.average, p99: r.latency.p99 };
}

export default async function httpBench(ctx: BenchContext): Promise<void> {
  const answer = await throughput(ctx);
  await serverCpu(ctx, answer);
  await blockingMemory(ctx);
}

/** 1. Requests/s, agent and bare server in this process with the load generator. */
async function throughput(ctx: BenchContext): Promise<{ body: Buffer; headers: string[] }> {
  const agent = await startAgent();
  const base = `http://127.0.0.1:${agent.httpAddress!.port}`;
  const answer = await answerOf(base);
  const bare = await startBare(answer.body, answer.headers);
  const bareUrl = `http://127.0.0.1:${(bare.address() as AddressInfo).port}${PATH}`;
  try {
    const [oursHead, bareHead] = [await headerBytes(base + PATH), await headerBytes(bareUrl)];
    const ours: number[] = [], bares: number[] = [], oursP99: number[] = [], bareP99: number[] = [], ratios: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const a = await cannon(base + PATH);
      const b = await cannon(bareUrl);
      ours.push(a.rps); oursP99.push(a.p99);
      bares.push(b.rps); bareP99.push(b.p99);
      ratios.push(a.rps / b.rps);
    }
    const size = `${answer.body.length} B body`;
    ctx.record({ case: `disco ${PATH} (${INSTANCES} instances, ${size})`, value: Math.round(median(ours)), unit: "req/s", p99Ms: median(oursP99), headerBytes: oursHead });
    ctx.record({ case: "bare node:http, same status, headers and body", value: Math.round(median(bares)), unit: "req/s", p99Ms: median(bareP99), headerBytes: bareHead });
    ctx.record({
      case: "ratio disco / bare (medians)", value: Number((median(ours) / median(bares)).toFixed(2)), unit: "x", goal: ">=0.70",
      rounds: ratios.map((r) => r.toFixed(2)).join("/"),
    });
  } finally {
    bare.close();
    await agent.close();
  }
  return answer;
}

/** 2. Server CPU time per request, each server alone in a child process. */
async function serverCpu(ctx: BenchContext, answer: { body: Buffer; headers: string[] }): Promise<void> {
  const agent = await Child.start("agent");
  const bare = await Child.start("bare");
  try {
    await bare.ask({ op: "bare", body: answer.body.toString("latin1"), headers: answer.headers });
    const cost = async (c: Child): Promise<number> => {
      await autocannon({ url: c.url + PATH, connections: CONNECTIONS, amount: CPU_REQUESTS / 5 });
      const before = (await c.ask({ op: "cpu" })) as NodeJS.CpuUsage;
      await autocannon({ url: c.url + PATH, connections: CONNECTIONS, amount: CPU_REQUESTS });
      const after = (await c.ask({ op: "cpu" })) as NodeJS.CpuUsage;
      return (after.user - before.user + after.system - before.system) / CPU_REQUESTS;
    };
    const ours: number[] = [], bares: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      ours.push(await cost(agent));
      bares.push(await cost(bare));
    }
    ctx.record({ case: "disco server CPU per request (own process)", value: Number(median(ours).toFixed(1)), unit: "us/req" });
    ctx.record({ case: "bare server CPU per request (own process)", value: Number(median(bares).toFixed(1)), unit: "us/req" });
    ctx.record({ case: "ratio bare / disco CPU per request", value: Number((median(bares) / median(ours)).toFixed(2)), unit: "x" });
  } finally {
    await agent.stop();
    await bare.stop();
  }
}

/** 3. Memory of 10,000 blocking queries held by an agent in a child process. */
async function blockingMemory(ctx: BenchContext): Promise<void> {
  const agent = await Child.start("agent");
  const base = agent.url;
  const controllers: AbortController[] = [];
  const pending: Promise<unknown>[] = [];
  try {
    const index = Number((await fetch(`${base}/v1/kv/none`)).headers.get("x-consul-index"));
    const before = (await agent.ask({ op: "memory" })) as NodeJS.MemoryUsage;
    globalThis.gc?.();
    const clientBefore = process.memoryUsage().heapUsed;
    for (let i = 0; i < BLOCKING; i++) {
      const ac = new AbortController();
      controllers.push(ac);
      pending.push(fetch(`${base}/v1/kv/key-${i}?index=${index}&wait=60s`, { signal: ac.signal }).catch(() => undefined));
    }
    const end = Date.now() + BLOCKING_SETTLE_MS;
    let held = 0;
    while (Date.now() < end && held < BLOCKING) {
      const self = (await (await fetch(`${base}/v1/agent/metrics`)).json()) as { Gauges: { Name: string; Value: number }[] };
      held = self.Gauges.find((g) => g.Name === "disco.http.blocking.queries")?.Value ?? 0;
      if (held < BLOCKING) await new Promise((r) => setTimeout(r, 200));
    }
    const after = (await agent.ask({ op: "memory" })) as NodeJS.MemoryUsage;
    globalThis.gc?.();
    const clientAfter = process.memoryUsage().heapUsed;
    // Divided by the queries the agent counts as held, in case not all of them arrived in time.
    const per = (a: number, b: number): number => Math.round((b - a) / Math.max(1, held));
    ctx.record({
      case: `${BLOCKING} blocking queries held, agent heap (own process)`, value: per(before.heapUsed, after.heapUsed), unit: "B/query",
      held, heapMiB: Math.round((after.heapUsed - before.heapUsed) / 1048576),
    });
    ctx.record({ case: `${BLOCKING} blocking queries held, agent RSS (own process)`, value: per(before.rss, after.rss), unit: "B/query" });
    ctx.record({ case: `${BLOCKING} blocking queries held, client heap (fetch, this process)`, value: Math.round((clientAfter - clientBefore) / BLOCKING), unit: "B/query" });
  } finally {
    for (const ac of controllers) ac.abort();
    await Promise.all(pending);
    await agent.stop();
  }
}

/** A server in a child process (this file, run with CHILD_ENV set), driven over IPC. */
class Child {
  private constructor(private readonly proc: ChildProcess, readonly url: string) {}

  static async start(kind: "agent" | "bare"): Promise<Child> {
    const proc = fork(fileURLToPath(import.meta.url), [], {
      execArgv: ["--import", "tsx", "--expose-gc"], env: { ...process.env, [CHILD_ENV]: kind }, stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    const port = await new Promise<number>((resolve, reject) => {
      proc.once("message", (m) => resolve((m as { port: number }).port));
      proc.once("exit", (code) => reject(new Error(`bench child exited with ${code}`)));
    });
    return new Child(proc, `http://127.0.0.1:${port}`);
  }

  ask(message: ChildAsk): Promise<unknown> {
    return new Promise((resolve) => {
      this.proc.once("message", resolve);
      this.proc.send(message);
    });
  }

  async stop(): Promise<void> {
    if (this.proc.exitCode !== null) return;
    const exited = new Promise((r) => this.proc.once("exit", r));
    this.proc.send({ op: "stop" } satisfies ChildAsk);
    await exited;
  }
}

/** The child side: an agent (with the instances) or a bare server, answering IPC asks. */
async function runChild(kind: string): Promise<void> {
  let server: Server | undefined;
  let agent: Agent | undefined;
  const listen = (port: number): void => void process.send!({ port });
  if (kind === "agent") {
    agent = await startAgent();
    listen(agent.httpAddress!.port);
  } else {
    server = createServer();
    await new Promise<void>((r) => server!.listen(0, "127.0.0.1", () => r()));
    listen((server.address() as AddressInfo).port);
  }
  process.on("message", async (m: ChildAsk) => {
    switch (m.op) {
      case "bare": {
        const body = Buffer.from(m.body, "latin1");
        server!.on("request", (_req, res) => {
          res.writeHead(200, m.headers);
          res.end(body);
        });
        process.send!("ok");
        break;
      }
      case "cpu":
        process.send!(process.cpuUsage());
        break;
      case "memory":
        globalThis.gc?.();
        process.send!(process.memoryUsage());
        break;
      case "stop":
        server?.close();
        server?.closeAllConnections();
        await agent?.close();
        process.exit(0);
    }
  });
}

const childKind = process.env[CHILD_ENV];
if (childKind) await runChild(childKind);
