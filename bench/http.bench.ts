/**
 * `npm run bench -- http`: requests/s and p99 of
 * /v1/health/service/NAME?passing with 100 instances (autocannon, 100
 * connections), beside a bare node:http server returning the same bytes,
 * measured in the same run; and the memory 10,000 concurrent blocking
 * queries take in one agent.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import autocannon from "autocannon";
import { Agent } from "../lib/index.js";
import { median, type BenchContext } from "./harness.js";

const DURATION_S = Number(process.env["HTTP_BENCH_SECONDS"] ?? 5);
const ROUNDS = 3;
const BLOCKING = 10_000;

async function cannon(url: string): Promise<{ rps: number; p99: number }> {
  const r = await autocannon({ url, connections: 100, duration: DURATION_S });
  return { rps: r.requests.average, p99: r.latency.p99 };
}

export default async function httpBench(ctx: BenchContext): Promise<void> {
  const agent = await Agent.start({ node: "bench", http: "127.0.0.1:0" });
  const base = `http://127.0.0.1:${agent.httpAddress!.port}`;
  for (let i = 0; i < 100; i++) {
    await agent.register({ name: "web", id: `web-${i}`, address: `10.0.${i >> 8}.${i & 255}`, port: 8000 + i, check: { ttl: "60s" } });
  }
  const path = "/v1/health/service/web?passing";
  const body = Buffer.from(await (await fetch(base + path)).arrayBuffer());
  const bare: Server = createServer((_req, res) => {
    res.setHeader("Content-Type", "application/json");
    res.setHeader("X-Consul-Index", "1");
    res.end(body);
  });
  await new Promise<void>((r) => bare.listen(0, "127.0.0.1", () => r()));
  const bareUrl = `http://127.0.0.1:${(bare.address() as AddressInfo).port}${path}`;
  const ours: number[] = [];
  const bares: number[] = [];
  const oursP99: number[] = [];
  const bareP99: number[] = [];
  try {
    for (let round = 0; round < ROUNDS; round++) {
      const a = await cannon(base + path);
      const b = await cannon(bareUrl);
      ours.push(a.rps); oursP99.push(a.p99);
      bares.push(b.rps); bareP99.push(b.p99);
    }
    ctx.record({ case: `disco ${path} (100 instances, ${body.length} B)`, value: Math.round(median(ours)), unit: "req/s", p99Ms: median(oursP99) });
    ctx.record({ case: "bare node:http, same bytes", value: Math.round(median(bares)), unit: "req/s", p99Ms: median(bareP99) });
    ctx.record({ case: "ratio disco / bare", value: Number((median(ours) / median(bares)).toFixed(2)), unit: "x", goal: ">=0.70" });

    // 10,000 blocking queries held at once: memory they take.
    const index = Number((await fetch(`${base}/v1/kv/none`)).headers.get("x-consul-index"));
    globalThis.gc?.();
    const before = process.memoryUsage().heapUsed;
    const controllers: AbortController[] = [];
    const pending: Promise<unknown>[] = [];
    for (let i = 0; i < BLOCKING; i++) {
      const ac = new AbortController();
      controllers.push(ac);
      pending.push(fetch(`${base}/v1/kv/key-${i}?index=${index}&wait=60s`, { signal: ac.signal }).catch(() => undefined));
    }
    const end = Date.now() + 30_000;
    // eslint-disable-next-line no-unmodified-loop-condition
    while (Date.now() < end) {
      const self = (await (await fetch(`${base}/v1/agent/metrics`)).json()) as { Gauges: { Name: string; Value: number }[] };
      if ((self.Gauges.find((g) => g.Name === "disco.http.blocking.queries")?.Value ?? 0) >= BLOCKING) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    globalThis.gc?.();
    const after = process.memoryUsage().heapUsed;
    ctx.record({ case: `${BLOCKING} blocking queries held (server and client in one process)`, value: Math.round((after - before) / BLOCKING), unit: "B/query", heapMiB: Math.round((after - before) / 1048576) });
    for (const ac of controllers) ac.abort();
    await Promise.all(pending);
  } finally {
    bare.close();
    await agent.close();
  }
}
