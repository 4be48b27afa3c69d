import t from "tap";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { maintCommand } from "../../lib/cli/commands/misc.js";
import { clientFactory, commandFlags } from "../../lib/cli/command.js";
import { parseFlags } from "../../lib/cli/flags.js";
import type { CliIo } from "../../lib/cli/io.js";
import { reloadConfigServicesOnRequest } from "../../lib/cli/agent/reload.js";
import { registerConfigServices } from "../../lib/cli/agent/lifecycle.js";
import { parseConfigFile } from "../../lib/cli/agent/config-file.js";
import { runBin, runIn, startAgent, waitFor } from "./helpers.js";

const tempDir = (): Promise<string> => mkdtemp(join(tmpdir(), "disco-cli-h2-"));

t.test("disco snapshot save/restore round-trip through the real executable: save, change, restore, data back", async (t) => {
  const { agent, addr } = await startAgent(t);
  await agent.kv.put("app/version", "1");
  await agent.register({ name: "web", port: 80 });
  const file = join(await tempDir(), "backup.snap");
  const save = await runBin(["snapshot", "save", addr, file]);
  t.same([save.code, save.stderr], [0, ""]);
  t.match(save.stdout, /^Saved and verified snapshot to index \d+\n$/);
  t.ok((await readFile(file)).length > 0, "the file holds the snapshot");
  await agent.kv.put("app/version", "2");
  await agent.kv.put("app/extra", "x");
  const restore = await runBin(["snapshot", "restore", addr, file]);
  t.same([restore.code, restore.stdout, restore.stderr], [0, "Restored snapshot\n", ""]);
  t.equal((await agent.kv.get("app/version"))?.value.toString(), "1", "the value is back");
  t.equal(await agent.kv.get("app/extra"), undefined, "the later key is gone");
  t.same(Object.keys(await agent.catalog.services()), ["web"]);
  const junk = join(await tempDir(), "junk.snap");
  await writeFile(junk, "junk");
  const bad = await runIn(["snapshot", "restore", addr, junk]);
  t.equal(bad.code, 1);
  t.match(bad.stderr, /^disco snapshot restore: unexpected response code 500 \(invalid snapshot: is not a disco snapshot/);
});

t.test("disco event through the real executable; disco watch -type=event prints the agent's events", async (t) => {
  const { agent, addr } = await startAgent(t);
  await agent.register({ name: "web", port: 80, tags: ["v1"] });
  const fired = await runBin(["event", addr, "-name=deploy", "-service=web", "-tag=v1", "v3"]);
  t.equal(fired.code, 0, fired.stderr);
  const [, id] = fired.stdout.match(/^Event ID: ([0-9a-f-]{36})\n$/) ?? [];
  t.ok(id, `printed the ID: ${fired.stdout}`);
  t.match(agent.events("deploy"), [{ id, serviceFilter: "web", tagFilter: "v1" }]);
  t.equal(agent.events("deploy")[0]!.payload!.toString(), "v3");
  const once = await runIn(["watch", addr, "-type=event", "-name=deploy", "-once"]);
  t.equal(once.code, 0, once.stderr);
  t.match(JSON.parse(once.stdout), [{ ID: id, Name: "deploy", Payload: Buffer.from("v3").toString("base64"), ServiceFilter: "web" }]);
  const stop = new AbortController();
  let out = "";
  const running = runIn(["watch", addr, "-type=event", "-name=deploy"], { interrupts: stop.signal, onStdout: (s) => (out = s) });
  await waitFor(() => out.includes(id!), 5000, "the first answer");
  agent.fireEvent("deploy", "v4");
  agent.fireEvent("other", "ignored");
  await waitFor(() => out.includes(Buffer.from("v4").toString("base64")), 5000, "the watch to print the new event");
  stop.abort("SIGINT");
  t.equal((await running).code, 0);
  t.notMatch(out, /"other"/, "only events of that name");
  const bad = await runIn(["event", addr, "-name=x", "-node=("]);
  t.equal(bad.code, 1);
  t.match(bad.stderr, /^disco event: unexpected response code 500 \(invalid filters\.node: is not a valid regular expression/);
});

/** Runs a command object as the dispatcher would (for commands the registry does not list yet). */
async function runCommand(argv: string[], addr: string): Promise<{ code: number; stdout: string }> {
  let stdout = "";
  const io: CliIo = {
    stdout: (d) => void (stdout += d.toString()), stderr: () => {}, env: {}, readStdin: async () => Buffer.alloc(0),
    interrupts: () => new AbortController().signal, pid: 1,
  };
  const parsed = parseFlags([...argv, addr], commandFlags(maintCommand));
  const code = await maintCommand.run({ io, flags: parsed.flags, args: parsed.args, client: clientFactory(io, parsed.flags) });
  return { code, stdout };
}

t.test("disco maint: enable and disable node and service maintenance, and list it in consul maint's layout", async (t) => {
  const { agent, addr } = await startAgent(t);
  await agent.register({ name: "web", id: "web-1", port: 80 });
  t.same(await runCommand([], addr), { code: 0, stdout: "" }, "nothing in maintenance: nothing listed");
  t.same(await runCommand(["-enable", "-reason=patching"], addr), { code: 0, stdout: "Node entered maintenance mode\n" });
  t.same(await runCommand(["-enable", "-service=web-1", "-reason=draining"], addr), { code: 0, stdout: "Service entered maintenance mode: web-1\n" });
  t.equal((await runCommand([], addr)).stdout, "Node:\n  Name:   n1\n  Reason: patching\n\nService:\n  ID:     web-1\n  Reason: draining\n");
  t.same(await agent.health.service("web", { passingOnly: true }), [], "the instance is out of passing answers");
  t.same(await runCommand(["-disable", "-service=web-1"], addr), { code: 0, stdout: "Service left maintenance mode: web-1\n" });
  t.same(await runCommand(["-disable"], addr), { code: 0, stdout: "Node left maintenance mode\n" });
  t.equal((await agent.health.service("web", { passingOnly: true })).length, 1);
  for (const argv of [["-enable", "-disable"], ["-disable", "-reason=x"], ["-service=web-1"], ["-enable", "-service="], ["extra"]]) {
    await t.rejects(runCommand(argv, addr), { name: "UsageError" }, argv.join(" "));
  }
  await t.rejects(runCommand(["-enable", "-service=ghost"], addr), { message: /404 \(No service registered with ID "ghost"\)/ });
});

t.test("disco reload: a `disco agent` style agent re-reads its config-file services; a bad file changes nothing", async (t) => {
  const { agent, addr } = await startAgent(t);
  const file = join(await tempDir(), "agent.json");
  const write = (content: unknown): Promise<void> => writeFile(file, JSON.stringify(content));
  const read = async (): Promise<Record<string, unknown>[]> => parseConfigFile(await readFile(file, "utf8"), file).settings.services;
  await write({ services: [{ name: "web", port: 80 }, { name: "old", port: 1 }] });
  const initial = await read();
  await registerConfigServices(agent, initial);
  await agent.register({ name: "sdk", port: 5 });
  const stop = reloadConfigServicesOnRequest(agent, initial, read);
  t.teardown(stop);
  await write({ services: [{ name: "web", port: 8080, check: { ttl: "30s" } }, { name: "db", port: 5432 }] });
  const r = await runIn(["reload", addr]);
  t.same([r.code, r.stdout, r.stderr], [0, "Configuration reload triggered\n", ""]);
  t.same(agent.localServices().sort(), ["db", "sdk", "web"], "old deregistered, db added; a service not from the files is kept");
  const [web] = await agent.catalog.service("web");
  t.equal(web?.service.port, 8080, "a changed definition is applied");
  t.same((await agent.health.checks("web")).map((c) => c.checkId), ["service:web"]);
  await write({ services: [{ name: "web", port: 80 }, { name: "broken", port: 70000 }] });
  const bad = await runIn(["reload", addr]);
  t.equal(bad.code, 1);
  t.match(bad.stderr, /^disco reload: unexpected response code 500 \(invalid config services\[1\]: invalid service\.port/);
  t.same(agent.localServices().sort(), ["db", "sdk", "web"], "nothing changed");
  t.equal((await agent.catalog.service("web"))[0]?.service.port, 8080);
  stop();
  t.equal((await runIn(["reload", addr])).code, 1, "after stop(), reload is not handled");
});
