// kv get/put/delete/export/import and watch, in-process against an in-process agent.
import t from "tap";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runIn, startAgent, waitFor } from "./helpers.js";

t.test("kv put/get/delete: values round-trip, with Consul's messages", async (t) => {
  const { agent, addr } = await startAgent(t);
  const put = await runIn(["kv", "put", addr, "app/config", "hello"]);
  t.same([put.code, put.stdout, put.stderr], [0, "Success! Data written to: app/config\n", ""]);
  t.same(await runIn(["kv", "get", addr, "app/config"]), { code: 0, stdout: "hello\n", stderr: "", stdoutBytes: Buffer.from("hello\n") });
  t.equal((await runIn(["kv", "get", addr, "/app/config"])).stdout, "hello\n", "a leading slash is dropped, as in Consul");
  t.equal((await runIn(["kv", "get", addr, "-base64", "app/config"])).stdout, "aGVsbG8=\n");
  const detailed = await runIn(["kv", "get", addr, "-detailed", "app/config"]);
  t.match(detailed.stdout, /^CreateIndex {6}\d+\nFlags {12}0\nKey {14}app\/config\nLockIndex {8}0\nModifyIndex {6}\d+\nSession {10}-\nValue {12}hello\n$/);
  const del = await runIn(["kv", "delete", addr, "app/config"]);
  t.same([del.code, del.stdout], [0, "Success! Deleted key: app/config\n"]);
  const missing = await runIn(["kv", "get", addr, "app/config"]);
  t.same([missing.code, missing.stdout, missing.stderr], [1, "", "disco kv get: no key exists at: app/config\n"], "a missing key: one line, exit 1");
  t.equal(await agent.kv.get("app/config"), undefined);
});

t.test("kv put: -flags, @file, stdin (-), -base64, and an empty value without DATA", async (t) => {
  const { agent, addr } = await startAgent(t);
  const dir = await mkdtemp(join(tmpdir(), "disco-cli-kv-"));
  await writeFile(join(dir, "v.bin"), Buffer.from([0xff, 0x00, 0x01]));
  t.equal((await runIn(["kv", "put", addr, "-flags=42", "bin", `@${join(dir, "v.bin")}`])).code, 0);
  const bin = await agent.kv.get("bin");
  t.same([bin?.flags, bin?.value], [42, Buffer.from([0xff, 0x00, 0x01])]);
  t.same((await runIn(["kv", "get", addr, "bin"])).stdoutBytes, Buffer.from([0xff, 0x00, 0x01, 0x0a]), "raw bytes printed as they are");
  t.equal((await runIn(["kv", "put", addr, "piped", "-"], { stdin: "from stdin" })).code, 0);
  t.equal((await agent.kv.get("piped"))?.value.toString(), "from stdin");
  t.equal((await runIn(["kv", "put", addr, "-base64", "b64", "aGk="])).code, 0);
  t.equal((await agent.kv.get("b64"))?.value.toString(), "hi");
  t.equal((await runIn(["kv", "put", addr, "empty"])).code, 0);
  t.equal((await agent.kv.get("empty"))?.value.length, 0);
  const bad = await runIn(["kv", "put", addr, "-base64", "x", "not base64!"]);
  t.equal(bad.code, 2, "bad base64 is a usage error");
  t.match(bad.stderr, /^disco kv put: DATA: not valid base64\n/);
  t.equal(await agent.kv.get("x"), undefined, "nothing written");
  const noFile = await runIn(["kv", "put", addr, "x", "@/nonexistent/file"]);
  t.equal(noFile.code, 2);
  t.match(noFile.stderr, /cannot read "\/nonexistent\/file"/);
});

