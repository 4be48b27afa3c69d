import t from "tap";
import { childEnv } from "../support/child-env.js";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { Agent } from "../../lib/index.js";
import { tempDir, waitFor } from "./helpers.js";

t.test("a dataDir agent restarted keeps its KV and registrations", async (t) => {
  const dataDir = await tempDir("persist");
  const first = await Agent.start({ node: "n1", dataDir });
  await first.kv.put("config/db", "postgres://db:5432");
  await first.kv.put("config/flags", Buffer.from([1, 2, 3]), { flags: 7 });
  await first.register({ name: "api", id: "api-1", port: 9000, tags: ["v2"], check: { ttl: "30s" } });
  const before = (await first.kv.get("config/db"))!;
  await first.close();

  const second = await Agent.start({ node: "n1", dataDir });
  t.teardown(() => second.close());
  const after = await second.kv.get("config/db");
  t.equal(after?.value.toString(), "postgres://db:5432");
  t.equal(after?.modifyIndex, before.modifyIndex, "indexes survive the restart");
  t.match(await second.kv.get("config/flags"), { flags: 7, value: Buffer.from([1, 2, 3]) });
  const [entry] = await second.health.service("api");
  t.match(entry?.service, { id: "api-1", port: 9000, tags: ["v2"] });
  t.equal(entry?.status, "passing", "its last status is kept until its TTL runs out");
  const next = await second.kv.put("config/db", "new");
  t.ok(next);
  t.ok((await second.kv.get("config/db"))!.modifyIndex > before.modifyIndex, "the index keeps growing after restart");
});

t.test("after a restart a registration nobody renews goes critical by its TTL; registering again takes it over", async (t) => {
  const dataDir = await tempDir("orphan");
  const first = await Agent.start({ node: "n1", dataDir });
  await first.register({ name: "job", port: 1, check: { ttl: "1s" } });
  await first.close();
  const second = await Agent.start({ node: "n1", dataDir });
  t.teardown(() => second.close());
  await waitFor(async () => (await second.health.service("job"))[0]?.status === "critical", 3000, "the orphaned TTL to lapse");
  await second.register({ name: "job", port: 1, check: { ttl: "1s" } });
  t.equal((await second.health.service("job"))[0]?.status, "passing");
  await new Promise((r) => setTimeout(r, 1300));
  t.equal((await second.health.service("job"))[0]?.status, "passing", "SDK heartbeats keep it passing past the old TTL");
});

t.test("snapshots compact the log and restore the same state", async (t) => {
  const dataDir = await tempDir("snap");
  const first = await Agent.start({ node: "n1", dataDir, snapshotThreshold: 10 });
  for (let i = 0; i < 35; i++) await first.kv.put(`k/${i}`, `v${i}`);
  await first.kv.delete("k/3");
  await first.close();
  const second = await Agent.start({ node: "n1", dataDir, snapshotThreshold: 10 });
  t.teardown(() => second.close());
  const keys = await second.kv.keys("k/");
  t.equal(keys.length, 34);
  t.notOk(keys.includes("k/3"));
  t.equal((await second.kv.get("k/34"))?.value.toString(), "v34");
});

t.test("acknowledged writes survive SIGKILL of the process", async (t) => {
  const dataDir = await tempDir("kill");
  const fixture = fileURLToPath(new URL("./fixtures/kv-writer.ts", import.meta.url));
  const child = spawn(process.execPath, ["--import", "tsx", fixture, dataDir], { env: childEnv(), stdio: ["ignore", "pipe", "inherit"] });
  const acked: number[] = [];
  let buffer = "";
  child.stdout.setEncoding("utf8");
  child.stdout.on("data", (chunk: string) => {
    buffer += chunk;
    const lines = buffer.split("\n");
    buffer = lines.pop()!;
    for (const line of lines) if (/^\d+$/.test(line)) acked.push(Number(line));
  });
  await waitFor(() => acked.length >= 50, 15_000, "the writer to acknowledge 50 writes");
  child.kill("SIGKILL");
  await new Promise((r) => child.once("exit", r));
  const agent = await Agent.start({ node: "writer", dataDir });
  t.teardown(() => agent.close());
  const missing: number[] = [];
  for (const i of acked) {
    const pair = await agent.kv.get(`w/${i}`);
    if (pair?.value.toString() !== `value-${i}`) missing.push(i);
  }
  t.same(missing, [], `all ${acked.length} acknowledged writes are present after SIGKILL`);
});
