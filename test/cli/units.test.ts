// Pure pieces of the CLI: flag parsing, tables, addresses, agent settings, logger, banner.
import t from "tap";
import { flagHelp, parseFlags, type FlagSpec } from "../../lib/cli/flags.js";
import { formatTable } from "../../lib/cli/table.js";
import { resolveHttpAddress, encodePath } from "../../lib/cli/client.js";
import { agentCommand } from "../../lib/cli/commands/agent.js";
import { parseConfigFile } from "../../lib/cli/agent/config-file.js";
import { emptySettings, mergeSettings, settingsFromFlags } from "../../lib/cli/agent/settings.js";
import { joinHostPort, toAgentOptions } from "../../lib/cli/agent/to-options.js";
import { formatBanner } from "../../lib/cli/agent/banner.js";
import { createCliLogger, parseLogLevel } from "../../lib/cli/logger.js";

const SPECS: FlagSpec[] = [
  { name: "recurse", kind: "bool", usage: "r" },
  { name: "http-addr", kind: "string", usage: "a" },
  { name: "flags", kind: "int", usage: "f" },
  { name: "tag", kind: "list", usage: "t" },
];

t.test("flags: -flag=value, -flag value and --flag forms all parse (Go flag rules)", async (t) => {
  const { flags, args } = parseFlags(["-http-addr=h:1", "--flags", "7", "--recurse", "key"], SPECS);
  t.equal(flags.string("http-addr"), "h:1");
  t.equal(flags.int("flags"), 7);
  t.equal(flags.bool("recurse"), true);
  t.same(args, ["key"]);
  t.equal(parseFlags(["-http-addr", "h:2"], SPECS).flags.string("http-addr"), "h:2");
});

t.test("flags: a boolean never takes the next argument; -b=false turns it off", async (t) => {
  const a = parseFlags(["-recurse", "prefix"], SPECS);
  t.equal(a.flags.bool("recurse"), true);
  t.same(a.args, ["prefix"]);
  t.equal(parseFlags(["-recurse=false"], SPECS).flags.bool("recurse"), false);
  t.equal(parseFlags(["-recurse=0"], SPECS).flags.has("recurse"), true);
  t.throws(() => parseFlags(["-recurse=maybe"], SPECS), { name: "UsageError", message: /invalid boolean value "maybe" for -recurse/ });
});

t.test("flags: a repeatable flag collects every value in order; a single one keeps the last", async (t) => {
  const { flags } = parseFlags(["-tag=a", "-tag", "b", "-flags=1", "-flags=2"], SPECS);
  t.same(flags.list("tag"), ["a", "b"]);
  t.equal(flags.int("flags"), 2);
  t.same(flags.list("missing"), []);
  t.equal(flags.string("missing"), undefined);
  t.equal(flags.int("missing"), undefined);
});

t.test("flags: parsing stops at the first argument that is not a flag, and at --", async (t) => {
  t.same(parseFlags(["key", "-recurse"], SPECS).args, ["key", "-recurse"]);
  t.same(parseFlags(["--", "-recurse"], SPECS).args, ["-recurse"]);
  t.same(parseFlags(["-", "x"], SPECS).args, ["-", "x"], "a lone dash is an argument (stdin)");
  t.equal(parseFlags(["-http-addr", "-5"], SPECS).flags.string("http-addr"), "-5", "a value flag takes the next argument whatever it is");
});

t.test("flags: unknown flags, missing values and bad integers are usage errors naming the flag", async (t) => {
  t.throws(() => parseFlags(["-bogus"], SPECS), { name: "UsageError", message: "flag provided but not defined: -bogus" });
  t.throws(() => parseFlags(["-http-addr"], SPECS), { name: "UsageError", message: "flag needs an argument: -http-addr" });
  t.throws(() => parseFlags(["-flags=x1"], SPECS), { name: "UsageError", message: /invalid value "x1" for -flags: must be an integer/ });
  t.throws(() => parseFlags(["---x"], SPECS), { name: "UsageError", message: /bad flag syntax/ });
  t.throws(() => parseFlags(["-=x"], SPECS), { name: "UsageError", message: /bad flag syntax/ });
});

t.test("flags: -h, -help and --help ask for help unless the command defines them", async (t) => {
  for (const h of ["-h", "-help", "--help"]) t.equal(parseFlags([h], SPECS).help, true, h);
  t.equal(parseFlags([], SPECS).help, false);
});

t.test("flags: help lists flags sorted, with value placeholders and the repeatable note", async (t) => {
  const help = flagHelp(SPECS);
  t.match(help, /^ {2}-flags=<int>\n/);
  t.match(help, /-http-addr=<string>/);
  t.match(help, /-recurse\n/);
  t.match(help, /May be given more than once/);
});

