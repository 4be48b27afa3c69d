import t from "tap";
import { lex } from "../../lib/template/lex.js";
import { parse } from "../../lib/template/parse.js";
import { Template } from "../../lib/template/template.js";
import { TemplateSyntaxError } from "../../lib/template/errors.js";
import { TEMPLATE_BYTES_MAX } from "../../lib/template/limits.js";
import { render } from "./helpers.js";

t.test("lexer: trim markers eat the adjacent white space, and only with a space next to the dash (text/template: Text and spaces)", async (t) => {
  t.equal(render("a  \n {{- 1 -}} \n  b"), "a1b");
  t.equal(render("a {{-3}} b"), "a -3 b", "{{-3}} is the number -3, not a trim marker");
  t.equal(render("a {{ 3 -}}\n\n b"), "a 3b");
  t.equal(render("x\n{{- /* gone */ -}}\ny"), "xy", "a trimmed comment disappears with the space around it");
  t.equal(render("x{{/* a\nmulti-line comment */}}y"), "xy");
});

t.test("lexer: literals decode as Go's (escapes, raw strings, runes, number bases)", async (t) => {
  t.equal(render(`{{ "a\\tb\\n\\x41\\u00e9\\101\\"" }}`), "a\tb\nAé A\"".replace(" ", ""));
  t.equal(render("{{ `raw \\n {{ }}` }}"), "raw \\n {{ }}", "raw strings keep backslashes and braces");
  t.equal(render("{{ 'a' }} {{ '\\n' }}"), "97 10");
  t.equal(render("{{ 0x1F }} {{ 0o17 }} {{ 0b101 }} {{ 017 }} {{ 1_000 }} {{ 1.5e3 }} {{ -2 }} {{ +4 }}"), "31 15 5 15 1000 1500 -2 4");
  t.equal(render("{{ true }} {{ false }}"), "true false");
});

t.test("lexer: tokens carry 1-based line and column", async (t) => {
  const tokens = lex("x", "ab\n  {{ .Name }}");
  const field = tokens.find((tk) => tk.kind === "field")!;
  t.same(field.pos, { line: 2, column: 6 });
  t.equal(field.value, "Name");
});

const good: Array<[string, string, string]> = [
  ["if/else if/else chain", `{{ if eq 1 2 }}a{{ else if eq 1 1 }}b{{ else }}c{{ end }}`, "b"],
  ["with sets dot; else when empty", `{{ with "x" }}[{{ . }}]{{ end }}{{ with "" }}no{{ else }}empty{{ end }}`, "[x]empty"],
  ["else with (Go 1.23)", `{{ with "" }}a{{ else with "z" }}{{ . }}{{ end }}`, "z"],
  ["range with index and element", `{{ range $i, $e := split "," "a,b" }}{{ $i }}={{ $e }};{{ end }}`, "0=a;1=b;"],
  ["range over an integer (Go 1.22)", `{{ range 3 }}{{ . }}{{ end }}`, "012"],
  ["range else on empty", `{{ range split "," "" }}x{{ else }}none{{ end }}`, "none"],
  ["break and continue", `{{ range $i, $e := split "," "a,b,c,d" }}{{ if eq $i 1 }}{{ continue }}{{ end }}{{ if eq $i 3 }}{{ break }}{{ end }}{{ $e }}{{ end }}`, "ac"],
  ["variables: declare, assign, scope", `{{ $x := 1 }}{{ if true }}{{ $x = 2 }}{{ $y := 3 }}{{ $y }}{{ end }}{{ $x }}`, "32"],
  ["$ is the top-level dot inside range", `{{ with "top" }}{{ range split "," "a" }}{{ $ }}{{ end }}{{ end }}`, "<no value>"],
  ["pipelines pass the value as the last argument", `{{ "a,b" | split "," | join "-" | printf "%s!" }}`, "a-b!"],
  ["parenthesised pipelines and fields on them", `{{ (index (split "," "a,b") 1) }} {{ len (split "," "a,b,c") }}`, "b 3"],
  ["define and template with a dot", `{{ define "row" }}<{{ . }}>{{ end }}{{ template "row" "x" }}{{ template "row" }}`, "<x><<no value>>"],
  ["block defines and calls in place", `{{ block "b" "v" }}[{{ . }}]{{ end }}`, "[v]"],
  ["and/or short-circuit and return the deciding value", `{{ and 1 "" (index (split "," "a") 5) }}|{{ or 0 "z" (index (split "," "a") 5) }}`, "|z"],
  ["not, comparisons", `{{ not 0 }} {{ ne 1 2 }} {{ lt 1 2 }} {{ le 2 2 }} {{ gt "b" "a" }} {{ ge 1 2 }} {{ eq 2 1 2 }}`, "true true true true true false true"],
  ["comments anywhere between actions", `a{{/* x */}}b`, "ab"],
];

