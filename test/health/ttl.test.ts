import t from "tap";
import { createCheckRunner, type CheckResult } from "../../lib/health/index.js";
import { ManualTimers } from "../../lib/util/timers.js";
import { CHECK_OUTPUT_BYTES_MAX } from "../../lib/util/limits.js";
import { def, memoryLogger } from "./fixtures/helpers.js";

function ttlRunner(ttl = "10s") {
  const timers = new ManualTimers();
  const results: CheckResult[] = [];
  const runner = createCheckRunner(def({ ttl }), { timers, onResult: (r) => results.push(r) });
  return { timers, results, runner };
}

t.test("ttl: no update within the TTL turns the check critical (Consul TTL check)", async (t) => {
  const { timers, results, runner } = ttlRunner();
  runner.start();
  timers.advance(9_999);
  t.same(results, [], "nothing before the TTL");
  timers.advance(1);
  t.same(results, [{ status: "critical", output: "TTL expired (no update since the check started 10s ago)" }]);
  timers.advance(60_000);
  t.equal(results.length, 1, "expiry is reported once; the check stays critical until the next update");
});

t.test("ttl: each update is reported and re-arms the TTL", async (t) => {
  const { timers, results, runner } = ttlRunner();
  runner.start();
  timers.advance(5_000);
  runner.update("passing", "all good");
  t.same(results, [{ status: "passing", output: "all good" }], "reported at once");
  timers.advance(9_999);
  runner.update("passing", "still good");
  timers.advance(9_999);
  t.equal(results.length, 2, "re-armed: no expiry 19.998 s after the first update");
  timers.advance(1);
  t.same(results[2], { status: "critical", output: "TTL expired (last update: passing, 10s ago): still good" });
});

t.test("ttl: warn and fail set their status and also re-arm the TTL", async (t) => {
  const { timers, results, runner } = ttlRunner("1s");
  runner.start();
  runner.update("warning", "slow disk");
  timers.advance(900);
  runner.update("critical");
  timers.advance(900);
  t.same(results, [{ status: "warning", output: "slow disk" }, { status: "critical", output: "" }]);
  timers.advance(100);
  t.same(results[2], { status: "critical", output: "TTL expired (last update: critical, 1s ago)" });
  runner.update("passing");
  t.same(results[3], { status: "passing", output: "" }, "an update after expiry recovers the check");
});

t.test("ttl: an update before start is reported; the TTL runs from start()", async (t) => {
  const { timers, results, runner } = ttlRunner("1s");
  runner.update("passing", "early");
  t.equal(timers.size, 0, "no timer before start");
  runner.start();
  runner.start();
  t.equal(timers.size, 1, "start twice arms one timer");
  timers.advance(1000);
  t.same(results.map((r) => r.status), ["passing", "critical"]);
});

t.test("ttl: bad status or output is a typed error and changes nothing", async (t) => {
  const { timers, results, runner } = ttlRunner("1s");
  runner.start();
  t.throws(() => runner.update("ok" as never), { name: "InvalidArgumentError", field: "status" });
  t.throws(() => runner.update("passing", 5 as never), { name: "InvalidArgumentError", field: "output" });
  t.same(results, []);
  timers.advance(1000);
  t.equal(results.length, 1, "the TTL was not re-armed by the refused updates");
});

t.test("ttl: output is capped at CHECK_OUTPUT_BYTES_MAX", async (t) => {
  const { results, runner } = ttlRunner();
  runner.update("passing", "z".repeat(CHECK_OUTPUT_BYTES_MAX * 2));
  t.equal(results[0]!.output.length, CHECK_OUTPUT_BYTES_MAX);
});

t.test("ttl: stop cancels the TTL; later updates are ignored and never reported", async (t) => {
  const { timers, results, runner } = ttlRunner();
  runner.start();
  runner.stop();
  runner.stop();
  t.equal(timers.size, 0, "no timer left");
  runner.update("passing");
  runner.start();
  timers.advance(60_000);
  t.same(results, [], "nothing after stop");
});

t.test("ttl: a throwing onResult is logged, never thrown into the timer", async (t) => {
  const timers = new ManualTimers();
  const logger = memoryLogger();
  const runner = createCheckRunner(def({ ttl: "1s" }), {
    timers, logger, onResult: () => { throw new Error("handler broke"); },
  });
  runner.start();
  t.doesNotThrow(() => timers.advance(1000));
  t.doesNotThrow(() => runner.update("passing"));
  t.equal(logger.entries.filter((e) => e.level === "error").length, 2);
});
