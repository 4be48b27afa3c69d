/**
 * The functions every template has: Go's built-ins (`and or not len index
 * printf print println eq ne lt le gt ge html urlquery`) and consul-template's
 * helpers (`contains in join split env toLower toUpper toTitle trimSpace
 * replaceAll toJSON toJSONPretty parseJSON parseInt parseBool`).
 *
 * Argument order follows consul-template so pipelines read the same:
 * `{{ .Tags | join "," }}` is `join "," .Tags`, `{{ if .Tags | contains "v1" }}`
 * is `contains "v1" .Tags`.
 *
 * @module
 */
import type { TemplateFunction } from "./eval.js";
import { sprintf } from "./printf.js";
import { FuncError, compare, equals, isMap, isStruct, isTrue, lengthOf, printValue, typeName } from "./values.js";

/** What the built-ins need from the render: the environment for `env`. */
export interface BuiltinContext {
  /** Environment variables `env` reads. */
  readonly env: Readonly<Record<string, string | undefined>>;
}

function fn<C>(minArgs: number, maxArgs: number, call: (args: unknown[], ctx: C) => unknown): TemplateFunction<C> {
  return { minArgs, maxArgs, call };
}

function asString(v: unknown, what: string): string {
  if (typeof v !== "string") throw new FuncError(`${what} must be a string, got ${typeName(v)}`);
  return v;
}

function toInt(v: unknown): number {
  if (typeof v !== "number" || !Number.isInteger(v)) throw new FuncError(`cannot index with ${typeName(v)}`);
  return v;
}

/** Go's `index`: items of slices by position, entries of maps by key; a missing map key is "". */
function index(args: unknown[]): unknown {
  let item = args[0];
  for (const key of args.slice(1)) {
    if (Array.isArray(item) || typeof item === "string") {
      const i = toInt(key);
      const len = Array.isArray(item) ? item.length : Buffer.byteLength(item);
      if (i < 0 || i >= len) throw new FuncError(`index out of range: ${i}`);
      item = Array.isArray(item) ? item[i] : Buffer.from(item as string)[i];
    } else if (isMap(item)) {
      if (typeof key !== "string") throw new FuncError(`value has type ${typeName(key)}; should be string`);
      item = Object.prototype.hasOwnProperty.call(item, key) ? item[key] : "";
    } else if (item === undefined || item === null) {
      throw new FuncError("index of untyped nil");
    } else {
      throw new FuncError(`can't index item of type ${typeName(item)}`);
    }
  }
  return item;
}

/** Go's fmt.Sprint: spaces only between operands when neither is a string. */
function sprint(args: unknown[]): string {
  let out = "";
  args.forEach((a, i) => {
    if (i > 0 && typeof a !== "string" && typeof args[i - 1] !== "string") out += " ";
    out += printValue(a);
  });
  return out;
}

/** consul-template's `in`: a string contains a substring, a list contains an element. */
function includes(haystack: unknown, needle: unknown): boolean {
  if (typeof haystack === "string") return haystack.includes(asString(needle, "needle"));
  if (Array.isArray(haystack)) return haystack.some((x) => x === needle);
  if (haystack === undefined || haystack === null) return false;
  throw new FuncError(`cannot search in ${typeName(haystack)}`);
}

function sortedForJson(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortedForJson);
  if (isStruct(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, sortedForJson(x)]));
  if (isMap(v)) return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortedForJson(v[k])]));
  return v;
}

/**
 * JSON as Go's json.Marshal writes it: map keys sorted, struct fields in
 * order, and `<`, `>`, `&` escaped.
 */
export function goJson(v: unknown, indent?: string): string {
  const text = JSON.stringify(sortedForJson(v === undefined ? null : v), null, indent) ?? "null";
  return text.replace(/[<>&]/g, (c) => `\\u00${c.charCodeAt(0).toString(16)}`);
}

const HTML_ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&#34;", "'": "&#39;", "\0": "\uFFFD" };

