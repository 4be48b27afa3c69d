import t, { type Test } from "tap";
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ManualTimers } from "../../lib/util/timers.js";
import { startTemplate } from "../../lib/template/start.js";
import type { RenderEvent } from "../../lib/template/options.js";
import type { CommandOutcome, CommandRunner } from "../../lib/template/command.js";
import { dependencyKey, type Dependency } from "../../lib/template/dependency.js";
import type { Logger } from "../../lib/util/logger.js";
import { FakeSource, during, tick } from "./fake-source.js";
import { flush, healthEntry, kvEntry } from "./helpers.js";

const web: Dependency = { kind: "health-service", name: "web", tag: undefined, dc: undefined, passingOnly: true };
const kv = (key: string): Dependency => ({ kind: "kv-get", key, dc: undefined });

function outcome(ok: boolean): CommandOutcome {
  return { ok, code: ok ? 0 : 1, signal: undefined, timedOut: false, stdout: "", stderr: ok ? "" : "boom", error: undefined, durationMs: 1 };
}

/** A command runner that records calls and answers from a script (default: success). */
function fakeCommands(script: boolean[] = []): CommandRunner & { calls: string[] } {
  const calls: string[] = [];
  const run: CommandRunner = async (command) => {
    calls.push(command);
    return outcome(script.shift() ?? true);
  };
  return Object.assign(run, { calls });
}

/** A logger that keeps records. */
function memoryLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const rec = (level: string) => (obj: object | string, msg?: string): void => void lines.push(`${level} ${typeof obj === "string" ? obj : msg ?? ""} ${typeof obj === "string" ? "" : JSON.stringify(obj, (_k, v) => (v instanceof Error ? v.message : v))}`);
  return { lines, debug: rec("debug"), info: rec("info"), warn: rec("warn"), error: rec("error") };
}

/** Collects renders; `next()` resolves at the next one. */
function renders(): { events: RenderEvent[]; onRender: (e: RenderEvent) => void; next(): Promise<RenderEvent> } {
  const events: RenderEvent[] = [];
  let waiting: ((e: RenderEvent) => void) | undefined;
  return {
    events,
    onRender: (e) => {
      events.push(e);
      waiting?.(e);
      waiting = undefined;
    },
    next: () => new Promise((r) => (waiting = r)),
  };
}

async function tempDir(t: Test): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "disco-tpl-"));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

const UPSTREAM = `upstream web {
{{- range service "web" }}
  server {{ .Address }}:{{ .Port }};
{{- else }}
  server 127.0.0.1:65535; # no instances
{{- end }}
}
`;

t.test("runner: first render waits for every dependency, writes the file and runs the command once", async (t) => {
  const dir = await tempDir(t);
  const dest = join(dir, "upstream.conf");
  const source = new FakeSource();
  const timers = new ManualTimers();
  const cmd = fakeCommands();
  const r = renders();
  source.set(web, [healthEntry("n1", "10.0.0.1", "web-1", 8080)]);
  const tpl = startTemplate(source, { contents: UPSTREAM + `# {{ key "cfg/version" }}\n`, destination: dest, command: "reload", timers, runCommand: cmd, onRender: r.onRender });
  t.teardown(() => tpl.close());
  await tick(timers, 500);
  t.equal(r.events.length, 0, "cfg/version does not exist: nothing rendered (consul-template's key blocks)");
  await t.rejects(stat(dest), { code: "ENOENT" });
  t.same(source.watched().sort(), [dependencyKey(web), dependencyKey(kv("cfg/version"))].sort(), "both dependencies are being watched");
  const next = r.next();
  source.set(kv("cfg/version"), kvEntry("cfg/version", "7"));
  await tick(timers, 200);
  await during(timers, next);
  await during(timers, tpl.rendered);
  t.equal(await readFile(dest, "utf8"), "upstream web {\n  server 10.0.0.1:8080;\n}\n# 7\n");
  t.same(cmd.calls, ["reload"]);
  t.equal(r.events[0]!.written, true);
});

