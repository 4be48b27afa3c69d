import t from "tap";
import { sprintf } from "../../lib/template/printf.js";
import { goJson } from "../../lib/template/functions.js";
import { Template } from "../../lib/template/template.js";
import type { Dependency } from "../../lib/template/dependency.js";
import type { DataResult } from "../../lib/template/data-functions.js";
import { healthEntry, kvEntry, render } from "./helpers.js";

t.test("printf: Go verbs, flags, width and precision", async (t) => {
  const cases: Array<[string, unknown[], string]> = [
    ["%d|%5d|%-5d|%05d|%+d", [7, 7, 7, -7, 7], "7|    7|7    |-0007|+7"],
    ["%s|%10s|%-4s|%.2s", ["ab", "ab", "ab", "abc"], "ab|        ab|ab  |ab"],
    ["%q|%#q|%v|%T", ["a\"b", "ab", "x", "x"], "\"a\\\"b\"|`ab`|x|string"],
    ["%f|%.2f|%8.3f|%e|%g|%G", [1.5, 3.14159, 2, 1234.5, 0.00001, 1e-7], "1.500000|3.14|   2.000|1.234500e+03|1e-05|1E-07"],
    ["%x|%X|%#x|%o|%#o|%b|%c|%U|%q", [255, 255, 255, 8, 8, 5, 65, 233, 65], "ff|FF|0xff|10|010|101|A|U+00E9|'A'"],
    ["%x|%X", ["hi", "hi"], "6869|6869"],
    ["%t|%v|%v", [true, [1, 2], { b: 1, a: 2 }], "true|[1 2]|map[a:2 b:1]"],
    ["%s|%q", [["a", "b"], ["a", "b"]], "[a b]|[\"a\" \"b\"]"],
    ["100%%", [], "100%"],
    ["%d %s", ["x", 3], "%!d(string=x) %!s(int=3)"],
    ["%d", [], "%!d(MISSING)"],
    ["%d", [1, 2], "1%!(EXTRA int=2)"],
    ["%", [], "%!(NOVERB)"],
    ["%t|%d", [1, 1.5], "%!t(int=1)|%!d(float64=1.5)"],
    ["% d|%+.1f|%+v", [5, 2, -1], " 5|+2.0|-1"],
  ];
  for (const [format, args, want] of cases) t.equal(sprintf(format, args), want, `${format} ${JSON.stringify(args)}`);
});