t.test("table: columns padded to the widest cell with two spaces between, last column unpadded", async (t) => {
  t.equal(formatTable([["Node", "Address"], ["agent-one", "127.0.0.1:8301"]]), "Node       Address\nagent-one  127.0.0.1:8301\n");
  t.equal(formatTable([]), "");
});

t.test("client: the address comes from the flag, then DISCO_HTTP_ADDR, then CONSUL_HTTP_ADDR, then 127.0.0.1:8500", async (t) => {
  t.equal(resolveHttpAddress("10.0.0.1:1", { DISCO_HTTP_ADDR: "x:2" }), "http://10.0.0.1:1");
  t.equal(resolveHttpAddress(undefined, { DISCO_HTTP_ADDR: "x:2", CONSUL_HTTP_ADDR: "y:3" }), "http://x:2");
  t.equal(resolveHttpAddress(undefined, { CONSUL_HTTP_ADDR: "https://y:3" }), "https://y:3");
  t.equal(resolveHttpAddress(undefined, {}), "http://127.0.0.1:8500");
  t.throws(() => resolveHttpAddress("unix:///tmp/s", {}), { name: "UsageError", message: /only http/ });
  t.throws(() => resolveHttpAddress("http://[bad", {}), { name: "UsageError", message: /invalid -http-addr/ });
});

t.test("client: KV paths are encoded segment by segment, keeping slashes and a trailing slash", async (t) => {
  t.equal(encodePath("a b/c?d/"), "a%20b/c%3Fd/");
});

function plan(argv: string[]) {
  return toAgentOptions(settingsFromFlags(parseFlags(argv, agentCommand.flags).flags));
}

t.test("agent flags: the seed's consul command line maps to one persisted server node", async (t) => {
  const p = plan(["-server", "-bootstrap", "-ui", "-data-dir=/d", "-bind=127.0.0.1", "-client=0.0.0.0", "-node=agent-one"]);
  t.match(p.options, {
    mode: "dev", server: true, dataDir: "/d", node: "agent-one", ui: true, advertise: "127.0.0.1",
    bind: "127.0.0.1:8301", rpc: "127.0.0.1:8300", http: "0.0.0.0:8500", dns: "0.0.0.0:8600",
  });
  t.equal(p.options.bootstrapExpect, undefined);
  t.equal(p.options.join, undefined, "no join list in single-node mode");
  t.equal(p.bootstrap, true);
  t.equal(p.clusterReason, undefined);
});

t.test("agent flags: -dev is in memory even with -data-dir; ports and client address apply", async (t) => {
  const p = plan(["-dev", "-data-dir=/ignored", "-http-port=0", "-dns-port=-1", "-client=127.0.0.2", "-datacenter=east", "-domain=corp"]);
  t.equal(p.options.dataDir, undefined);
  t.equal(p.options.http, "127.0.0.2:0");
  t.equal(p.options.dns, undefined, "-dns-port=-1 turns DNS off");
  t.match(p.options, { mode: "dev", datacenter: "east", domain: "corp" });
  t.equal(p.options.bind, undefined, "no gossip address unless asked");
  t.equal(plan(["-dev", "-http-port=-1"]).options.http, undefined, "-http-port=-1 turns HTTP off");
});

t.test("agent flags: cluster flags map to a raft server known by its RPC address; -join names gossip members with -bind, else servers' RPC addresses", async (t) => {
  t.match(plan(["-server", "-bootstrap-expect=3", "-data-dir=/d", "-bind=10.0.0.1", "-join=10.0.0.2", "-retry-join=10.0.0.3:9301"]), {
    options: { mode: "raft", server: true, bootstrapExpect: 3, rpc: "10.0.0.1:8300", bind: "10.0.0.1:8301", join: ["10.0.0.2:8301", "10.0.0.3:9301"] },
    clusterReason: "-join/-retry-join",
  });
  t.match(plan(["-server", "-bootstrap-expect=3", "-data-dir=/d", "-join=10.0.0.2", "-retry-join=10.0.0.3:9300"]), {
    options: { mode: "raft", server: true, join: ["10.0.0.2:8300", "10.0.0.3:9300"] },
  }, "without a gossip address, -join names the other servers' RPC addresses");
  t.match(plan(["-server", "-data-dir=/d", "-server-port=9300"]), {
    options: { mode: "raft", server: true, rpc: "127.0.0.1:9300" }, clusterReason: "-server without -bootstrap",
  });
  t.match(plan(["-server", "-bootstrap-expect=3", "-data-dir=/d"]), { options: { mode: "raft", bootstrapExpect: 3 }, clusterReason: "-bootstrap-expect=3" });
  t.match(plan(["-data-dir=/d"]), { options: { mode: "raft", server: false }, clusterReason: /client agent/ });
  t.match(plan(["-server", "-bootstrap-expect=1", "-data-dir=/d"]), { options: { mode: "dev" } }, "-bootstrap-expect=1 is -bootstrap");
  t.match(plan(["-dev", "-join=::1"]).options.join, ["[::1]:8300"], "a bare IPv6 join address gets brackets and the port");
  t.equal(plan(["-dev"]).options.rpc, undefined, "a lone dev node needs no RPC address");
});

