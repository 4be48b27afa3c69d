import t from "tap";
import { createCheckRunner, NotTtlCheckError, type CheckFunction, type CheckResult } from "../../lib/health/index.js";
import { ManualTimers } from "../../lib/util/timers.js";
import { def, flush, memoryLogger } from "./fixtures/helpers.js";

function fnRunner(fn: CheckFunction, extra: Record<string, unknown> = {}) {
  const timers = new ManualTimers();
  const results: CheckResult[] = [];
  const logger = memoryLogger();
  const runner = createCheckRunner(def({ fn, interval: "1s", timeout: "500ms", ...extra }), {
    timers, logger, onResult: (r) => results.push(r),
  });
  return { timers, results, runner, logger };
}

/** A promise the test settles by hand. */
function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => { resolve = res; reject = rej; });
  return { promise, resolve, reject };
}

t.test("function: every return shape maps to a status", async (t) => {
  const cases: Array<[string, CheckFunction, CheckResult]> = [
    ["undefined", async () => {}, { status: "passing", output: "" }],
    ["true", () => true, { status: "passing", output: "" }],
    ["a string", async () => "db reachable", { status: "passing", output: "db reachable" }],
    ["{ status }", async () => ({ status: "warning" }), { status: "warning", output: "" }],
    ["{ status, output }", () => ({ status: "critical", output: "disk full" }), { status: "critical", output: "disk full" }],
    ["false", async () => false, { status: "critical", output: "check function returned false" }],
  ];
  for (const [what, fn, expected] of cases) {
    const { results, runner } = fnRunner(fn);
    runner.start();
    await flush();
    t.same(results, [expected], what);
    runner.stop();
  }
});

t.test("function: unsupported return values are critical and say what came back", async (t) => {
  for (const value of [42, { status: "fine" }, { status: "passing", output: 7 }, null]) {
    const { results, runner } = fnRunner(() => value as never);
    runner.start();
    await flush();
    t.equal(results[0]?.status, "critical", JSON.stringify(value));
    t.match(results[0]?.output, /check function returned/);
    runner.stop();
  }
});

t.test("function: a throw or rejection is critical with its message", async (t) => {
  const sync = fnRunner(() => { throw new Error("boom"); });
  sync.runner.start();
  await flush();
  t.same(sync.results, [{ status: "critical", output: "boom" }], "synchronous throw");
  const rejected = fnRunner(async () => { throw new TypeError("bad"); });
  rejected.runner.start();
  await flush();
  t.same(rejected.results, [{ status: "critical", output: "bad" }], "rejection");
  const odd = fnRunner(() => Promise.reject("plain string"));
  odd.runner.start();
  await flush();
  t.same(odd.results, [{ status: "critical", output: "plain string" }], "non-Error rejection");
  for (const r of [sync, rejected, odd]) r.runner.stop();
});

t.test("function: a call that outlives its timeout is critical, and its signal fires", async (t) => {
  let seen: AbortSignal | undefined;
  const { timers, results, runner } = fnRunner(({ signal }) => {
    seen = signal;
    return new Promise((_resolve, reject) => signal.addEventListener("abort", () => reject(new Error("gave up"))));
  });
  runner.start();
  await flush();
  t.same(results, []);
  timers.advance(500);
  await flush();
  t.same(results, [{ status: "critical", output: "timed out after 500ms" }]);
  t.equal(seen?.aborted, true);
  t.equal(seen?.reason?.name, "TimeoutError");
  runner.stop();
});

t.test("function: runs at once, then every interval", async (t) => {
  let calls = 0;
  const { timers, results, runner } = fnRunner(() => { calls++; });
  runner.start();
  t.equal(calls, 1, "first run is immediate");
  await flush();
  timers.advance(999);
  t.equal(calls, 1);
  timers.advance(1);
  t.equal(calls, 2);
  for (let i = 0; i < 3; i++) {
    await flush();
    timers.advance(1000);
  }
  t.equal(calls, 5);
  await flush();
  t.equal(results.length, 5, "onResult after every run, repeats included (the agent deduplicates)");
  runner.start();
  t.equal(calls, 5, "start() again does not add a schedule");
  runner.stop();
});

