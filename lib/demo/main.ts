/**
 * `npm start`: a dev agent, three instances of a demo HTTP service that
 * register themselves with TTL heartbeats, and a client loop that discovers
 * them and load-balances across them, printing the spread. Then one instance
 * fails its health check and the spread moves to the other two.
 *
 * @module
 */
import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Agent } from "../agent/agent.js";
import type { Registration } from "../agent/registration.js";
import type { Resolver } from "../resolver/resolver.js";

const INSTANCES = 3;
const REQUESTS_PER_ROUND = 300;

function startBackend(name: string): Promise<Server> {
  const server = createServer((_req, res) => {
    res.setHeader("content-type", "text/plain");
    res.end(name);
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

function get(address: string, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ host: address, port, path: "/", agent: false }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (body += c));
      res.on("end", () => resolve(body));
    });
    req.on("error", reject);
    req.end();
  });
}

async function round(web: Resolver, label: string): Promise<void> {
  const spread = new Map<string, number>();
  for (let i = 0; i < REQUESTS_PER_ROUND; i++) {
    const target = web.pick();
    const started = performance.now();
    try {
      const body = await get(target.address, target.port);
      web.report(target, { ok: true, latencyMs: performance.now() - started });
      spread.set(body, (spread.get(body) ?? 0) + 1);
    } catch {
      web.report(target, { ok: false, latencyMs: performance.now() - started });
    }
  }
  console.log(`\n${label}: ${REQUESTS_PER_ROUND} requests, policy least-request`);
  for (const [name, count] of [...spread].sort()) {
    console.log(`  ${name.padEnd(10)} ${String(count).padStart(4)}  ${"#".repeat(Math.round(count / 5))}`);
  }
}

async function main(): Promise<void> {
  const agent = await Agent.start({ node: "demo-node" });
  console.log(`dev agent "${agent.node}" started in datacenter ${agent.datacenter}`);
  const servers: Server[] = [];
  const registrations: Registration[] = [];
  for (let i = 1; i <= INSTANCES; i++) {
    const name = `web-${i}`;
    const server = await startBackend(name);
    servers.push(server);
    const { port } = server.address() as AddressInfo;
    registrations.push(await agent.register({ name: "web", id: name, port, tags: ["demo"], check: { ttl: "10s" } }));
    console.log(`registered ${name} on 127.0.0.1:${port} (TTL check, heartbeats by the SDK)`);
  }
  const web = agent.discover("web");
  await web.ready();
  console.log(`discovered ${web.instances().length} passing instances of "web"`);
  await round(web, "all three passing");

  await registrations[0]!.fail("demo: simulated failure");
  console.log("\nweb-1 marked critical; it leaves the passing-only resolver");
  await round(web, "web-1 critical");

  await registrations[0]!.pass("recovered");
  await round(web, "web-1 passing again");

  web.close();
  await agent.leave();
  for (const s of servers) s.close();
  console.log("\nagent left; services deregistered. Bye.");
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
