import t from "tap";
import { childEnv } from "../support/child-env.js";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const fixture = fileURLToPath(new URL("./fixtures/default-agent.ts", import.meta.url));

function run(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; lines: unknown[]; ms: number }> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", fixture, ...args], {
      stdio: ["ignore", "pipe", "pipe"], env: childEnv(env),
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (c) => (out += c));
    child.stderr.on("data", (c) => (err += c));
    // A hung process is the failure this test looks for; bound it.
    const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
    child.on("error", reject);
    child.on("exit", (code) => {
      clearTimeout(timer);
      if (err.trim()) process.stderr.write(err);
      resolve({ code, lines: out.trim().split("\n").filter(Boolean).map((l) => JSON.parse(l)), ms: Date.now() - started });
    });
  });
}

t.test("top-level register/discover on the default agent; the process exits by itself", async (t) => {
  const { code, lines } = await run([]);
  t.equal(code, 0, "exited on its own (nothing kept the event loop alive), exit code 0");
  t.same(lines, [{ id: "web", picked: "web", port: 8080, status: "passing" }]);
});

t.test("shutdown() deregisters and stops the default agent", async (t) => {
  const { code, lines } = await run(["shutdown"]);
  t.equal(code, 0);
  t.same(lines[1], { afterShutdown: 0 }, "the resolver is closed and empty after shutdown");
});

t.test("the default agent reads DISCO_* variables and refuses what is not built", async (t) => {
  const { code } = await run([], { DISCO_MODE: "gossip" });
  t.not(code, 0, "DISCO_MODE=gossip asks for what is not built yet: a clear error, not a silent dev agent");
  const bad = await run([], { DISCO_DATACENTER: "bad dc" });
  t.not(bad.code, 0);
});
