/**
 * DNS interface throughput on loopback: queries/s for an A and an SRV query
 * against
 * - ours (`startDnsServer`, 10 passing instances, answers shuffled per response),
 * - a bare node:dgram server sending one fixed pre-encoded answer (the same
 *   bytes ours sends, ID patched): the ceiling for a Node UDP server,
 * - a bare dns2 server building the same records per query with dns2's Packet.
 *
 * The load generator runs in a worker thread (its own event loop) with a
 * fixed window of outstanding queries; lost queries are re-sent after a
 * timeout so the window never drains. Each (server, query) runs ROUNDS times
 * for WINDOW_MS each, interleaved; the rows are medians.
 *
 * Run: `npx tsx bench/index.ts dns`. Knobs: DNS_BENCH_MS (per round, default
 * 2000), DNS_BENCH_ROUNDS (default 5), DNS_BENCH_WINDOW (outstanding queries,
 * default 64).
 */
import { createSocket, type Socket } from "node:dgram";
import { Worker } from "node:worker_threads";
import dns2 from "dns2";
import type { BenchContext } from "./harness.js";
import { median } from "./harness.js";
import { DnsResponder } from "../lib/api/dns/responder.js";
import { startDnsServer } from "../lib/api/dns/server.js";
import { silentLogger } from "../lib/util/logger.js";
import type { DnsSource } from "../lib/api/dns/source.js";
import type { HealthEntry, NodeRecord } from "../lib/catalog/types.js";
import { SeededRng } from "../lib/util/rng.js";

const RUN_MS = Number(process.env["DNS_BENCH_MS"] ?? 2000);
const ROUNDS = Number(process.env["DNS_BENCH_ROUNDS"] ?? 5);
const WINDOW = Number(process.env["DNS_BENCH_WINDOW"] ?? 64);
/** A query unanswered this long is counted lost and replaced. */
const LOST_AFTER_MS = 200;

const INSTANCES = 10;

function source(): DnsSource {
  const node: NodeRecord = { node: "n1", id: "n1", address: "10.0.0.100", datacenter: "dc1", meta: {}, createIndex: 1, modifyIndex: 1 };
  const entries: HealthEntry[] = Array.from({ length: INSTANCES }, (_, i) => ({
    node,
    service: {
      node: "n1", id: `web-${i}`, service: "web", tags: [], address: i === 0 ? "" : `10.0.1.${i}`, port: 8000 + i,
      meta: {}, weights: { passing: 1, warning: 1 }, createIndex: 1, modifyIndex: 1,
    },
    checks: [],
    status: "passing",
  }));
  return { datacenter: "dc1", healthService: () => entries, node: () => ({ node }), index: () => 1 };
}

function query(name: string, qtype: number): Buffer {
  const labels = name.split(".");
  const parts = [Buffer.from([0, 0, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0])];
  for (const l of labels) parts.push(Buffer.from([l.length]), Buffer.from(l));
  parts.push(Buffer.from([0, qtype >> 8, qtype & 0xff, 0, 1]));
  return Buffer.concat(parts);
}

const QUERIES = { A: query("web.service.disco", 1), SRV: query("_web._tcp.service.disco", 33) };

/** The load generator, plain JS for an eval'd worker: sends, counts answers, keeps WINDOW in flight. */
const LOADGEN = `
const { parentPort, workerData } = require("node:worker_threads");
const dgram = require("node:dgram");
const { port, query, window, runMs, lostAfterMs } = workerData;
const sock = dgram.createSocket("udp4");
const sentAt = new Map();
let id = 0, answered = 0, lost = 0, done = false;
const q = Buffer.from(query);
function send() {
  id = (id + 1) & 0xffff;
  const b = Buffer.from(q);
  b.writeUInt16BE(id, 0);
  sentAt.set(id, Date.now());
  sock.send(b, port, "127.0.0.1");
}
sock.on("message", (msg) => {
  const got = msg.readUInt16BE(0);
  if (!sentAt.delete(got)) return;
  answered++;
  if (!done) send();
});
sock.bind(0, "127.0.0.1", () => {
  for (let i = 0; i < window; i++) send();
  const sweep = setInterval(() => {
    const now = Date.now();
    for (const [k, t] of sentAt) if (now - t > lostAfterMs) { sentAt.delete(k); lost++; if (!done) send(); }
  }, 50);
  const started = Date.now();
  setTimeout(() => {
    done = true;
    const ms = Date.now() - started;
    clearInterval(sweep);
    sock.close();
    parentPort.postMessage({ qps: (answered / ms) * 1000, lost });
  }, runMs);
});
`;

function load(port: number, q: Buffer): Promise<{ qps: number; lost: number }> {
  return new Promise((resolve, reject) => {
    const w = new Worker(LOADGEN, {
      eval: true,
      workerData: { port, query: q, window: WINDOW, runMs: RUN_MS, lostAfterMs: LOST_AFTER_MS },
    });
    w.once("message", (m: { qps: number; lost: number }) => {
      resolve(m);
      void w.terminate();
    });
    w.once("error", reject);
  });
}

/** The bare floor: one pre-encoded answer, ID patched, sent back. */
async function bareDgram(answer: Buffer): Promise<{ port: number; close(): Promise<void> }> {
  const sock: Socket = createSocket("udp4");
  sock.on("message", (msg, rinfo) => {
    const out = Buffer.from(answer);
    out[0] = msg[0]!;
    out[1] = msg[1]!;
    sock.send(out, rinfo.port, rinfo.address);
  });
  await new Promise<void>((resolve) => sock.bind(0, "127.0.0.1", resolve));
  return { port: sock.address().port, close: () => new Promise((r) => sock.close(() => r())) };
}

