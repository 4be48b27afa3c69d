import t from "tap";
import { Template } from "../../lib/template/template.js";
import { execute } from "../../lib/template/eval.js";
import { parse } from "../../lib/template/parse.js";
import { builtinFunctions } from "../../lib/template/functions.js";
import { EXEC_STEPS_MAX, TEMPLATE_CALL_DEPTH_MAX } from "../../lib/template/limits.js";
import { struct, listType, printValue, isTrue, typeName, fieldOf, equals, compare, lengthOf, formatNumber } from "../../lib/template/values.js";
import { noData, render } from "./helpers.js";

const funcs = builtinFunctions<{ env: Record<string, string> }>();

function run(src: string, dot: unknown): string {
  return execute(parse("t", src, new Set(funcs.keys())), funcs, { env: {} }, dot);
}

t.test("eval: values print as Go's %v (nil, maps sorted, slices, structs, floats)", async (t) => {
  t.equal(run("{{ .missing }}", {}), "<no value>", "a missing map key prints <no value>");
  t.equal(run("{{ . }}", null), "<nil>");
  t.equal(run("{{ . }}", { b: 2, a: [1, "x"] }), "map[a:[1 x] b:2]");
  t.equal(run("{{ . }}", struct("P", { X: 1, Y: "y" })), "{1 y}");
  t.equal(run("{{ . }}", 0.5), "0.5");
  t.equal(formatNumber(1e-7), "1e-07");
  t.equal(formatNumber(1e21), "1e+21");
  t.equal(formatNumber(Infinity), "+Inf");
  t.equal(printValue(Buffer.from([1, 2])), "[1 2]");
  t.equal(printValue(() => 1), "<func>");
});

t.test("eval: truth is Go's (empty and zero values are false; structs are true)", async (t) => {
  for (const v of [false, 0, "", [], {}, null, undefined]) t.equal(isTrue(v), false, `${JSON.stringify(v)} is false`);
  for (const v of [true, 1, "a", [0], { a: 1 }, struct("S", {})]) t.equal(isTrue(v), true, `${JSON.stringify(v)} is true`);
});

