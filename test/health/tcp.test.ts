import net from "node:net";
import type { AddressInfo } from "node:net";
import t, { type Test } from "tap";
import { createCheckRunner, type CheckResult } from "../../lib/health/index.js";
import { formatHostPort } from "../../lib/health/parse-targets.js";
import { ManualTimers, realTimers, type Timers } from "../../lib/util/timers.js";
import { def, flush, ResultSink, until } from "./fixtures/helpers.js";

async function listen(t: Test) {
  const accepted: net.Socket[] = [];
  let closed = 0;
  const server = net.createServer((s) => {
    accepted.push(s);
    s.on("error", () => {});
    s.on("close", () => closed++);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  t.teardown(() => new Promise<void>((resolve) => {
    for (const s of accepted) s.destroy();
    server.close(() => resolve());
  }));
  return { port: (server.address() as AddressInfo).port, accepted, closedCount: () => closed };
}

function run(t: Test, input: Record<string, unknown>, timers: Timers = realTimers()) {
  const sink = new ResultSink();
  const runner = createCheckRunner(def({ interval: "10s", ...input }), { timers, onResult: sink.onResult });
  t.teardown(() => runner.stop());
  runner.start();
  return { runner, sink };
}

t.test("tcp: a connection that opens is passing, and the socket is closed at once (Consul TCP check)", async (t) => {
  const { port, closedCount } = await listen(t);
  const { sink } = run(t, { tcp: `127.0.0.1:${port}` });
  t.same(await sink.next(), { status: "passing", output: `TCP connect 127.0.0.1:${port}: Success` } satisfies CheckResult);
  await t.resolves(until(() => closedCount() === 1), "the check closed its connection");
});

t.test("tcp: a closed port is critical with the error", async (t) => {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  const { sink } = run(t, { tcp: `127.0.0.1:${port}` });
  const r = await sink.next();
  t.equal(r.status, "critical");
  t.match(r.output, `TCP connect 127.0.0.1:${port}: connect ECONNREFUSED`);
});

t.test("tcp: a connect that outlives the timeout is critical", async (t) => {
  const { port } = await listen(t);
  const timers = new ManualTimers();
  const { sink } = run(t, { tcp: `127.0.0.1:${port}`, timeout: "1s" }, timers);
  // The connect needs an event-loop turn; the manual clock expires the timeout before it.
  timers.advance(1000);
  t.same(await sink.next(), { status: "critical", output: `TCP connect 127.0.0.1:${port}: timed out after 1s` });
  await flush();
  t.equal(sink.results.length, 1, "the late connect is not reported");
});

t.test("tcp: stop() before the connect completes reports nothing", async (t) => {
  const { port } = await listen(t);
  const { runner, sink } = run(t, { tcp: `127.0.0.1:${port}` });
  runner.stop();
  for (let i = 0; i < 10; i++) await flush();
  t.same(sink.results, []);
});

t.test("tcp: an unresolvable host is critical, not a thrown error", async (t) => {
  const { sink } = run(t, { tcp: "no-such-host.invalid:80", timeout: "2s" });
  const r = await sink.next(8000);
  t.equal(r.status, "critical");
  t.match(r.output, /^TCP connect no-such-host\.invalid:80: /);
});

t.test("tcp: IPv6 addresses are shown bracketed", async (t) => {
  t.equal(formatHostPort("::1", 80), "[::1]:80");
  t.equal(formatHostPort("db.local", 5432), "db.local:5432");
});