t.test("function: no overlapping runs; a tick during a run in flight is skipped", async (t) => {
  let calls = 0;
  let pending = deferred<void>();
  const { timers, results, runner } = fnRunner(() => { calls++; return pending.promise; }, { timeout: "10s" });
  runner.start();
  timers.advance(1000);
  timers.advance(1000);
  t.equal(calls, 1, "two ticks skipped while the first call is in flight");
  pending.resolve();
  await flush();
  t.equal(results.length, 1);
  pending = deferred<void>();
  timers.advance(1000);
  t.equal(calls, 2, "the next tick runs once the previous call settled");
  pending.resolve();
  await flush();
  runner.stop();
});

t.test("function: a call that ignores its signal blocks new calls until it settles", async (t) => {
  let calls = 0;
  const hung = deferred<string>();
  const { timers, results, runner } = fnRunner(() => (++calls === 1 ? hung.promise : "ok"));
  runner.start();
  timers.advance(500);
  await flush();
  t.same(results, [{ status: "critical", output: "timed out after 500ms" }], "timeout reported");
  timers.advance(2000);
  t.equal(calls, 1, "no pile-up of calls behind the hung one");
  hung.resolve("late");
  await flush();
  t.equal(results.length, 1, "the late answer of a timed-out call is not reported");
  timers.advance(500); // the tick at 3 s

  await flush();
  t.equal(calls, 2);
  t.same(results[1], { status: "passing", output: "ok" });
  runner.stop();
});

t.test("function: stop aborts the call in flight and nothing is reported after", async (t) => {
  const pending = deferred<string>();
  let seen: AbortSignal | undefined;
  const { timers, results, runner } = fnRunner(({ signal }) => { seen = signal; return pending.promise; });
  runner.start();
  runner.stop();
  runner.stop();
  t.equal(seen?.aborted, true, "the function's signal fired");
  t.equal(seen?.reason?.name, "ClosedError");
  t.equal(timers.size, 0, "no timer left");
  pending.resolve("too late");
  await flush();
  timers.advance(10_000);
  await flush();
  t.same(results, []);
  runner.start();
  timers.advance(10_000);
  await flush();
  t.same(results, [], "a stopped runner stays stopped");
});

t.test("function: stop before start leaves nothing scheduled", async (t) => {
  let calls = 0;
  const { timers, runner } = fnRunner(() => { calls++; });
  runner.stop();
  runner.start();
  timers.advance(5000);
  t.equal(calls, 0);
});

t.test("function: a throwing onResult is logged and the schedule goes on", async (t) => {
  const timers = new ManualTimers();
  const logger = memoryLogger();
  let calls = 0;
  const runner = createCheckRunner(def({ fn: () => { calls++; }, interval: "1s" }), {
    timers, logger, onResult: () => { throw new Error("handler broke"); },
  });
  runner.start();
  await flush();
  timers.advance(1000);
  await flush();
  t.equal(calls, 2);
  t.equal(logger.entries.filter((e) => e.level === "error").length, 2);
  runner.stop();
});

t.test("function: update() on a non-TTL check is a NOT_SUPPORTED error", async (t) => {
  const { runner } = fnRunner(() => true);
  t.throws(() => runner.update("passing"), { name: "NotTtlCheckError", code: "NOT_SUPPORTED", checkId: "service:web-1" });
  t.ok(new NotTtlCheckError("x", "http") instanceof Error);
});

t.test("function: output is capped", async (t) => {
  const { results, runner } = fnRunner(() => "o".repeat(10_000));
  runner.start();
  await flush();
  t.equal(results[0]!.output.length, 4096);
  runner.stop();
});

t.test("function: the runner exposes its definition", async (t) => {
  const { runner } = fnRunner(() => true);
  t.equal(runner.definition.kind, "function");
  t.equal(runner.definition.id, "service:web-1");
});
