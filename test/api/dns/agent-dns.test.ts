import t from "tap";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { Resolver } from "node:dns/promises";
import { Agent } from "../../../lib/index.js";
import { waitFor } from "../../agent/helpers.js";

const run = promisify(execFile);

t.test("an agent started with dns serves its catalog to dig and node:dns, passing instances only", async (t) => {
  const agent = await Agent.start({ node: "n1", dns: "127.0.0.1:0", domain: "disco" });
  t.teardown(() => agent.close());
  const { port } = agent.dnsAddress!;
  const a = await agent.register({ name: "web", id: "web-1", address: "127.0.0.10", port: 8080, tags: ["v1"], check: { ttl: "10s" } });
  await agent.register({ name: "web", id: "web-2", address: "127.0.0.11", port: 8081, check: { ttl: "10s" } });
  const dig = async (...args: string[]): Promise<string> =>
    (await run("dig", ["@127.0.0.1", "-p", String(port), "+short", "+tries=1", "+time=2", ...args])).stdout.trim();
  t.same((await dig("web.service.disco", "A")).split("\n").sort(), ["127.0.0.10", "127.0.0.11"]);
  t.same(await dig("v1.web.service.disco", "A"), "127.0.0.10", "tag filter");
  // A service address other than its node's gets Consul's <hex-ip>.addr target.
  t.same((await dig("_web._tcp.service.disco", "SRV")).split("\n").sort(), ["1 1 8080 7f00000a.addr.dc1.disco.", "1 1 8081 7f00000b.addr.dc1.disco."]);
  const resolver = new Resolver();
  resolver.setServers([`127.0.0.1:${port}`]);
  t.same((await resolver.resolve4("web.service.disco")).sort(), ["127.0.0.10", "127.0.0.11"]);
  await a.fail("down");
  await waitFor(async () => (await dig("web.service.disco", "A")) === "127.0.0.11", 3000, "the failing instance to leave DNS answers");
  const nx = (await run("dig", ["@127.0.0.1", "-p", String(port), "+tries=1", "+time=2", "nope.service.disco", "A"])).stdout;
  t.match(nx, /status: NXDOMAIN/);
  t.match(nx, /AUTHORITY SECTION:[\s\S]*SOA/);
});