for (const [name, src, want] of good) {
  t.test(`parse+eval: ${name}`, async (t) => {
    t.equal(render(src), want);
  });
}

const bad: Array<[string, string, number, number, RegExp]> = [
  ["unclosed action", "ab\n{{ .X", 2, 1, /unclosed action/],
  ["unclosed if", "{{ if 1 }}\nx", 1, 4, /unclosed \{\{if\}\}/],
  ["unexpected end", "x\n  {{ end }}", 2, 6, /unexpected \{\{end\}\}/],
  ["unknown function", "{{ nope 1 }}", 1, 4, /function "nope" not defined/],
  ["undefined variable", "{{ $x }}", 1, 4, /undefined variable "\$x"/],
  ["variable out of scope after end", "{{ if 1 }}{{ $v := 1 }}{{ end }}{{ $v }}", 1, 36, /undefined variable "\$v"/],
  ["assign to undeclared", "{{ $y = 1 }}", 1, 4, /undefined variable "\$y"/],
  ["empty action", "{{ }}", 1, 1, /missing value for action/],
  ["missing if condition", "{{ if }}x{{ end }}", 1, 4, /missing value for if/],
  ["break outside range", "{{ break }}", 1, 4, /outside \{\{range\}\}/],
  ["unterminated string", `{{ "abc }}`, 1, 4, /unterminated quoted string/],
  ["bad escape", `{{ "\\q" }}`, 1, 4, /invalid escape/],
  ["unexpected character", "{{ 1 ; 2 }}", 1, 6, /unexpected ";"/],
  ["unclosed paren", "{{ (len 1 }}", 1, 11, /unclosed left paren/],
  ["stray right paren", "{{ len 1) }}", 1, 9, /unexpected right paren/],
  ["literal after a pipe", `{{ 1 | "x" }}`, 1, 8, /non executable command/],
  ["nil as a command", "{{ nil }}", 1, 4, /nil is not a command/],
  ["field after a literal", `{{ "a".B }}`, 1, 7, /unexpected \.B after/],
  ["comment not alone", "{{ 1 /* x */ }}", 1, 6, /comment must be alone/],
  ["unclosed comment", "{{/* x }}", 1, 1, /unclosed comment/],
  ["else without if", "{{ else }}", 1, 4, /unexpected \{\{else\}\}/],
  ["define twice", `{{ define "a" }}{{ end }}{{ define "a" }}{{ end }}`, 1, 36, /defined twice/],
  ["define inside if", `{{ if 1 }}{{ define "a" }}{{ end }}{{ end }}`, 1, 14, /only allowed at the top level/],
  ["two variables outside range", "{{ if $a, $b := 1 }}{{ end }}", 1, 7, /undefined variable "\$a"/],
  ["bad number", "{{ 12ab }}", 1, 4, /bad number syntax/],
  ["unclosed define", `{{ define "a" }}x`, 1, 4, /unclosed \{\{define "a"\}\}/],
  ["unclosed range else", "{{ range 1 }}{{ else }}x", 1, 4, /unclosed \{\{range\}\}/],
  ["else twice", "{{ if 1 }}{{ else }}{{ else }}{{ end }}", 1, 24, /expected \{\{end\}\} after \{\{else\}\}/],
  ["template without a name", "{{ template x }}", 1, 13, /expected a quoted name/],
];

for (const [name, src, line, column, message] of bad) {
  t.test(`parse: ${name} is a TemplateSyntaxError at ${line}:${column}`, async (t) => {
    const err = t.throws(() => Template.parse("in.tpl", src), { name: "TemplateSyntaxError", field: "template", line, column }) as TemplateSyntaxError;
    t.match(err.detail, message);
    t.match(err.message, new RegExp(`^invalid template: in\\.tpl:${line}:${column}: `));
    t.equal(err.code, "INVALID_ARGUMENT");
  });
}

t.test("parse: a template over TEMPLATE_BYTES_MAX is refused", async (t) => {
  t.throws(() => parse("big", "x".repeat(TEMPLATE_BYTES_MAX + 1), new Set()), { name: "TemplateSyntaxError", detail: /limit/ });
});

t.test("parse: nesting deeper than PARSE_DEPTH_MAX is refused instead of overflowing the stack", async (t) => {
  const deep = "{{ if 1 }}".repeat(300) + "{{ end }}".repeat(300);
  t.throws(() => Template.parse("deep", deep), { name: "TemplateSyntaxError", detail: /nesting deeper/ });
});
