import t from "tap";
import { IntervalRunner } from "../../lib/health/interval-runner.js";
import type { CheckResult, IntervalCheckDefinition } from "../../lib/health/index.js";
import { ManualTimers } from "../../lib/util/timers.js";
import { def, flush, memoryLogger } from "./fixtures/helpers.js";

t.test("interval runner: a probe that throws reports critical and logs; the schedule goes on", async (t) => {
  const timers = new ManualTimers();
  const logger = memoryLogger();
  const results: CheckResult[] = [];
  let calls = 0;
  const definition = def({ fn: () => true, interval: "1s" }) as IntervalCheckDefinition;
  const runner = new IntervalRunner(definition, () => {
    calls++;
    throw new Error("probe bug");
  }, { timers, logger, onResult: (r) => results.push(r) });
  runner.start();
  t.same(results, [], "reported asynchronously, like every probed result");
  await flush();
  t.same(results, [{ status: "critical", output: "check could not run: Error: probe bug" }]);
  timers.advance(1000);
  await flush();
  t.equal(calls, 2);
  t.equal(logger.entries.filter((e) => e.level === "error").length, 2);
  runner.stop();
  t.equal(timers.size, 0);
});