t.test("kv put/delete -cas: written or deleted only at the expected ModifyIndex", async (t) => {
  const { agent, addr } = await startAgent(t);
  await agent.kv.put("k", "v1");
  const index = (await agent.kv.get("k"))!.modifyIndex;
  const lost = await runIn(["kv", "put", addr, "-cas", `-modify-index=${index + 5}`, "k", "v2"]);
  t.same([lost.code, lost.stderr], [1, "disco kv put: did not write to k: CAS failed\n"]);
  t.equal((await runIn(["kv", "put", addr, "-cas", `-modify-index=${index}`, "k", "v2"])).code, 0);
  t.equal((await agent.kv.get("k"))?.value.toString(), "v2");
  t.equal((await runIn(["kv", "put", addr, "-cas", "-modify-index=0", "new", "x"])).code, 0, "0 = create only");
  t.equal((await runIn(["kv", "put", addr, "-cas", "-modify-index=0", "new", "y"])).code, 1);
  const current = (await agent.kv.get("k"))!.modifyIndex;
  t.equal((await runIn(["kv", "delete", addr, "-cas", `-modify-index=${current + 1}`, "k"])).code, 1);
  t.equal((await runIn(["kv", "delete", addr, "-cas", `-modify-index=${current}`, "k"])).code, 0);
  t.equal(await agent.kv.get("k"), undefined);
  for (const argv of [
    ["kv", "put", addr, "-cas", "k", "v"], ["kv", "put", addr, "-modify-index=1", "k", "v"],
    ["kv", "put", addr, "-acquire", "k"], ["kv", "put", addr, "-acquire", "-release", "-session=s", "k"],
    ["kv", "put", addr, "-flags=-1", "k"], ["kv", "put", addr, "-cas", "-modify-index=-1", "k"], ["kv", "put", addr],
    ["kv", "put", addr, "a", "b", "c"], ["kv", "put", addr, "/"],
    ["kv", "delete", addr, "-cas", "-recurse", "-modify-index=1", "k"], ["kv", "delete", addr, "-cas", "k"],
    ["kv", "delete", addr, "-modify-index=1", "k"], ["kv", "delete", addr], ["kv", "delete", addr, "a", "b"],
    ["kv", "get", addr], ["kv", "get", addr, "a", "b"],
  ]) {
    const r = await runIn(argv);
    t.equal(r.code, 2, `usage error: ${argv.slice(3).join(" ")}`);
    t.match(r.stderr, /\n\nUsage: disco kv /, "followed by the command's usage");
  }
});

t.test("kv get -recurse, -keys, -separator and delete -recurse work on prefixes", async (t) => {
  const { agent, addr } = await startAgent(t);
  await agent.kv.put("a/b", "1");
  await agent.kv.put("a/c/d", "2");
  await agent.kv.put("z", "3");
  t.equal((await runIn(["kv", "get", addr, "-recurse", "a/"])).stdout, "a/b:1\na/c/d:2\n");
  t.equal((await runIn(["kv", "get", addr, "-recurse", "-base64", "a/b"])).stdout, "a/b:MQ==\n");
  t.match((await runIn(["kv", "get", addr, "-recurse", "-detailed", "a/"])).stdout, /Key {14}a\/b\n[^]*\n\nCreateIndex[^]*Key {14}a\/c\/d\n/);
  t.equal((await runIn(["kv", "get", addr, "-keys", "a/"])).stdout, "a/b\na/c/\n");
  t.equal((await runIn(["kv", "get", addr, "-keys"])).stdout, "a/\nz\n");
  t.equal((await runIn(["kv", "get", addr, "-keys", "-separator=", "a/"])).stdout, "a/b\na/c/d\n");
  t.same(await runIn(["kv", "get", addr, "-recurse", "none/"]), { code: 0, stdout: "", stderr: "", stdoutBytes: Buffer.alloc(0) });
  t.equal((await runIn(["kv", "get", addr, "-keys", "none/"])).stdout, "");
  const del = await runIn(["kv", "delete", addr, "-recurse", "a/"]);
  t.same([del.code, del.stdout], [0, "Success! Deleted keys with prefix: a/\n"]);
  t.same(await agent.kv.keys(""), ["z"]);
});

