import t from "tap";
import { parseDuration, formatDuration } from "../../lib/util/duration.js";
import { InvalidArgumentError } from "../../lib/util/errors.js";

t.test("durations: Consul strings and plain milliseconds", async (t) => {
  const cases: Array<[unknown, number]> = [
    [0, 0], [250, 250], ["0", 0], ["10s", 10_000], ["500ms", 500], ["1m30s", 90_000],
    ["1h", 3_600_000], ["1.5s", 1500], ["100us", 0.1], ["2m", 120_000],
  ];
  for (const [input, ms] of cases) t.equal(parseDuration(input, "d"), ms, `${String(input)} is ${ms} ms`);
});

t.test("durations: bad input is a typed error naming the field", async (t) => {
  for (const bad of ["", "10", "ten seconds", "10x", "-1s", -5, Number.NaN, Infinity, {}, null, "1s "+"x"]) {
    t.throws(() => parseDuration(bad, "check.ttl"), new InvalidArgumentError("check.ttl", ""), `rejects ${String(bad)}`);
    try { parseDuration(bad, "check.ttl"); } catch (e) { t.ok(e instanceof InvalidArgumentError && e.field === "check.ttl"); }
  }
});

t.test("durations: format round-trips whole units", async (t) => {
  for (const ms of [0, 500, 10_000, 120_000, 3_600_000]) t.equal(parseDuration(formatDuration(ms), "d"), ms);
  t.equal(formatDuration(10_000), "10s");
});
