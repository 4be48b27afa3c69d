import t from "tap";
import { flagHelp, parseFlags, type FlagSpec } from "../../lib/cli/flags.js";
import { formatTable } from "../../lib/cli/table.js";
import { resolveHttpAddress, encodePath } from "../../lib/cli/client.js";

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