t.test("kv export/import: Consul's JSON format round-trips values, binary and flags", async (t) => {
  const { agent, addr } = await startAgent(t);
  await agent.kv.put("cfg/a", "alpha", { flags: 7 });
  await agent.kv.put("cfg/bin", Buffer.from([0, 1, 255]));
  await agent.kv.put("cfg/empty", "");
  await agent.kv.put("other", "x");
  const exported = await runIn(["kv", "export", addr, "cfg/"]);
  t.equal(exported.code, 0);
  t.same(JSON.parse(exported.stdout), [
    { key: "cfg/a", flags: 7, value: "YWxwaGE=" }, { key: "cfg/bin", flags: 0, value: "AAH/" }, { key: "cfg/empty", flags: 0, value: "" },
  ]);
  t.match(exported.stdout, /^\[\n\t\{\n\t\t"key": "cfg\/a",/, "tab-indented, as consul kv export");
  t.equal((await runIn(["kv", "export", addr, "none/"])).stdout, "[]\n");
  await agent.kv.delete("cfg/", { recurse: true });
  const imported = await runIn(["kv", "import", addr], { stdin: exported.stdout });
  t.same([imported.code, imported.stdout], [0, "Imported: cfg/a\nImported: cfg/bin\nImported: cfg/empty\n"]);
  t.same([(await agent.kv.get("cfg/a"))?.flags, (await agent.kv.get("cfg/a"))?.value.toString()], [7, "alpha"]);
  t.same((await agent.kv.get("cfg/bin"))?.value, Buffer.from([0, 1, 255]));
  t.equal((await runIn(["kv", "import", addr, "-prefix=copy/", exported.stdout])).code, 0);
  t.same(await agent.kv.keys("copy/"), ["copy/cfg/a", "copy/cfg/bin", "copy/cfg/empty"]);
});

t.test("kv import: a bad entry anywhere stops the import before anything is written", async (t) => {
  const { agent, addr } = await startAgent(t);
  const cases: [string, RegExp][] = [
    ["not json", /not JSON/], ['{"key":"a"}', /must be a JSON array/], ['[{"key":"a","value":"YQ=="},{"key":""}]', /entry \[1\]\.key/],
    ['[{"key":"a","value":"!!"}]', /entry \[0\]\.value: not valid base64/], ['[{"key":"a","flags":-1}]', /entry \[0\]\.flags/],
    ['[{"key":"a","value":5}]', /entry \[0\]\.value: must be a base64 string/], ["[7]", /entry \[0\]: must be an object/],
  ];
  for (const [data, message] of cases) {
    const r = await runIn(["kv", "import", addr, data]);
    t.equal(r.code, 2, data);
    t.match(r.stderr, message);
  }
  t.same(await agent.kv.keys(""), [], "nothing was written");
  t.equal((await runIn(["kv", "export", addr, "a", "b"])).code, 2);
  t.equal((await runIn(["kv", "import", addr, "a", "b"])).code, 2);
});

t.test("kv put -acquire/-release: a session-held lock, refused to another session", async (t) => {
  const { agent, addr } = await startAgent(t);
  const s1 = await agent.session.create({});
  const s2 = await agent.session.create({});
  t.same((await runIn(["kv", "put", addr, "-acquire", `-session=${s1}`, "lock", "me"])).stdout, "Success! Lock acquired on: lock\n");
  t.equal((await agent.kv.get("lock"))?.session, s1);
  const refused = await runIn(["kv", "put", addr, "-acquire", `-session=${s2}`, "lock", "you"]);
  t.same([refused.code, refused.stderr], [1, `disco kv put: did not acquire the lock on lock: another session holds it, or session ${s2} is invalid\n`]);
  const notHeld = await runIn(["kv", "put", addr, "-release", `-session=${s2}`, "lock"]);
  t.equal(notHeld.code, 1);
  t.match(notHeld.stderr, /did not release the lock on lock/);
  t.equal((await runIn(["kv", "put", addr, "-release", `-session=${s1}`, "lock"])).stdout, "Success! Lock released on: lock\n");
  t.equal((await agent.kv.get("lock"))?.session, undefined);
});

t.test("watch -once: prints the current view as JSON for each type", async (t) => {
  const { agent, addr } = await startAgent(t);
  await agent.kv.put("cfg/a", "1");
  await agent.register({ name: "web", port: 80, tags: ["v1"], check: { ttl: "10s" }, heartbeat: false });
  const key = await runIn(["watch", addr, "-once", "-type=key", "-key=cfg/a"]);
  t.equal(key.code, 0);
  t.match(JSON.parse(key.stdout), { Key: "cfg/a", Value: "MQ==" });
  t.match(key.stdout, /^\{\n {4}"/, "indented by four spaces, as consul watch");
  t.equal((await runIn(["watch", addr, "-once", "-type=key", "-key=none"])).stdout, "null\n", "a missing key is null");
  t.match(JSON.parse((await runIn(["watch", addr, "-once", "-type=keyprefix", "-prefix=cfg/"])).stdout), [{ Key: "cfg/a" }]);
  t.same(JSON.parse((await runIn(["watch", addr, "-once", "-type=keyprefix", "-prefix=none/"])).stdout), []);
  t.same(JSON.parse((await runIn(["watch", addr, "-once", "-type=services"])).stdout), { web: ["v1"] });
  t.match(JSON.parse((await runIn(["watch", addr, "-once", "-type=nodes"])).stdout), [{ Node: "n1" }]);
  t.match(JSON.parse((await runIn(["watch", addr, "-once", "-type=service", "-service=web", "-tag=v1"])).stdout), [{ Service: { Service: "web" } }]);
  t.same(JSON.parse((await runIn(["watch", addr, "-once", "-type=service", "-service=web", "-passingonly"])).stdout), []);
  t.match(JSON.parse((await runIn(["watch", addr, "-once", "-type=checks", "-service=web"])).stdout), [{ ServiceName: "web" }]);
  const critical = JSON.parse((await runIn(["watch", addr, "-once", "-type=checks", "-state=critical"])).stdout) as unknown[];
  t.equal(critical.length, 1);
  t.equal((JSON.parse((await runIn(["watch", addr, "-once", "-type=checks"])).stdout) as unknown[]).length, 2, "any state by default");
});

t.test("watch: blocking queries print the view again each time it changes, until interrupted", async (t) => {
  const { agent, addr } = await startAgent(t);
  await agent.kv.put("k", "v1");
  const stop = new AbortController();
  let seen = "";
  const running = runIn(["watch", addr, "-type=key", "-key=k"], { interrupts: stop.signal, onStdout: (s) => (seen = s) });
  await waitFor(() => seen.includes('"Value": "djE="'), 5000, "the first value");
  await agent.kv.put("unrelated", "x");
  await agent.kv.put("k", "v2");
  await waitFor(() => seen.includes('"Value": "djI="'), 5000, "the changed value");
  await agent.kv.delete("k");
  await waitFor(() => seen.endsWith("null\n"), 5000, "the deletion");
  stop.abort("SIGINT");
  const r = await running;
  t.equal(r.code, 0, "an interrupted watch exits 0");
  t.equal(r.stdout.match(/"Key": "k"/g)?.length, 2, "printed once per change, not on unrelated writes");
});

t.test("watch with a handler: the JSON goes to the handler's stdin with CONSUL_INDEX set", async (t) => {
  const { agent, addr } = await startAgent(t);
  await agent.kv.put("k", "v");
  const r = await runIn(["watch", addr, "-once", "-type=key", "-key=k", "cat; echo index=$CONSUL_INDEX"], { env: { PATH: process.env["PATH"] } });
  t.equal(r.code, 0);
  t.match(r.stdout, /^\{\n[^]*"Key": "k"[^]*\}\nindex=\d+\n$/);
  const failing = await runIn(["watch", addr, "-once", "-type=key", "-key=k", "exit 3"], { env: { PATH: process.env["PATH"] } });
  t.equal(failing.code, 0, "a failing handler is reported, the watch goes on");
  t.match(failing.stderr, /handler exited with code 3/);
});

t.test("watch: bad flag combinations are usage errors", async (t) => {
  const { addr } = await startAgent(t);
  const cases: [string[], RegExp][] = [
    [[], /-type is required/], [["-type=bogus"], /unknown -type "bogus"/], [["-type=key"], /-type=key needs -key/],
    [["-type=services", "-key=x"], /-key cannot be used with -type=services/], [["-type=service"], /needs -service/],
    [["-type=checks", "-service=a", "-state=any"], /cannot be used together/], [["-type=checks", "-state=sad"], /-state must be one of/],
  ];
  for (const [argv, message] of cases) {
    const r = await runIn(["watch", addr, ...argv]);
    t.equal(r.code, 2, argv.join(" "));
    t.match(r.stderr, message);
  }
  t.equal((await runIn(["watch", addr, "-type=event", "-key=x"])).code, 2, "-type=event takes -name only");
  t.equal((await runIn(["watch", addr, "-once", "-type=keyprefix", "-prefix="])).code, 0, "an empty prefix watches every key");
});

t.test("watch: the first query failing is an error; an interrupted watch exits 0", async (t) => {
  const { agent, addr } = await startAgent(t);
  const stop = new AbortController();
  stop.abort("SIGINT");
  t.equal((await runIn(["watch", addr, "-type=services"], { interrupts: stop.signal })).code, 0);
  await agent.close();
  const r = await runIn(["watch", addr, "-type=services"], { interrupts: new AbortController().signal });
  t.equal(r.code, 1);
  t.match(r.stderr, /^disco watch: cannot reach the agent/);
});