/** The built-in functions, for any render context that has an environment. */
export function builtinFunctions<C extends BuiltinContext>(): Map<string, TemplateFunction<C>> {
  const m = new Map<string, TemplateFunction<C>>();
  // and/or short-circuit in the evaluator; these eager bodies are for completeness.
  m.set("and", fn(1, Infinity, (a) => a.find((x) => !isTrue(x)) ?? a.at(-1)));
  m.set("or", fn(1, Infinity, (a) => a.find((x) => isTrue(x)) ?? a.at(-1)));
  m.set("not", fn(1, 1, ([x]) => !isTrue(x)));
  m.set("len", fn(1, 1, ([x]) => lengthOf(x)));
  m.set("index", fn(1, Infinity, index));
  m.set("printf", fn(1, Infinity, ([f, ...rest]) => sprintf(asString(f, "format"), rest)));
  m.set("print", fn(0, Infinity, sprint));
  m.set("println", fn(0, Infinity, (a) => a.map(printValue).join(" ") + "\n"));
  m.set("eq", fn(2, Infinity, ([x, ...ys]) => ys.some((y) => equals(x, y))));
  m.set("ne", fn(2, 2, ([x, y]) => !equals(x, y)));
  m.set("lt", fn(2, 2, ([x, y]) => compare(x, y) < 0));
  m.set("le", fn(2, 2, ([x, y]) => compare(x, y) <= 0));
  m.set("gt", fn(2, 2, ([x, y]) => compare(x, y) > 0));
  m.set("ge", fn(2, 2, ([x, y]) => compare(x, y) >= 0));
  m.set("html", fn(1, Infinity, (a) => sprint(a).replace(/[&<>"'\0]/g, (c) => HTML_ESCAPES[c]!)));
  m.set("urlquery", fn(1, Infinity, (a) => encodeURIComponent(sprint(a)).replace(/%20/g, "+")));

  m.set("contains", fn(2, 2, ([needle, haystack]) => includes(haystack, needle)));
  m.set("in", fn(2, 2, ([haystack, needle]) => includes(haystack, needle)));
  m.set("join", fn(2, 2, ([sep, list]) => {
    if (!Array.isArray(list)) throw new FuncError(`join needs a list, got ${typeName(list)}`);
    return list.map(printValue).join(asString(sep, "separator"));
  }));
  m.set("split", fn(2, 2, ([sep, s]) => {
    const text = asString(s, "value");
    // Go's strings.Split of "" is [""], but consul-template drops that lone empty item.
    return text === "" ? [] : text.split(asString(sep, "separator"));
  }));
  m.set("env", fn(1, 1, ([name], ctx) => ctx.env[asString(name, "name")] ?? ""));
  m.set("toLower", fn(1, 1, ([s]) => asString(s, "value").toLowerCase()));
  m.set("toUpper", fn(1, 1, ([s]) => asString(s, "value").toUpperCase()));
  m.set("toTitle", fn(1, 1, ([s]) => asString(s, "value").replace(/(^|[\s])(\p{L})/gu, (_m, pre: string, c: string) => pre + c.toUpperCase())));
  m.set("trimSpace", fn(1, 1, ([s]) => asString(s, "value").trim()));
  m.set("replaceAll", fn(3, 3, ([from, to, s]) => asString(s, "value").split(asString(from, "old")).join(asString(to, "new"))));
  m.set("toJSON", fn(1, 1, ([v]) => goJson(v)));
  m.set("toJSONPretty", fn(1, 1, ([v]) => goJson(v, "  ")));
  m.set("parseJSON", fn(1, 1, ([s]) => {
    try {
      return JSON.parse(asString(s, "value")) as unknown;
    } catch (err) {
      throw new FuncError(`invalid JSON: ${(err as Error).message}`);
    }
  }));
  m.set("parseInt", fn(1, 1, ([s]) => {
    const text = asString(s, "value").trim();
    if (!/^[+-]?\d+$/.test(text)) throw new FuncError(`invalid integer "${text}"`);
    return Number(text);
  }));
  m.set("parseBool", fn(1, 1, ([s]) => {
    const text = asString(s, "value");
    if (["1", "t", "T", "true", "TRUE", "True"].includes(text)) return true;
    if (["0", "f", "F", "false", "FALSE", "False"].includes(text)) return false;
    throw new FuncError(`invalid boolean "${text}"`);
  }));
  return m;
}
