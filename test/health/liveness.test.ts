import { spawn } from "node:child_process";
import { childEnv } from "../support/child-env.js";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath, pathToFileURL } from "node:url";
import t from "tap";

const runnerUrl = pathToFileURL(fileURLToPath(new URL("../../lib/health/index.ts", import.meta.url))).href;
const timersUrl = pathToFileURL(fileURLToPath(new URL("../../lib/util/timers.ts", import.meta.url))).href;

/** Bound on how long the child may live; it should exit almost at once. */
const CHILD_EXIT_WAIT_MS = 15_000;

t.test("liveness: checks in flight never keep the host process alive (the library lives in someone else's process)", async (t) => {
  // A server in this process accepts connections and never answers, so the child's requests stay in flight.
  const server = http.createServer(() => {});
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  t.teardown(() => new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  }));
  const port = (server.address() as AddressInfo).port;
  const script = `
    const { parseCheckInput, createCheckRunner } = await import(${JSON.stringify(runnerUrl)});
    const { realTimers } = await import(${JSON.stringify(timersUrl)});
    const ctx = { serviceId: "s", serviceName: "s", ordinal: 0, single: false };
    const inputs = [
      { http: "http://127.0.0.1:${port}/", interval: "10s", timeout: "60s" },
      { tcp: "127.0.0.1:${port}", interval: "10s", timeout: "60s" },
      { fn: () => new Promise(() => {}), interval: "10s", timeout: "60s" },
      { ttl: "60s" },
    ];
    inputs.forEach((input, i) => {
      const def = parseCheckInput(input, "c", { ...ctx, ordinal: i });
      createCheckRunner(def, { timers: realTimers(), onResult: () => {} }).start();
    });
    setTimeout(() => process.stdout.write("started\\n"), 200);
  `;
  const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
    cwd: fileURLToPath(new URL("../..", import.meta.url)),
    stdio: ["ignore", "pipe", "pipe"], env: childEnv(),
  });
  let out = "";
  let err = "";
  child.stdout.on("data", (c: Buffer) => (out += c.toString()));
  child.stderr.on("data", (c: Buffer) => (err += c.toString()));
  const code = await new Promise<number | null | "hung">((resolve) => {
    const timer = setTimeout(() => {
      child.kill();
      resolve("hung");
    }, CHILD_EXIT_WAIT_MS);
    child.on("exit", (c) => {
      clearTimeout(timer);
      resolve(c);
    });
  });
  t.equal(code, 0, `child exited by itself (stderr: ${err.slice(0, 500)})`);
  t.equal(out, "started\n", "the checks were running when it exited");
});
