import t from "tap";
import { ManualTimers } from "../../lib/util/timers.js";
import { COMMAND_KILL_GRACE_MS, shellCommandRunner } from "../../lib/template/command.js";
import { COMMAND_OUTPUT_BYTES_MAX } from "../../lib/template/limits.js";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { during } from "./fake-source.js";
import { flush } from "./helpers.js";

t.test("command: runs with sh -c and reports exit code and output", async (t) => {
  const timers = new ManualTimers();
  const run = shellCommandRunner(timers);
  const ok = await run("echo out; echo err >&2", { timeoutMs: 1000 });
  t.match(ok, { ok: true, code: 0, timedOut: false, stdout: "out\n", stderr: "err\n", error: undefined });
  const bad = await run("exit 3", { timeoutMs: 1000 });
  t.match(bad, { ok: false, code: 3, timedOut: false });
  t.equal(timers.size, 0, "the timeout timer is cancelled");
});

t.test("command: output is capped at COMMAND_OUTPUT_BYTES_MAX per stream", async (t) => {
  const run = shellCommandRunner(new ManualTimers());
  const r = await run("head -c 20000 /dev/zero | tr '\\0' a", { timeoutMs: 1000 });
  t.equal(r.stdout.length, COMMAND_OUTPUT_BYTES_MAX);
});

t.test("command: a command over its timeout is killed (SIGTERM to its process group)", async (t) => {
  const timers = new ManualTimers();
  const run = shellCommandRunner(timers);
  const p = run("sleep 30 & wait", { timeoutMs: 500 });
  const r = await during(timers, p);
  t.match(r, { ok: false, timedOut: true });
  t.ok(r.signal === "SIGTERM" || r.code !== 0);
});

t.test("command: one that ignores SIGTERM is SIGKILLed after the grace period", async (t) => {
  const timers = new ManualTimers();
  const run = shellCommandRunner(timers);
  const dir = await mkdtemp(join(tmpdir(), "disco-cmd-"));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const ready = join(dir, "ready");
  const p = run(`trap '' TERM; touch ${ready}; while :; do sleep 1; done`, { timeoutMs: 100 });
  // Let the shell install its trap before time moves (bounded: at most ~10k event-loop turns).
  for (let i = 0; i < 10_000 && !existsSync(ready); i++) await flush(1);
  t.ok(existsSync(ready), "the shell ignores SIGTERM now");
  const r = await during(timers, p, 100 + COMMAND_KILL_GRACE_MS + 2000);
  t.match(r, { ok: false, timedOut: true, signal: "SIGKILL" });
});

t.test("command: aborting the signal stops it", async (t) => {
  const timers = new ManualTimers();
  const run = shellCommandRunner(timers);
  const stop = new AbortController();
  const p = run("sleep 30", { timeoutMs: 60_000, signal: stop.signal });
  setImmediate(() => stop.abort());
  const r = await p;
  t.equal(r.ok, false);
  t.equal(r.signal, "SIGTERM");
});