t.test("functions: consul-template's string and list helpers take the piped value last", async (t) => {
  t.equal(render(`{{ "a,b,c" | split "," | join ";" }}`), "a;b;c");
  t.equal(render(`{{ split "," "" | len }}`), "0", "splitting the empty string gives no items");
  t.equal(render(`{{ if "a,b" | split "," | contains "b" }}y{{ end }}{{ if "hello" | contains "ell" }}s{{ end }}`), "ys");
  t.equal(render(`{{ in "hello" "lo" }} {{ in (split "," "a,b") "c" }}`), "true false");
  t.equal(render(`{{ "MiXed" | toLower }} {{ "MiXed" | toUpper }} {{ "hello big world" | toTitle }} [{{ "  x \\n" | trimSpace }}]`), "mixed MIXED Hello Big World [x]");
  t.equal(render(`{{ "a-b-c" | replaceAll "-" "+" }}`), "a+b+c");
  t.equal(render(`{{ env "HOME" }}|{{ env "NOPE" }}`, undefined, { HOME: "/h" }), "/h|");
  t.equal(render(`{{ "42" | parseInt }} {{ "true" | parseBool }} {{ (parseJSON "{\\"a\\":[1]}").a }}`), "42 true [1]");
  t.equal(render(`{{ html "<a href='x'>&</a>" }} {{ urlquery "a b&c" }}`), "&lt;a href=&#39;x&#39;&gt;&amp;&lt;/a&gt; a+b%26c");
  t.equal(render(`{{ print 1 2 "a" "b" 3 }}|{{ println 1 "a" }}`), "1 2ab3|1 a\n");
  t.equal(render(`{{ index (parseJSON "{\\"m\\":{\\"k\\":\\"v\\"}}") "m" "k" }}|{{ index (parseJSON "{}") "k" }}|{{ index "ab" 1 }}`), "v||98");
  t.throws(() => render(`{{ parseInt "x" }}`), { name: "TemplateExecError", detail: /invalid integer/ });
  t.throws(() => render(`{{ parseBool "x" }}`), { name: "TemplateExecError", detail: /invalid boolean/ });
  t.throws(() => render(`{{ parseJSON "{" }}`), { name: "TemplateExecError", detail: /invalid JSON/ });
  t.throws(() => render(`{{ join "," "notalist" }}`), { name: "TemplateExecError", detail: /join needs a list/ });
  t.throws(() => render(`{{ toLower 1 }}`), { name: "TemplateExecError", detail: /must be a string, got int/ });
  t.throws(() => render(`{{ contains "a" 3 }}`), { name: "TemplateExecError", detail: /cannot search in int/ });
  t.throws(() => render(`{{ index 3 1 }}`), { name: "TemplateExecError", detail: /can't index item of type int/ });
  t.throws(() => render(`{{ index (split "," "a") "x" }}`), { name: "TemplateExecError", detail: /cannot index with string/ });
  t.throws(() => render(`{{ index nil 1 }}`), { name: "TemplateExecError", detail: /index of untyped nil/ });
  t.throws(() => render(`{{ index (parseJSON "{}") 1 }}`), { name: "TemplateExecError", detail: /should be string/ });
});

t.test("functions: toJSON is Go's json.Marshal (sorted map keys, struct order, <>& escaped)", async (t) => {
  t.equal(goJson({ b: 1, a: "<&>" }), `{"a":"\\u003c\\u0026\\u003e","b":1}`);
  t.equal(goJson(undefined), "null");
  t.equal(render(`{{ parseJSON "[1,{\\"z\\":1,\\"y\\":2}]" | toJSON }}`), `[1,{"y":2,"z":1}]`);
  t.equal(render(`{{ parseJSON "{\\"a\\":1}" | toJSONPretty }}`), `{\n  "a": 1\n}`);
});

/** Fixed answers, as an agent would give them, by dependency kind. */
function data(answers: Partial<Record<Dependency["kind"], (dep: Dependency) => unknown>>, seen: Dependency[] = []): (dep: Dependency) => DataResult {
  return (dep) => {
    seen.push(dep);
    const f = answers[dep.kind];
    return f ? { ready: true, value: f(dep) } : { ready: false };
  };
}

const web = [
  healthEntry("n1", "10.0.0.1", "web-1", 8080, { tags: ["v2", "v1", "v1"], meta: { zone: "a" } }),
  healthEntry("n2", "10.0.0.2", "web-2", 8081, { svcAddress: "192.168.0.9", status: "warning" }),
  healthEntry("n3", "10.0.0.3", "web-3", 8082, { status: "critical" }),
];

t.test("service: HealthService fields as consul-template (address falls back to the node's, tags sorted, aggregate status)", async (t) => {
  const seen: Dependency[] = [];
  const out = render(`{{ range service "web" }}{{ .Node }} {{ .NodeAddress }} {{ .Address }}:{{ .Port }} {{ .ID }} {{ .Name }} {{ .Tags }} {{ .Status }} {{ .NodeMeta.rack }} {{ .ServiceMeta.zone }} {{ .NodeID }} {{ .NodeDatacenter }} {{ len .Checks }} {{ .Weights.Passing }}
{{ end }}`, data({ "health-service": () => [web[0]] }, seen));
  t.equal(out, "n1 10.0.0.1 10.0.0.1:8080 web-1 web [v1 v2] passing r1 a id-n1 dc1 2 1\n");
  t.same(seen[0], { kind: "health-service", name: "web", tag: undefined, dc: undefined, passingOnly: true }, "default: passing only, filtered by the agent");
});

t.test("service: the query syntax tag.name@dc and the health filters (consul-template's service)", async (t) => {
  const seen: Dependency[] = [];
  const d = data({ "health-service": () => web }, seen);
  t.equal(render(`{{ range service "v1.web@dc1" }}{{ .ID }}{{ end }}`, d), "web-1web-2web-3");
  t.same(seen.at(-1), { kind: "health-service", name: "web", tag: "v1", dc: "dc1", passingOnly: true });
  t.equal(render(`{{ range service "web" "any" }}{{ .ID }} {{ end }}`, d), "web-1 web-2 web-3 ");
  t.match(seen.at(-1), { kind: "health-service", passingOnly: false }, "any asks the agent for every instance");
  t.equal(render(`{{ range service "web" "passing,warning" }}{{ .ID }} {{ end }}`, d), "web-1 web-2 ", "filtered on our side by aggregate status");
  t.equal(render(`{{ range service "web|critical" }}{{ .ID }} {{ end }}`, d), "web-3 ");
  t.equal(render(`{{ range service "web" "passing" }}{{ .ID }} {{ end }}`, d), "web-1 web-2 web-3 ", "\"passing\" alone is the default query");
  t.equal(render(`{{ range service "a.b.web~_agent" }}{{ .ID }} {{ end }}`, d).length > 0, true, "dotted tags and ~near parse");
  t.same(seen.at(-1), { kind: "health-service", name: "web", tag: "a.b", dc: undefined, passingOnly: true });
  t.throws(() => render(`{{ service "web" "bogus" }}`, d), { name: "TemplateExecError", detail: /unknown health status "bogus"/ });
  t.throws(() => render(`{{ service "web" "any,passing" }}`, d), { name: "TemplateExecError", detail: /cannot be combined/ });
  t.throws(() => render(`{{ service "web|any" "any" }}`, d), { name: "TemplateExecError", detail: /give the health filter once/ });
  t.throws(() => render(`{{ service "web?ns=x" }}`, d), { name: "TemplateExecError", detail: /not supported/ });
  t.throws(() => render(`{{ service "bad name!" }}`, d), { name: "TemplateExecError", detail: /invalid service query/ });
  t.throws(() => render(`{{ service 1 }}`, d), { name: "TemplateExecError", detail: /service query must be a string/ });
});

t.test("service: maintenance checks make the aggregate status maintenance", async (t) => {
  const e = healthEntry("n1", "10.0.0.1", "web-1", 80) as { Checks: unknown[] };
  e.Checks.push({ CheckID: "_service_maintenance:web-1", Status: "critical" });
  t.equal(render(`{{ range service "web" "any" }}{{ .Status }}{{ end }}`, data({ "health-service": () => [e] })), "maintenance");
});

t.test("services, nodes, node: catalog structs sorted as consul-template", async (t) => {
  const d = data({
    "catalog-services": () => ({ web: ["b", "a"], db: [] }),
    "catalog-nodes": () => [{ ID: "1", Node: "n1", Address: "10.0.0.1", Datacenter: "dc1", TaggedAddresses: { lan: "10.0.0.1" }, Meta: { m: "x" } }],
    "catalog-node": (dep) => (dep.kind === "catalog-node" && dep.name === "gone" ? undefined : {
      Node: { ID: "1", Node: dep.kind === "catalog-node" && dep.name ? dep.name : "self", Address: "10.0.0.1", Datacenter: "dc1" },
      Services: { b: { ID: "b", Service: "web", Tags: [], Port: 2, Address: "" }, a: { ID: "a", Service: "web", Tags: ["t"], Port: 1, Address: "" }, c: { ID: "c", Service: "api", Port: 3 } },
    }),
  });
  t.equal(render(`{{ range services }}{{ .Name }}:{{ join "," .Tags }} {{ end }}`, d), "db: web:a,b ");
  t.equal(render(`{{ range nodes "@dc1" }}{{ .Node }} {{ .Address }} {{ .Meta.m }} {{ .TaggedAddresses.lan }}{{ end }}`, d), "n1 10.0.0.1 x 10.0.0.1");
  t.equal(render(`{{ with node }}{{ .Node.Node }}:{{ range .Services }} {{ .Service }}/{{ .ID }}{{ end }}{{ end }}`, d), "self: api/c web/a web/b");
  t.equal(render(`{{ with node "n7@dc1" }}{{ .Node.Node }}{{ end }}`, d), "n7");
  t.equal(render(`{{ with node "gone" }}x{{ else }}none{{ end }}`, d), "none");
  t.throws(() => render(`{{ services "dc1" }}`, d), { name: "TemplateExecError", detail: /invalid catalog query/ });
});

t.test("key, keyOrDefault, keyExists: a missing key blocks `key` but not the others", async (t) => {
  const d = data({ "kv-get": (dep) => (dep.kind === "kv-get" && dep.key === "app/port" ? kvEntry("app/port", "8080") : dep.kind === "kv-get" && dep.key === "app/empty" ? kvEntry("app/empty", "") : undefined) });
  t.equal(render(`{{ key "/app/port" }} {{ keyOrDefault "app/x" "dflt" }} {{ keyOrDefault "app/port" "dflt" }} {{ keyExists "app/port" }} {{ keyExists "app/x" }} [{{ key "app/empty" }}]`, d), "8080 dflt 8080 true false []");
  const r = Template.parse("t", `{{ key "app/missing" }}`).render(d, {});
  t.equal(r.contents, undefined, "no output while the key is missing");
  t.match(r.blocked, [/key "app\/missing" does not exist/]);
  t.throws(() => render(`{{ key "" }}`, d), { name: "TemplateExecError", detail: /key must not be empty/ });
});

t.test("ls and tree: relative keys; ls only the top level; folders skipped; safe variants block on empty", async (t) => {
  const d = data({
    "kv-list": (dep) => (dep.kind === "kv-list" && dep.prefix === "cfg" ? [
      kvEntry("cfg/", ""), kvEntry("cfg/a", "1"), kvEntry("cfg/sub/", ""), kvEntry("cfg/sub/b", "2"),
    ] : []),
  });
  t.equal(render(`{{ range ls "cfg" }}{{ .Key }}={{ .Value }};{{ end }}`, d), "a=1;");
  t.equal(render(`{{ range tree "cfg" }}{{ .Key }}={{ .Value }}({{ .Path }});{{ end }}`, d), "a=1(cfg/a);sub/b=2(cfg/sub/b);");
  t.equal(render(`{{ range safeLs "cfg" }}{{ .Key }}{{ end }}{{ range safeTree "cfg@dc1" }}{{ .Key }}{{ end }}`, d), "aasub/b");
  const r = Template.parse("t", `{{ range safeTree "empty" }}{{ end }}`).render(d, {});
  t.equal(r.contents, undefined);
  t.match(r.blocked, [/no keys under "empty"/]);
});

t.test("render: before data arrives, data functions return empty values and the render is incomplete", async (t) => {
  const r = Template.parse("t", `{{ range service "web" }}x{{ end }}{{ key "k" }}{{ with node }}n{{ end }}{{ range ls "p" }}{{ end }}{{ keyOrDefault "d" "z" }}`).render(() => ({ ready: false }), {});
  t.equal(r.contents, undefined);
  t.equal(r.missing.length, 5);
  t.equal(r.used.length, 5);
  t.equal(r.error, undefined);
});

t.test("render: an error caused by placeholders while data are missing is not reported", async (t) => {
  const r = Template.parse("t", `{{ (index (service "web") 0).Address }}`).render(() => ({ ready: false }), {});
  t.equal(r.error, undefined, "index out of range on the empty placeholder is expected");
  t.equal(r.missing.length, 1);
});

t.test("render: the same dependency used twice is watched once", async (t) => {
  const r = Template.parse("t", `{{ service "web" }}{{ service "web" }}{{ service "web" "any" }}`).render(data({ "health-service": () => [] }), {});
  t.equal(r.used.length, 2);
});