/** A bare dns2 server: builds one A or SRV record per query with dns2's Packet. */
async function bareDns2(): Promise<{ port: number; close(): Promise<void> }> {
  const { Packet } = dns2;
  const server = dns2.createServer({
    udp: true,
    handle: (request, send) => {
      const res = Packet.createResponseFromRequest(request);
      const q = request.questions[0]!;
      if (q.type === Packet.TYPE.SRV) {
        res.answers.push({ name: q.name, type: Packet.TYPE.SRV, class: Packet.CLASS.IN, ttl: 0, priority: 1, weight: 1, port: 8000, target: "n1.node.dc1.disco" } as never);
        res.additionals.push({ name: "n1.node.dc1.disco", type: Packet.TYPE.A, class: Packet.CLASS.IN, ttl: 0, address: "10.0.0.100" } as never);
      } else {
        res.answers.push({ name: q.name, type: Packet.TYPE.A, class: Packet.CLASS.IN, ttl: 0, address: "10.0.1.1" } as never);
      }
      void send(res);
    },
  });
  const addrs = await server.listen({ udp: { port: 0, address: "127.0.0.1" } } as never);
  return { port: (addrs as { udp: { port: number } }).udp.port, close: () => server.close() as Promise<void> };
}

/** Our server's answer to `q`, to give the bare server the same bytes to send. */
function firstAnswer(port: number, q: Buffer): Promise<Buffer> {
  return new Promise((resolve) => {
    const s = createSocket("udp4");
    s.once("message", (m) => {
      s.close();
      resolve(m);
    });
    s.send(q, port, "127.0.0.1");
  });
}

/** Calls per second of `fn` over about `ms` of wall time (checked every 1,000 calls). */
function rate(fn: () => void, ms: number): number {
  const started = performance.now();
  let calls = 0;
  while (performance.now() - started < ms) {
    for (let i = 0; i < 1000; i++) fn();
    calls += 1000;
  }
  return (calls / (performance.now() - started)) * 1000;
}

/**
 * CPU cost per query without sockets: our cached path (what a hit costs on
 * top of the syscalls), against dns2 parsing the query and encoding an answer.
 */
function cpuCost(ctx: BenchContext): void {
  const { Packet } = dns2;
  const r = new DnsResponder(source(), { domainLabels: ["disco"], ttlSeconds: 0, udpAnswerLimit: 3 }, new SeededRng(1), silentLogger);
  for (const [qname, q] of Object.entries(QUERIES)) {
    const ours = rate(() => r.handleUdp(q), 1000);
    const viaDns2 = rate(() => {
      const req = Packet.parse(q);
      const res = Packet.createResponseFromRequest(req);
      res.answers.push({ name: req.questions[0]!.name, type: Packet.TYPE.A, class: Packet.CLASS.IN, ttl: 0, address: "10.0.1.1" } as never);
      res.toBuffer();
    }, 1000);
    ctx.record({ case: `${qname} query, disco handleUdp in-process`, value: Math.round(ours), unit: "queries/s", us_per_query: Number((1e6 / ours).toFixed(2)) });
    ctx.record({ case: `${qname} query, dns2 parse+encode in-process`, value: Math.round(viaDns2), unit: "queries/s", us_per_query: Number((1e6 / viaDns2).toFixed(2)) });
  }
}

export default async function (ctx: BenchContext): Promise<void> {
  cpuCost(ctx);
  const ours = await startDnsServer(source(), { host: "127.0.0.1", port: 0, rng: new SeededRng(1) });
  const dns2Server = await bareDns2();
  const results = new Map<string, number[]>();
  const lost = new Map<string, number>();
  const bare = new Map<string, { port: number; close(): Promise<void> }>();
  for (const [qname, q] of Object.entries(QUERIES)) bare.set(qname, await bareDgram(await firstAnswer(ours.address.udpPort, q)));
  try {
    for (let round = 0; round < ROUNDS; round++) {
      for (const [qname, q] of Object.entries(QUERIES)) {
        const targets: [string, number][] = [
          ["disco", ours.address.udpPort], ["bare-dgram", bare.get(qname)!.port], ["bare-dns2", dns2Server.port],
        ];
        for (const [server, port] of targets) {
          const r = await load(port, q);
          const key = `${qname} ${server}`;
          results.set(key, [...(results.get(key) ?? []), r.qps]);
          lost.set(key, (lost.get(key) ?? 0) + r.lost);
        }
      }
    }
  } finally {
    await ours.close();
    await dns2Server.close();
    for (const b of bare.values()) await b.close();
  }
  for (const qname of Object.keys(QUERIES)) {
    const floor = median(results.get(`${qname} bare-dgram`)!);
    for (const server of ["disco", "bare-dgram", "bare-dns2"]) {
      const key = `${qname} ${server}`;
      const qps = median(results.get(key)!);
      ctx.record({
        case: `${qname} query, ${server}`,
        value: Math.round(qps),
        unit: "queries/s",
        ratio_to_bare_dgram: Number((qps / floor).toFixed(3)),
        ...(server === "disco" ? { goal: ">= 0.8 of bare-dgram" } : {}),
        rounds: ROUNDS, round_ms: RUN_MS, window: WINDOW, lost: lost.get(key) ?? 0,
      });
    }
  }
  const s = ours.stats();
  ctx.record({ case: "disco cache hit rate", value: Number((s.cacheHits / Math.max(1, s.cacheHits + s.cacheMisses)).toFixed(4)), unit: "ratio" });
}
