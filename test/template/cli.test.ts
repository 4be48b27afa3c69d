import t, { type Test } from "tap";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Agent } from "../../lib/agent/agent.js";
import { templateCommand, templateHelp, type TemplateIo } from "../../lib/template/cli.js";
import { parseTemplateSpec, parseWaitFlag } from "../../lib/template/cli-args.js";

function io(env: Record<string, string> = {}, interrupts?: AbortSignal): TemplateIo & { out: string; err: string } {
  const o = {
    out: "",
    err: "",
    stdout(d: string | Uint8Array) {
      o.out += typeof d === "string" ? d : Buffer.from(d).toString();
    },
    stderr(d: string) {
      o.err += d;
    },
    env,
    ...(interrupts ? { interrupts: () => interrupts } : {}),
  };
  return o;
}

async function setup(t: Test): Promise<{ agent: Agent; dir: string; addr: string }> {
  const agent = await Agent.start({ node: "cli-node", http: "127.0.0.1:0" });
  t.teardown(() => agent.close());
  const dir = await mkdtemp(join(tmpdir(), "disco-tpl-cli-"));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return { agent, dir, addr: `${agent.httpAddress!.host}:${agent.httpAddress!.port}` };
}

t.test("cli: -template splits on the first two colons only; the command keeps its own", async (t) => {
  t.same(parseTemplateSpec("in.tpl:out.conf:nginx -s reload", false), { source: "in.tpl", destination: "out.conf", command: "nginx -s reload" });
  t.same(parseTemplateSpec("a:b:sh -c 'echo a:b:c'", false), { source: "a", destination: "b", command: "sh -c 'echo a:b:c'" });
  t.same(parseTemplateSpec("a:b", false), { source: "a", destination: "b", command: undefined });
  t.same(parseTemplateSpec("a", true), { source: "a", destination: undefined, command: undefined });
  t.throws(() => parseTemplateSpec("a", false), { name: "UsageError", message: /destination is missing/ });
  t.throws(() => parseTemplateSpec(":b", false), { name: "UsageError", message: /template file is missing/ });
});

t.test("cli: -wait=min[:max] with max defaulting to 4 × min (consul-template)", async (t) => {
  t.same(parseWaitFlag("1s:5s"), { minMs: 1000, maxMs: 5000 });
  t.same(parseWaitFlag("100ms"), { minMs: 100, maxMs: 400 });
  t.throws(() => parseWaitFlag("5s:1s"), { name: "UsageError", message: /max is less than min/ });
  t.throws(() => parseWaitFlag("x"), { name: "UsageError" });
  t.throws(() => parseWaitFlag("1s:2s:3s"), { name: "UsageError" });
});

t.test("cli: usage errors exit 2 with the help; -h prints the help and exits 0", async (t) => {
  const help = io();
  t.equal(await templateCommand(["-h"], help), 0);
  t.match(help.out, /Usage: disco template/);
  t.equal(help.out, templateHelp());
  for (const argv of [[], ["-nope"], ["-template", "a:b", "extra"], ["-template", "a:b", "-wait", "zz"], ["-template", "a"], ["-template", "a:b", "-log-level", "loud"], ["-template", "a:b", "-http-addr", "unix:///x"]]) {
    const r = io();
    t.equal(await templateCommand(argv, r), 2, argv.join(" "));
    t.match(r.err, /^disco template: .*\n\nUsage: disco template/s);
  }
});

t.test("cli: a template syntax error exits 1 naming file:line:col", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), "disco-tpl-cli-"));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  await writeFile(join(dir, "in.tpl"), "ok\n  {{ range }}");
  const r = io();
  t.equal(await templateCommand(["-template", `${join(dir, "in.tpl")}:${join(dir, "out")}`], r), 1);
  t.match(r.err, /in\.tpl:2:6: missing value for range/);
  const missing = io();
  t.equal(await templateCommand(["-template", `${join(dir, "none.tpl")}:${join(dir, "out")}`], missing), 1);
  t.match(missing.err, /cannot read/);
});

t.test("cli: -once -dry prints every template to stdout and exits 0 (address from CONSUL_HTTP_ADDR)", async (t) => {
  const { agent, dir, addr } = await setup(t);
  await agent.register({ name: "web", id: "web-1", port: 9001, check: { ttl: "10s" } });
  await writeFile(join(dir, "a.tpl"), `{{ range service "web" }}{{ .Port }}{{ end }}\n`);
  await writeFile(join(dir, "b.tpl"), `{{ env "X" }}\n`);
  const r = io({ CONSUL_HTTP_ADDR: addr, X: "from-env" });
  const code = await templateCommand(["-once", "-dry", "-template", `${join(dir, "a.tpl")}:${join(dir, "a.out")}:false`, "-template", join(dir, "b.tpl")], r);
  t.equal(code, 0, r.err);
  t.match(r.out, `> ${join(dir, "a.out")}\n9001\n`);
  t.match(r.out, "> stdout\nfrom-env\n");
  t.notOk(existsSync(join(dir, "a.out")), "dry writes nothing");
});

t.test("cli: -once writes, runs the command, exits 0; a failing command exits 1", async (t) => {
  const { agent, dir, addr } = await setup(t);
  await agent.kv.put("msg", "hello");
  await writeFile(join(dir, "in.tpl"), `{{ key "msg" }}\n`);
  const ok = io({ DISCO_HTTP_ADDR: addr });
  t.equal(await templateCommand(["-once", "-log-level", "err", "-template", `${join(dir, "in.tpl")}:${join(dir, "out")}:touch ${join(dir, "ran")}`], ok), 0, ok.err);
  t.equal(await readFile(join(dir, "out"), "utf8"), "hello\n");
  t.ok(existsSync(join(dir, "ran")));
  t.equal(ok.err, "", "-log-level err keeps info lines quiet");
  await agent.kv.put("msg", "changed");
  const bad = io();
  t.equal(await templateCommand(["-once", "-http-addr", `http://${addr}`, "-template", `${join(dir, "in.tpl")}:${join(dir, "out")}:exit 7`], bad), 1);
  t.match(bad.err, /command failed: exit code 7/);
});

t.test("cli: without -once it keeps rendering until interrupted, then exits 0", async (t) => {
  const { agent, dir, addr } = await setup(t);
  await agent.kv.put("n", "1");
  await writeFile(join(dir, "in.tpl"), `{{ key "n" }}`);
  const stop = new AbortController();
  const r = io({ DISCO_HTTP_ADDR: addr }, stop.signal);
  const running = templateCommand(["-wait=10ms:50ms", "-template", `${join(dir, "in.tpl")}:${join(dir, "out")}`], r);
  const until = async (want: string): Promise<void> => {
    for (let i = 0; i < 500; i++) {
      if (existsSync(join(dir, "out")) && (await readFile(join(dir, "out"), "utf8")) === want) return;
      await new Promise((res) => setTimeout(res, 10));
    }
    throw new Error(`out never became ${want}`);
  };
  await until("1");
  await agent.kv.put("n", "2");
  await until("2");
  stop.abort("SIGTERM");
  t.equal(await running, 0);
  t.match(r.err, /\[INFO\]  template: stopping: signal=SIGTERM/);
});