t.test("agent flags: conflicting or missing settings are config errors naming the flag", async (t) => {
  t.throws(() => plan(["-server", "-bootstrap", "-bootstrap-expect=1", "-data-dir=/d"]), { name: "InvalidConfigError", field: "bootstrap-expect" });
  t.throws(() => plan(["-server", "-bootstrap-expect=0", "-data-dir=/d"]), { name: "InvalidConfigError", field: "bootstrap-expect" });
  t.throws(() => plan(["-server", "-bootstrap"]), { name: "InvalidConfigError", field: "data-dir" });
  t.throws(() => plan(["-dev", "-http-port=70000"]), { name: "InvalidConfigError", field: "http-port" });
  t.throws(() => plan(["-dev", "-server-port=-1"]), { name: "InvalidConfigError", field: "server-port" });
  t.throws(() => plan(["-dev", "-retry-join=provider=aws tag_key=x"]), { name: "NotSupportedError", message: /cloud auto-join/ });
});

t.test("agent flags: -advertise wins; a wildcard -bind is not advertised; IPv6 hosts are bracketed", async (t) => {
  t.match(plan(["-dev", "-bind=0.0.0.0", "-advertise=10.1.1.1"]).options, { advertise: "10.1.1.1", bind: "0.0.0.0:8301", rpc: "10.1.1.1:8300" });
  t.match(plan(["-dev", "-bind=0.0.0.0"]).options, { rpc: "127.0.0.1:8300" }, "a wildcard bind is not an address peers can use");
  t.equal(plan(["-dev", "-bind=0.0.0.0"]).options.advertise, undefined);
  t.match(plan(["-dev", "-serf-lan-port=9301"]).options, { bind: "0.0.0.0:9301" });
  t.equal(joinHostPort("::1", 8500), "[::1]:8500");
  t.equal(joinHostPort("[::1]", 8500), "[::1]:8500");
  t.same(plan(["-dev", "-node-meta=rack:r1", "-node-meta=flag"]).options.meta, { rack: "r1", flag: "" });
});

t.test("config file: Consul's agent keys are read; unknown keys, ports and ui_config keys are listed to ignore", async (t) => {
  const { settings, ignored } = parseConfigFile(JSON.stringify({
    datacenter: "dc2", data_dir: "/data", node_name: "n", server: true, bootstrap: true, bind_addr: "10.0.0.1",
    client_addr: "0.0.0.0", advertise_addr: "10.0.0.2", domain: "corp", start_join: ["a"], retry_join: ["b"],
    ui: false, ui_config: { enabled: true, content_path: "/x" }, encrypt: "k", log_level: "debug", pid_file: "/p",
    ports: { http: 1, dns: 2, serf_lan: 3, serf_wan: 4, server: 5, grpc: 6 }, node_meta: { a: "b" },
    service: { name: "web" }, services: [{ name: "db" }], acl: { enabled: true }, telemetry: {},
    bootstrap_expect: 1,
  }), "c.json");
  t.match(settings, {
    datacenter: "dc2", dataDir: "/data", node: "n", server: true, bootstrap: true, bindAddr: "10.0.0.1",
    clientAddr: "0.0.0.0", advertiseAddr: "10.0.0.2", domain: "corp", join: ["a"], retryJoin: ["b"], ui: true,
    encrypt: "k", logLevel: "debug", pidFile: "/p", ports: { http: 1, dns: 2, serfLan: 3, serfWan: 4, server: 5 },
    nodeMeta: { a: "b" }, services: [{ name: "web" }, { name: "db" }], bootstrapExpect: 1,
  });
  t.same(ignored, ["ui_config.content_path", "ports.grpc", "acl", "telemetry"]);
});