t.test("eval: fields of structs, maps and methods", async (t) => {
  const tags = listType<string>({ Contains(this: readonly string[], x: unknown) { return this.includes(String(x)); } })(["a", "b"]);
  const dot = struct("S", { Name: "web", Meta: { k: "v" }, Tags: tags });
  t.equal(run("{{ .Name }} {{ .Meta.k }} {{ .Meta.none }} {{ .Tags.Contains \"a\" }} {{ if .Tags.Contains \"z\" }}z{{ end }}", dot), "web v <no value> true ");
  t.equal(run(`{{ "b" | .Tags.Contains }}`, dot), "true", "a method takes the piped value as its last argument");
  t.throws(() => run("{{ .Nope }}", dot), { name: "TemplateExecError", line: 1, column: 4, detail: "can't evaluate field Nope in type *S" });
  t.throws(() => run("{{ .Name.X }}", dot), { name: "TemplateExecError", detail: /can't evaluate field X in type string/ });
  t.throws(() => run("{{ .Meta.none.X }}", dot), { name: "TemplateExecError", detail: /nil pointer evaluating nil.X/ });
  t.throws(() => run("{{ .Name 1 }}", dot), { name: "TemplateExecError", detail: /Name is not a method but has arguments/ });
  t.throws(() => run("{{ .Tags.length }}", dot), { name: "TemplateExecError", detail: /can't evaluate field length/ }, "array internals are not fields");
  t.throws(() => fieldOf(3, "X"), /can't evaluate field X in type int/);
});

t.test("eval: execution errors carry the line and column of the failing action", async (t) => {
  const tpl = Template.parse("x.tpl", "line one\n  {{ index (split \",\" \"a\") 3 }}");
  const r = tpl.render(noData, {});
  t.match(r.error, { name: "TemplateExecError", field: "template", line: 2, column: 6, detail: "error calling index: index out of range: 3" });
  t.match(r.error?.message, /^invalid template: x\.tpl:2:6: executing: /);
  t.equal(r.contents, undefined, "nothing to write after an error");
});

t.test("eval: argument errors (arity, non-functions, comparisons)", async (t) => {
  t.throws(() => render(`{{ join "," }}`), { name: "TemplateExecError", detail: "wrong number of args for join: want 2 got 1" });
  t.throws(() => render(`{{ not 1 2 }}`), { name: "TemplateExecError", detail: "wrong number of args for not: want 1 got 2" });
  t.throws(() => render(`{{ printf }}`), { name: "TemplateExecError", detail: "wrong number of args for printf: want at least 1 got 0" });
  t.throws(() => render(`{{ service }}`), { name: "TemplateExecError", detail: "wrong number of args for service: want 1 to 2 got 0" });
  t.throws(() => render(`{{ 1 2 }}`), { name: "TemplateExecError", detail: "can't give argument to non-function 1" });
  t.throws(() => render(`{{ $x := 1 }}{{ "a" | $x }}`), { name: "TemplateExecError", detail: "can't give argument to non-function $x" });
  t.throws(() => render(`{{ eq 1 "1" }}`), { name: "TemplateExecError", detail: /incompatible types for comparison: int and string/ });
  t.throws(() => render(`{{ lt (split "," "a") 1 }}`), { name: "TemplateExecError", detail: /incompatible types/ });
  t.throws(() => render(`{{ lt true false }}`), { name: "TemplateExecError", detail: /invalid type for comparison: bool/ });
  t.throws(() => render(`{{ eq (split "," "a") (split "," "a") }}`), { name: "TemplateExecError", detail: /non-comparable type/ });
  t.throws(() => render(`{{ range "abc" }}{{ end }}`), { name: "TemplateExecError", detail: /range can't iterate over abc/ });
  t.throws(() => render(`{{ range $i, $e := 3 }}{{ end }}`), { name: "TemplateExecError", detail: /two variables to range over an integer/ });
  t.throws(() => render(`{{ template "nope" }}`), { name: "TemplateExecError", detail: 'no such template "nope"' });
  t.throws(() => render(`{{ len 3 }}`), { name: "TemplateExecError", detail: /len of type int/ });
});

t.test("eval: comparisons and len follow Go (nil equals only nil, strings by bytes, len counts bytes)", async (t) => {
  t.equal(equals(null, undefined), true);
  t.equal(equals(null, 0), false);
  t.ok(compare("a", "b") < 0);
  t.equal(lengthOf("é"), 2);
  t.equal(lengthOf({ a: 1 }), 1);
  t.equal(typeName(1.5), "float64");
  t.equal(typeName(() => 1), "func");
  t.equal(render(`{{ eq .X nil }}`.replace(".X", "(index (parseJSON \"{}\") \"k\")")), "false", "missing map key via index is \"\", not nil");
});

t.test("eval: range over maps visits keys in sorted order; variables get key and value", async (t) => {
  t.equal(run("{{ range $k, $v := . }}{{ $k }}={{ $v }};{{ end }}", { b: 2, a: 1 }), "a=1;b=2;");
  t.equal(run("{{ range . }}{{ . }}{{ end }}", { b: 2, a: 1 }), "12");
  t.equal(run("{{ range $v := . }}{{ $v }}{{ end }}", ["x", "y"]), "xy", "one variable gets the element");
  t.equal(run("{{ range .missing }}x{{ else }}none{{ end }}", {}), "none", "ranging over a missing value is ranging over nothing");
  t.equal(run("{{ range $i, $e := . }}{{ $i = 9 }}{{ end }}{{ $ | len }}", ["a"]), "1");
});

t.test("eval: and/or evaluate lazily, so a guard protects the failing arm", async (t) => {
  t.equal(render(`{{ if and (gt (len (split "," "a")) 5) (index (split "," "a") 5) }}y{{ else }}n{{ end }}`), "n");
  t.equal(render(`{{ "x" | and 1 }} {{ "" | or 0 }}`), "x ", "a piped value is the last operand");
});

t.test("eval: a runaway template stops at EXEC_STEPS_MAX; recursion at TEMPLATE_CALL_DEPTH_MAX", async (t) => {
  t.throws(() => render(`{{ range ${EXEC_STEPS_MAX} }}{{ end }}`), { name: "TemplateExecError", detail: /more than .* steps/ });
  t.throws(() => render(`{{ define "r" }}{{ template "r" }}{{ end }}{{ template "r" }}`), { name: "TemplateExecError", detail: new RegExp(`maximum template depth \\(${TEMPLATE_CALL_DEPTH_MAX}\\)`) });
});

t.test("eval: output over OUTPUT_BYTES_MAX is an error, not a giant file", async (t) => {
  const big = `{{ $s := printf "%9999s" "" }}{{ range 2000 }}{{ $s }}{{ end }}`;
  t.throws(() => render(big), { name: "TemplateExecError", detail: /output is over/ });
});
