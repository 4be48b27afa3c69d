import t from "tap";
import { childEnv } from "../../support/child-env.js";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { ManualTimers } from "../../../lib/util/timers.js";
import { SeededRng } from "../../../lib/util/rng.js";
import { GossipNode } from "../../../lib/membership/node.js";
import { FAST, addr, startNode, waitFor } from "./helpers.js";

const nodeTs = fileURLToPath(new URL("../../../lib/membership/node.ts", import.meta.url));

t.test("gossip driver: the core is ticked through the injected timers, and close() cancels every timer", async (t) => {
  const timers = new ManualTimers(1_000_000);
  const n = await GossipNode.start({ ...FAST, name: "manual", bind: { host: "127.0.0.1", port: 0 }, timers, rng: new SeededRng(7) });
  t.teardown(() => n.close());
  const peer = await startNode(t, "peer", { join: [addr(n)] });
  await waitFor(() => n.member("peer")?.status === "alive", 3000, "the peer's join");
  t.ok(timers.size >= 1, "a tick is scheduled on the injected timers");
  const probes = n.stats().swim.probes;
  for (let i = 0; i < 6; i++) {
    timers.advance(500);
    await new Promise((r) => setTimeout(r, 30));
  }
  t.ok(n.stats().swim.probes > probes, "advancing the manual clock drives probes over the real socket");
  t.equal(n.stats().swim.probesFailed, 0, "and the peer's acks arrive");
  const leaving = n.leave();
  let left = false;
  void leaving.then(() => (left = true));
  timers.advance(FAST.leaveTimeoutMs!);
  await new Promise((r) => setImmediate(r));
  t.equal(left, true, "leave() resolves at the latest when leaveTimeoutMs elapses on the injected clock");
  await leaving;
  await n.close();
  t.equal(timers.size, 0, "nothing is scheduled after close()");
  await peer.close();
});

t.test("gossip driver: after close() nothing keeps the event loop alive (the process exits on its own)", async (t) => {
  const script = `
    import { GossipNode } from ${JSON.stringify(nodeTs)};
    const o = { bind: { host: "127.0.0.1", port: 0 }, profile: "local", pushPullTimeoutMs: 500 };
    const a = await GossipNode.start({ ...o, name: "a" });
    const b = await GossipNode.start({ ...o, name: "b", join: [a.address.address + ":" + a.address.port] });
    b.fireUserEvent("hi");
    await new Promise((r) => setTimeout(r, 300));
    await GossipNode.start({ ...o, name: "c", join: ["127.0.0.1:1"] }).catch(() => {});
    await b.leave();
    await Promise.all([a.close(), b.close()]);
    process.stdout.write("closed\\n");
  `;
  const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], { env: childEnv(), stdio: ["ignore", "pipe", "inherit"] });
  let out = "";
  child.stdout!.on("data", (c: Buffer) => (out += c.toString()));
  const started = Date.now();
  const code = await new Promise<number | null>((resolve) => {
    const killer = setTimeout(() => child.kill("SIGKILL"), 15_000);
    child.once("exit", (c) => {
      clearTimeout(killer);
      resolve(c);
    });
  });
  t.equal(code, 0, "exited by itself");
  t.match(out, /closed/);
  t.comment(`child ran for ${Date.now() - started} ms`);
});