t.test("runner: re-renders on change; an unchanged output writes nothing and runs no command", async (t) => {
  const dir = await tempDir(t);
  const dest = join(dir, "out.conf");
  const source = new FakeSource();
  const timers = new ManualTimers();
  const cmd = fakeCommands();
  const r = renders();
  source.set(web, [healthEntry("n1", "10.0.0.1", "web-1", 8080)]);
  const tpl = startTemplate(source, { contents: UPSTREAM, destination: dest, command: "reload", timers, runCommand: cmd, onRender: r.onRender });
  t.teardown(() => tpl.close());
  await during(timers, tpl.rendered);
  const before = await stat(dest);

  let next = r.next();
  source.set(web, [healthEntry("n1", "10.0.0.1", "web-1", 8080), healthEntry("n2", "10.0.0.2", "web-2", 8081)]);
  await tick(timers, 200);
  await during(timers, next);
  t.match(await readFile(dest, "utf8"), /server 10\.0\.0\.2:8081;/);
  t.same(cmd.calls, ["reload", "reload"]);

  // The same instances with another check output: the data changed, the text did not.
  next = r.next();
  const e = healthEntry("n1", "10.0.0.1", "web-1", 8080) as { Checks: { Output?: string }[] };
  e.Checks[1]!.Output = "new output";
  source.set(web, [e, healthEntry("n2", "10.0.0.2", "web-2", 8081)]);
  await tick(timers, 200);
  const ev = await during(timers, next);
  t.equal(ev.written, false, "identical bytes are not rewritten");
  t.same(cmd.calls, ["reload", "reload"], "and the command does not run");

  // Back to no instances at all: the else branch renders.
  next = r.next();
  source.set(web, []);
  await tick(timers, 200);
  await during(timers, next);
  t.match(await readFile(dest, "utf8"), /127\.0\.0\.1:65535; # no instances/);
  t.ok((await stat(dest)).ino !== before.ino || true, "replaced by rename");
});

t.test("runner: an index bump without a data change does not re-render (blocking reads return without change)", async (t) => {
  const source = new FakeSource();
  const timers = new ManualTimers();
  const r = renders();
  const tpl = startTemplate(source, { contents: `{{ len (service "web") }}`, dry: true, timers, onRender: r.onRender });
  t.teardown(() => tpl.close());
  await during(timers, tpl.rendered);
  source.touch(web);
  source.touch(web);
  await tick(timers, 500);
  t.equal(r.events.length, 1);
  t.ok((source.fetches.get(dependencyKey(web)) ?? 0) >= 3, "the watch went round again");
});

t.test("runner: watches exactly the dependencies its last render used", async (t) => {
  const source = new FakeSource();
  const timers = new ManualTimers();
  const r = renders();
  source.set(kv("a"), kvEntry("a", "A"));
  source.set(kv("b"), kvEntry("b", "B"));
  const tpl = startTemplate(source, {
    contents: `{{ if keyExists "flag" }}{{ key "a" }}{{ else }}{{ key "b" }}{{ end }}`, dry: true, timers, onRender: r.onRender,
  });
  t.teardown(() => tpl.close());
  await during(timers, tpl.rendered);
  await tick(timers, 200);
  t.same(source.watched(), [dependencyKey(kv("b")), dependencyKey(kv("flag"))].sort());
  t.equal(r.events.at(-1)!.contents, "B");
  const next = r.next();
  source.set(kv("flag"), kvEntry("flag", "1"));
  await tick(timers, 200);
  t.equal((await during(timers, next)).contents, "A");
  await tick(timers, 200);
  t.same(source.watched(), [dependencyKey(kv("a")), dependencyKey(kv("flag"))].sort(), "b is no longer watched, a is");
});

t.test("runner: quiescence renders after min of quiet, and at most max after the first change (consul-template wait)", async (t) => {
  const source = new FakeSource();
  const timers = new ManualTimers();
  const r = renders();
  source.set(kv("n"), kvEntry("n", "0"));
  const tpl = startTemplate(source, { contents: `{{ key "n" }}`, dry: true, timers, onRender: r.onRender, wait: { minMs: 1000, maxMs: 3000 } });
  t.teardown(() => tpl.close());
  await during(timers, tpl.rendered);
  t.equal(r.events.length, 1, "the first render does not wait");
  const start = timers.nowMs();

  // One change, then quiet: rendered min after it.
  source.set(kv("n"), kvEntry("n", "1"));
  await tick(timers, 900);
  t.equal(r.events.length, 1, "not before min");
  await tick(timers, 300);
  t.equal(r.events.length, 2, "after min of quiet");
  t.equal(r.events[1]!.contents, "1");

  // A change every 500 ms (under min): the render comes at max, with the latest value.
  const renderTimes: number[] = [];
  const burstStart = timers.nowMs();
  for (let i = 2; i <= 9; i++) {
    source.set(kv("n"), kvEntry("n", String(i)));
    const before = r.events.length;
    await tick(timers, 500);
    if (r.events.length > before) renderTimes.push(timers.nowMs() - burstStart);
  }
  t.equal(renderTimes.length >= 1, true, "a flapping value still renders");
  t.ok(renderTimes[0]! >= 3000 && renderTimes[0]! <= 3200, `first render of the burst at max (${renderTimes[0]} ms)`);
  await tick(timers, 1200);
  t.equal(r.events.at(-1)!.contents, "9", "the settled value is rendered once the burst ends");
  t.ok(timers.nowMs() - start > 0);
});

t.test("runner: a failing command is logged and run again on the next change, even if the file is unchanged", async (t) => {
  const dir = await tempDir(t);
  const dest = join(dir, "out.conf");
  const source = new FakeSource();
  const timers = new ManualTimers();
  const cmd = fakeCommands([false, true]);
  const logger = memoryLogger();
  const r = renders();
  source.set(kv("k"), kvEntry("k", "v"));
  source.set(kv("other"), kvEntry("other", "1"));
  const tpl = startTemplate(source, {
    contents: `{{ key "k" }}{{ if keyExists "other" }}{{ end }}`, destination: dest, command: "reload", timers, runCommand: cmd, onRender: r.onRender, logger,
  });
  t.teardown(() => tpl.close());
  await during(timers, tpl.rendered);
  t.same(cmd.calls, ["reload"]);
  t.equal(r.events[0]!.command?.ok, false);
  t.ok(logger.lines.some((l) => l.startsWith("error command failed: exit code 1") && l.includes("boom")), "failure logged with its stderr");
  // A change that leaves the text as it is: the pending command is retried.
  const next = r.next();
  source.set(kv("other"), kvEntry("other", "2"));
  await tick(timers, 200);
  const ev = await during(timers, next);
  t.equal(ev.written, false);
  t.same(cmd.calls, ["reload", "reload"], "retried");
  t.equal(ev.command?.ok, true);
  // And once it succeeded, unchanged text does not run it again.
  const next2 = r.next();
  source.set(kv("other"), kvEntry("other", "3"));
  await tick(timers, 200);
  await during(timers, next2);
  t.same(cmd.calls, ["reload", "reload"]);
});

t.test("runner: a template error rejects `rendered`, is logged, and a later fix renders", async (t) => {
  const source = new FakeSource();
  const timers = new ManualTimers();
  const logger = memoryLogger();
  const r = renders();
  source.set(kv("i"), kvEntry("i", "5"));
  const tpl = startTemplate(source, { contents: `{{ index (split "," "a,b") (parseInt (key "i")) }}`, dry: true, timers, logger, onRender: r.onRender });
  t.teardown(() => tpl.close());
  await t.rejects(during(timers, tpl.rendered), { name: "TemplateExecError", detail: /index out of range: 5/ });
  t.ok(logger.lines.some((l) => l.includes("index out of range")));
  const next = r.next();
  source.set(kv("i"), kvEntry("i", "1"));
  await tick(timers, 200);
  t.equal((await during(timers, next)).contents, "b");
});

t.test("runner: read errors back off and recover; the render happens once reads work", async (t) => {
  const source = new FakeSource();
  const timers = new ManualTimers();
  const logger = memoryLogger();
  const r = renders();
  source.failures.push(new Error("connection refused"), new Error("connection refused"));
  const tpl = startTemplate(source, { contents: `{{ len (service "web") }}`, dry: true, timers, logger, onRender: r.onRender });
  t.teardown(() => tpl.close());
  await tick(timers, 100);
  t.equal(r.events.length, 0);
  t.equal(source.fetches.get(dependencyKey(web)), 1);
  await tick(timers, 250);
  t.equal(source.fetches.get(dependencyKey(web)), 2, "retried after 250 ms");
  await tick(timers, 400);
  t.equal(source.fetches.get(dependencyKey(web)), 2, "the second retry waits twice as long");
  await tick(timers, 200);
  await during(timers, tpl.rendered);
  t.equal(r.events[0]!.contents, "0");
  t.ok(logger.lines.some((l) => l.startsWith("warn read failed")));
  t.ok(logger.lines.some((l) => l.startsWith("info reads work again")));
});

t.test("runner: close stops the watches and rejects a first render that never came with ClosedError", async (t) => {
  const source = new FakeSource();
  const timers = new ManualTimers();
  const tpl = startTemplate(source, { contents: `{{ key "never" }}`, dry: true, timers });
  await tick(timers, 200);
  t.equal(source.watched().length, 1);
  await tpl.close();
  await tpl.close();
  await flush();
  t.equal(source.watched().length, 0, "the blocked read was aborted");
  await t.rejects(during(timers, tpl.rendered), { name: "ClosedError" });
  t.equal(timers.size, 0, "no timer left behind");
});

t.test("runner: a source that is closed for good stops its watch instead of retrying", async (t) => {
  const source = new FakeSource();
  const timers = new ManualTimers();
  const logger = memoryLogger();
  const tpl = startTemplate(source, { contents: `{{ key "k" }}`, dry: true, timers, logger });
  t.teardown(() => tpl.close());
  source.closed = true;
  await tick(timers, 2000);
  t.equal(source.fetches.get(dependencyKey(kv("k"))), 1);
  t.ok(logger.lines.some((l) => l.includes("source closed")));
});

t.test("runner: the destination keeps its permission bits across renders", async (t) => {
  const dir = await tempDir(t);
  const dest = join(dir, "keep.conf");
  await writeFile(dest, "old", { mode: 0o600 });
  const source = new FakeSource();
  const timers = new ManualTimers();
  source.set(kv("k"), kvEntry("k", "new"));
  const tpl = startTemplate(source, { contents: `{{ key "k" }}`, destination: dest, timers });
  t.teardown(() => tpl.close());
  await during(timers, tpl.rendered);
  t.equal(await readFile(dest, "utf8"), "new");
  t.equal((await stat(dest)).mode & 0o777, 0o600);
});

t.test("runner: an unwritable destination is logged and rejects `rendered`; nothing crashes", async (t) => {
  const dir = await tempDir(t);
  await writeFile(join(dir, "file"), "x");
  const source = new FakeSource();
  const timers = new ManualTimers();
  const logger = memoryLogger();
  source.set(kv("k"), kvEntry("k", "v"));
  const tpl = startTemplate(source, { contents: `{{ key "k" }}`, destination: join(dir, "file", "sub", "out"), timers, logger });
  t.teardown(() => tpl.close());
  await t.rejects(during(timers, tpl.rendered));
  t.ok(logger.lines.some((l) => l.includes("cannot write the destination")));
});

t.test("runner: an onRender that throws is logged, not thrown into the timer", async (t) => {
  const source = new FakeSource();
  const timers = new ManualTimers();
  const logger = memoryLogger();
  const tpl = startTemplate(source, { contents: `x`, dry: true, timers, logger, onRender: () => { throw new Error("listener bug"); } });
  t.teardown(() => tpl.close());
  await during(timers, tpl.rendered);
  t.ok(logger.lines.some((l) => l.includes("onRender threw")));
});

t.test("startTemplate: bad options are InvalidConfigError naming the field; bad syntax is TemplateSyntaxError; nothing starts", async (t) => {
  const source = new FakeSource();
  const cases: Array<[Record<string, unknown>, string]> = [
    [{ destination: "x" }, "source"],
    [{ contents: "a", source: "b", destination: "x" }, "source"],
    [{ contents: "a" }, "destination"],
    [{ contents: 1, destination: "x" }, "contents"],
    [{ contents: "a", destination: "" }, "destination"],
    [{ contents: "a", destination: "x", commandTimeoutMs: 0 }, "commandTimeoutMs"],
    [{ contents: "a", destination: "x", wait: { minMs: -1 } }, "wait.minMs"],
    [{ contents: "a", destination: "x", wait: { minMs: 5, maxMs: 1 } }, "wait.maxMs"],
    [{ contents: "a", destination: "x", perms: 0o10000 }, "perms"],
    [{ contents: "a", destination: "x", dry: "yes" }, "dry"],
    [{ contents: "a", destination: "x", onRender: 1 }, "onRender"],
    [{ contents: "a", destination: "x", env: null }, "env"],
    [{ contents: "a", destination: "x", bogus: 1 }, "bogus"],
    [{ contents: "a", destination: "x", blockingWaitMs: -5 }, "blockingWaitMs"],
    [{ source: "/nonexistent/in.tpl", destination: "x" }, "source"],
  ];
  for (const [options, field] of cases) {
    t.throws(() => startTemplate(source, options as never), { name: "InvalidConfigError", field }, JSON.stringify(options));
  }
  t.throws(() => startTemplate(source, { contents: "{{ if }}", destination: "x" }), { name: "TemplateSyntaxError", line: 1, column: 4 });
  t.equal(source.fetches.size, 0, "nothing was read");
});

t.test("startTemplate: a template file is read and named in errors", async (t) => {
  const dir = await tempDir(t);
  const file = join(dir, "in.tpl");
  await writeFile(file, "ok\n{{ nope }}");
  t.throws(() => startTemplate(new FakeSource(), { source: file, destination: join(dir, "o") }), { name: "TemplateSyntaxError", template: file, line: 2, column: 4 });
});
