import t from "tap";
import { childEnv } from "../support/child-env.js";
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { Agent, ConsensusRequiredError } from "../../lib/index.js";
import { freePorts, waitFor } from "./helpers.js";

const fixture = fileURLToPath(new URL("./fixtures/gossip-mode-node.ts", import.meta.url));

t.test("gossip mode in one process: registrations spread without servers; KV needs consensus", async (t) => {
  const keepAlive = setInterval(() => {}, 1000);
  t.teardown(() => clearInterval(keepAlive));
  const a = await Agent.start({ mode: "gossip", node: "a", bind: "127.0.0.1:0", gossipProfile: "local" });
  const b = await Agent.start({ mode: "gossip", node: "b", bind: "127.0.0.1:0", join: [a.gossipAddress!], gossipProfile: "local" });
  t.teardown(() => Promise.all([a.close(), b.close()]));
  await a.register({ name: "web", id: "web-a", port: 1, check: { ttl: "30s" } });
  const web = b.discover("web");
  await web.ready();
  t.match(web.pick(), { node: "a", id: "web-a" });
  await t.rejects(a.kv.put("k", "v"), ConsensusRequiredError);
  await t.rejects(a.kv.get("k"), ConsensusRequiredError);
  await t.rejects(a.session.create(), ConsensusRequiredError);
  const reg = await b.register({ name: "web", id: "web-b", port: 2, check: { ttl: "30s" } });
  const fromA = a.discover("web");
  await waitFor(() => fromA.instances().length === 2, 5000, "a to see both");
  await reg.fail("down");
  await waitFor(() => fromA.instances().length === 1, 5000, "b's failing instance to leave a's passing view");
  web.close();
  fromA.close();
});

t.test("gossip mode across processes: registrations on one process are discovered on another and vanish when it is SIGKILLed", async (t) => {
  const ports = await freePorts(4);
  const procs: ChildProcess[] = [];
  t.teardown(() => procs.forEach((p) => p.kill("SIGKILL")));
  const views = new Map<string, string[]>();
  const start = (node: string, port: number, join: string, registerPort: string): Promise<void> => {
    const p = spawn(process.execPath, ["--import", "tsx", fixture, node, `127.0.0.1:${port}`, join, registerPort], { env: childEnv(), stdio: ["ignore", "pipe", "inherit"] });
    procs.push(p);
    return new Promise((resolve, reject) => {
      let buf = "";
      p.stdout!.on("data", (c: Buffer) => {
        buf += c.toString();
        const lines = buf.split("\n");
        buf = lines.pop()!;
        for (const line of lines) {
          if (line.startsWith("READY")) resolve();
          else if (line.startsWith("[")) views.set(node, JSON.parse(line) as string[]);
        }
      });
      p.once("exit", (code) => reject(new Error(`${node} exited ${code}`)));
    });
  };
  const seed = `127.0.0.1:${ports[0]}`;
  await start("n0", ports[0]!, "-", "-");
  await Promise.all([1, 2, 3].map((i) => start(`n${i}`, ports[i]!, seed, String(9000 + i))));
  await waitFor(() => ["n0", "n1", "n2", "n3"].every((n) => (views.get(n) ?? []).join() === "n1,n2,n3"), 20_000, "every process to see the three instances");
  t.same(views.get("n0"), ["n1", "n2", "n3"], "a process with no registrations of its own sees all three");
  procs[2]!.kill("SIGKILL"); // n2
  await waitFor(() => ["n0", "n1", "n3"].every((n) => (views.get(n) ?? []).join() === "n1,n3"), 20_000, "n2's instance to vanish everywhere");
  t.same(views.get("n3"), ["n1", "n3"]);
});
