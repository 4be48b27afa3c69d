/**
 * `npm run bench -- multidc`: the forwarding overhead of a query naming
 * another datacenter (two datacenters of three servers on loopback, in one
 * process, federated by WAN gossip), how long failover takes to reach a
 * resolver after the last local instance fails, and how long a datacenter
 * that stops answering takes to be reported unreachable (and reachable again
 * once it answers).
 */
import { Agent } from "../lib/index.js";
import { WAN_UNREACHABLE_DETECTION_MS_MAX } from "../lib/agent/wan.js";
import { freePorts, median, percentile, type BenchContext } from "./harness.js";

const QUERIES = 400;
/** Cut-and-heal rounds for the unreachability figure. */
const CUTS = 7;


async function datacenter(dc: string, joinWan: string[] = []): Promise<{ servers: Agent[]; rpc: string[]; wan: string[] }> {
  const rpc = (await freePorts(3)).map((p) => `127.0.0.1:${p}`);
  const servers = await Promise.all(rpc.map((addr, i) => Agent.start({
    mode: "raft", server: true, datacenter: dc, node: `${dc}-s${i}`, rpc: addr, join: rpc.filter((a) => a !== addr),
    bootstrapExpect: 3, http: "127.0.0.1:0", bindWan: "127.0.0.1:0", joinWan,
  })));
  // Each server's WAN gossip address, from its own entry (`NODE.DC`) in the WAN pool.
  const wan = servers.map((s) => s.members({ wan: true }).find((m) => m.name === `${s.node}.${dc}`)!).map((m) => `${m.address}:${m.port}`);
  return { servers, rpc, wan };
}

async function until(fn: () => boolean | Promise<boolean>, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!(await fn())) {
    if (Date.now() > end) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 5));
  }
}

export default async function multiDcBench(ctx: BenchContext): Promise<void> {
  const keepAlive = setInterval(() => {}, 1000);
  const dc2 = await datacenter("dc2");
  const dc1 = await datacenter("dc1", [dc2.wan[0]!]);
  try {
    const base = `http://127.0.0.1:${dc1.servers[0]!.httpAddress!.port}`;
    await until(async () => (await fetch(`${base}/v1/catalog/services?dc=dc2`)).status === 200, 20_000);
    await dc1.servers[1]!.register({ name: "api", port: 1, check: { ttl: "30s" } });
    await dc2.servers[1]!.register({ name: "api", port: 2, check: { ttl: "30s" } });
    const time = async (url: string): Promise<number[]> => {
      const out: number[] = [];
      for (let i = 0; i < QUERIES; i++) {
        const t0 = performance.now();
        await (await fetch(url)).arrayBuffer();
        out.push(performance.now() - t0);
      }
      return out;
    };
    const local = await time(`${base}/v1/health/service/api?passing&stale`);
    const remote = await time(`${base}/v1/health/service/api?passing&stale&dc=dc2`);
    ctx.record({ case: "health query, local dc (HTTP, p50)", value: median(local), unit: "ms", p99Ms: percentile(local, 99) });
    ctx.record({ case: "health query, ?dc=dc2 forwarded (HTTP, p50)", value: median(remote), unit: "ms", p99Ms: percentile(remote, 99) });
    ctx.record({ case: "forwarding overhead (p50 remote - local)", value: median(remote) - median(local), unit: "ms" });

    const client = dc1.servers[2]!;
    const failovers: number[] = [];
    for (let round = 0; round < 5; round++) {
      const reg = await client.register({ name: "web", id: "web-local", port: 10, check: { ttl: "30s" } });
      await dc2.servers[0]!.register({ name: "web", id: "web-remote", port: 20, check: { ttl: "30s" } });
      const web = client.discover("web", { failover: ["dc2"] });
      await web.ready();
      await until(() => web.instances()[0]?.id === "web-local", 10_000);
      const t0 = performance.now();
      await reg.fail("bench");
      await until(() => web.instances()[0]?.id === "web-remote", 10_000);
      failovers.push(performance.now() - t0);
      web.close();
      await reg.deregister();
    }
    ctx.record({ case: "failover to dc2 after the last local instance fails (median of 5)", value: median(failovers), unit: "ms", runs: failovers.map((v) => v.toFixed(1)).join("/") });

    // dc2's servers stop answering RPC (as a WAN partition or SIGSTOP would look from dc1).
    const cut = (on: boolean): void => {
      for (const s of dc2.servers) {
        const rpc = (s as unknown as { backend: { rpc: { setFilter(f: ((d: string, p: string) => boolean) | undefined): void } } }).backend.rpc;
        rpc.setFilter(on ? (_d, peer) => dc2.rpc.includes(peer) : undefined);
      }
    };
    const status = async (): Promise<number> => {
      const res = await fetch(`${base}/v1/catalog/services?dc=dc2`);
      await res.arrayBuffer();
      return res.status;
    };
    const unreachable: number[] = [];
    const reachable: number[] = [];
    for (let round = 0; round < CUTS; round++) {
      // A random phase against the WAN ping rounds, so the figure is not always the best or the worst case.
      await new Promise((r) => setTimeout(r, Math.random() * 2000));
      const t0 = performance.now();
      cut(true);
      await until(async () => (await status()) === 500, 20_000);
      unreachable.push(performance.now() - t0);
      await new Promise((r) => setTimeout(r, Math.random() * 2000));
      const t1 = performance.now();
      cut(false);
      await until(async () => (await status()) === 200, 20_000);
      reachable.push(performance.now() - t1);
    }
    ctx.record({
      case: `dead datacenter reported unreachable (HTTP 500 "No path to datacenter"), median of ${CUTS}`, value: median(unreachable), unit: "ms",
      maxMs: Math.max(...unreachable).toFixed(1), boundMs: WAN_UNREACHABLE_DETECTION_MS_MAX,
    });
    ctx.record({ case: `forwarding back after the datacenter answers again, median of ${CUTS}`, value: median(reachable), unit: "ms", maxMs: Math.max(...reachable).toFixed(1) });
  } finally {
    clearInterval(keepAlive);
    await Promise.all([...dc1.servers, ...dc2.servers].map((s) => s.close()));
  }
}