t.test("config file: bad JSON and wrongly typed values are config errors naming the file and key", async (t) => {
  t.throws(() => parseConfigFile("datacenter = \"x\"", "c.hcl"), { name: "InvalidConfigError", field: "c.hcl", message: /not HCL/ });
  t.throws(() => parseConfigFile("[]", "c.json"), { name: "InvalidConfigError", field: "c.json" });
  t.throws(() => parseConfigFile('{"server":"yes"}', "c.json"), { name: "InvalidConfigError", field: "c.json: server" });
  t.throws(() => parseConfigFile('{"bootstrap_expect":1.5}', "c.json"), { name: "InvalidConfigError", field: "c.json: bootstrap_expect" });
  t.throws(() => parseConfigFile('{"start_join":[1]}', "c.json"), { name: "InvalidConfigError", field: "c.json: start_join" });
  t.throws(() => parseConfigFile('{"ports":{"http":"80"}}', "c.json"), { name: "InvalidConfigError", field: "c.json: ports.http" });
  t.throws(() => parseConfigFile('{"node_meta":{"a":1}}', "c.json"), { name: "InvalidConfigError", field: "c.json: node_meta.a" });
  t.throws(() => parseConfigFile('{"services":{}}', "c.json"), { name: "InvalidConfigError", field: "c.json: services" });
  t.throws(() => parseConfigFile('{"ui_config":{"enabled":1}}', "c.json"), { name: "InvalidConfigError", field: "c.json: ui_config.enabled" });
  t.throws(() => parseConfigFile('{"data_dir":5}', "c.json"), { name: "InvalidConfigError", field: "c.json: data_dir" });
});

t.test("settings: flags layered on config files win for scalars; lists append; maps merge", async (t) => {
  const file = parseConfigFile('{"datacenter":"a","node_name":"n","start_join":["x"],"ports":{"http":1,"dns":2},"node_meta":{"k":"1"}}', "c").settings;
  const flags = settingsFromFlags(parseFlags(["-datacenter=b", "-join=y", "-http-port=9", "-node-meta=j:2"], agentCommand.flags).flags);
  const merged = mergeSettings(mergeSettings(emptySettings(), file), flags);
  t.match(merged, { datacenter: "b", node: "n", join: ["x", "y"], ports: { http: 9, dns: 2 }, nodeMeta: { k: "1", j: "2" } });
});

t.test("logger: -log-level filters records; lines carry time, level, component path and fields", async (t) => {
  const lines: string[] = [];
  const log = createCliLogger("info", (l) => lines.push(l), {}, () => 0);
  log.debug("hidden");
  log.info({ component: "http", port: 1, note: "two words", err: new Error("boom") }, "listening");
  log.child!({ component: "agent" }).child!({ component: "services" }).warn("w");
  log.error("e");
  t.same(lines, [
    "1970-01-01T00:00:00.000Z [INFO]  http: listening: port=1 note=\"two words\" err=\"boom\"\n",
    "1970-01-01T00:00:00.000Z [WARN]  agent.services: w\n",
    "1970-01-01T00:00:00.000Z [ERROR] agent: e\n",
  ]);
  const debug: string[] = [];
  createCliLogger("trace", (l) => debug.push(l), {}, () => 0).debug({ o: { a: 1 }, empty: "" }, "d");
  t.same(debug, ["1970-01-01T00:00:00.000Z [DEBUG] agent: d: o={\"a\":1} empty=\"\"\n"]);
  t.equal(parseLogLevel("ERR"), "error");
  t.equal(parseLogLevel("warn"), "warn");
  t.throws(() => parseLogLevel("loud"), { name: "InvalidConfigError", field: "log-level" });
});

t.test("banner: Consul's layout with the real HTTP address, ending with the running line", async (t) => {
  const text = formatBanner({
    version: "0.1.0", node: "agent-one", datacenter: "dc1", mode: "dev", server: true, bootstrap: true,
    dataDir: "/d", clientAddr: "127.0.0.1", http: { host: "127.0.0.1", port: 41234 }, dnsPort: undefined,
    clusterAddr: "127.0.0.1", lanPort: 8301, wanPort: 8302, encrypted: false, ui: true,
  });
  t.match(text, /^==> Starting disco agent\.\.\.\n/);
  t.match(text, /\n {9}Node name: 'agent-one'\n/);
  t.match(text, /Client Addr: \[127\.0\.0\.1\] \(HTTP: 41234, DNS: -1\)/);
  t.match(text, /HTTP Address: http:\/\/127\.0\.0\.1:41234\n/);
  t.match(text, /persisted in \/d/);
  t.match(text, /==> disco agent running!\n/);
  const v6 = formatBanner({
    version: "0", node: "n", datacenter: "d", mode: "dev", server: true, bootstrap: true, dataDir: undefined,
    clientAddr: "::1", http: { host: "::1", port: 1 }, dnsPort: 53, clusterAddr: "::1", lanPort: 1, wanPort: 2,
    encrypted: true, ui: false,
  });
  t.match(v6, /HTTP Address: http:\/\/\[::1\]:1/);
  t.match(v6, /in memory/);
  const off = formatBanner({
    version: "0", node: "n", datacenter: "d", mode: "dev", server: true, bootstrap: true, dataDir: undefined,
    clientAddr: "x", http: undefined, dnsPort: undefined, clusterAddr: "x", lanPort: 1, wanPort: 2, encrypted: false, ui: false,
  });
  t.match(off, /HTTP Address: -\n/);
});
