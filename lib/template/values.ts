/**
 * How template values behave, as Go's text/template treats them: which are
 * true, how they print, how fields are looked up, how they compare.
 *
 * JavaScript stands in for Go's types: strings, numbers (int when integral,
 * else float64), booleans, arrays (slices), plain objects (maps) and
 * "structs": frozen objects made by {@link struct}, whose missing fields are
 * errors rather than `<no value>`. A struct or array may carry methods
 * (non-enumerable functions), called as `.Tags.Contains "x"`.
 *
 * @module
 */

const STRUCT_TYPE = Symbol("disco.template.struct");

/** An error raised by a function or lookup; the evaluator adds the template position. */
export class FuncError extends Error {}

/** Methods a struct type or list carries; `this` is the value. */
export type Methods = Record<string, (this: never, ...args: never[]) => unknown>;

/**
 * Declares a struct type and returns its constructor: instances get the
 * fields given (frozen) and share one prototype holding the type name and the
 * methods, which are non-enumerable, so they neither print nor serialise.
 * @param typeName - shown in error messages, as Go names the type (`HealthService`).
 */
export function structType<T extends object>(typeName: string, methods: Methods = {}): (fields: T) => T {
  const proto = Object.create(null) as object;
  Object.defineProperty(proto, STRUCT_TYPE, { value: typeName });
  for (const [name, fn] of Object.entries(methods)) Object.defineProperty(proto, name, { value: fn });
  return (fields) => Object.freeze(Object.assign(Object.create(proto) as T, fields));
}

/** A struct value of a one-off type (see {@link structType}). */
export function struct<T extends object>(typeName: string, fields: T, methods: Methods = {}): T {
  return structType<T>(typeName, methods)(fields);
}

/**
 * A list type with methods (consul-template's `ServiceTags.Contains`): a
 * subclass of Array whose prototype holds the methods.
 * @returns a function turning items into a frozen list of that type.
 */
export function listType<T>(methods: Methods): (items: readonly T[]) => readonly T[] {
  class List extends Array<T> {}
  for (const [name, fn] of Object.entries(methods)) Object.defineProperty(List.prototype, name, { value: fn });
  return (items) => Object.freeze(List.from(items));
}

/** True for a value made by {@link struct}. */
export function isStruct(v: unknown): v is object {
  return typeof v === "object" && v !== null && STRUCT_TYPE in v;
}

/** True for a plain object used as a map. */
export function isMap(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !isStruct(v) && !Buffer.isBuffer(v);
}

/** The Go-like type name of a value, for error messages. */
export function typeName(v: unknown): string {
  if (v === undefined || v === null) return "nil";
  if (typeof v === "string") return "string";
  if (typeof v === "boolean") return "bool";
  if (typeof v === "number") return Number.isInteger(v) ? "int" : "float64";
  if (typeof v === "function") return "func";
  if (Array.isArray(v)) return "[]interface {}";
  if (isStruct(v)) return `*${String((v as Record<symbol, unknown>)[STRUCT_TYPE])}`;
  return "map[string]interface {}";
}

/** Go's truth: false, 0, nil, and empty strings, slices and maps are false; structs are true. */
export function isTrue(v: unknown): boolean {
  if (v === undefined || v === null) return false;
  if (typeof v === "boolean") return v;
  if (typeof v === "number") return v !== 0;
  if (typeof v === "string") return v.length > 0;
  if (Array.isArray(v)) return v.length > 0;
  if (isStruct(v) || typeof v === "function") return true;
  if (typeof v === "object") return Object.keys(v).length > 0;
  return true;
}

/** A number as Go's %v prints it. */
export function formatNumber(n: number): string {
  if (Number.isInteger(n) && Math.abs(n) < 1e21) return String(n);
  if (!Number.isFinite(n)) return Number.isNaN(n) ? "NaN" : n > 0 ? "+Inf" : "-Inf";
  const abs = Math.abs(n);
  // Go's %v uses %g with the shortest representation: exponent form below 1e-4 and from 1e21.
  if (abs !== 0 && (abs < 1e-4 || abs >= 1e21)) {
    const [mant, exp] = n.toExponential().split("e") as [string, string];
    const e = Number(exp);
    return `${mant}e${e < 0 ? "-" : "+"}${String(Math.abs(e)).padStart(2, "0")}`;
  }
  return String(n);
}

/** A value as `{{ }}` prints it (Go's fmt %v). */
export function printValue(v: unknown): string {
  if (v === undefined) return "<no value>";
  if (v === null) return "<nil>";
  if (typeof v === "string") return v;
  if (typeof v === "number") return formatNumber(v);
  if (typeof v === "boolean") return v ? "true" : "false";
  if (typeof v === "function") return "<func>";
  if (Buffer.isBuffer(v)) return `[${[...v].join(" ")}]`;
  if (Array.isArray(v)) return `[${v.map(printValue).join(" ")}]`;
  if (isStruct(v)) return `{${Object.values(v).map(printValue).join(" ")}}`;
  if (typeof v === "object") {
    const keys = Object.keys(v).sort();
    return `map[${keys.map((k) => `${k}:${printValue((v as Record<string, unknown>)[k])}`).join(" ")}]`;
  }
  return String(v);
}

/**
 * Looks up `.name` on a value: a struct's field or method (missing is an
 * error), an array's method, or a map's key (missing gives undefined, which
 * prints as `<no value>`).
 * @throws FuncError when the value has no such field.
 */
export function fieldOf(v: unknown, name: string): unknown {
  if (v === undefined || v === null) throw new FuncError(`nil pointer evaluating ${typeName(v)}.${name}`);
  if (isStruct(v)) {
    if (name in v) return (v as Record<string, unknown>)[name];
    throw new FuncError(`can't evaluate field ${name} in type ${typeName(v)}`);
  }
  if (Array.isArray(v)) {
    // Only methods of a list type (its own prototype), never Array's own members.
    const proto = Object.getPrototypeOf(v) as object;
    if (proto !== Array.prototype && Object.prototype.hasOwnProperty.call(proto, name)) return (v as unknown as Record<string, unknown>)[name];
    throw new FuncError(`can't evaluate field ${name} in type ${typeName(v)}`);
  }
  if (isMap(v)) return Object.prototype.hasOwnProperty.call(v, name) ? v[name] : undefined;
  throw new FuncError(`can't evaluate field ${name} in type ${typeName(v)}`);
}

type BasicKind = "nil" | "bool" | "number" | "string" | "other";

function kindOf(v: unknown): BasicKind {
  if (v === undefined || v === null) return "nil";
  if (typeof v === "boolean") return "bool";
  if (typeof v === "number") return "number";
  if (typeof v === "string") return "string";
  return "other";
}

/**
 * Go's `eq` on two values: basic values of the same kind compare by value;
 * nil equals only nil.
 * @throws FuncError for incompatible or non-comparable types.
 */
export function equals(a: unknown, b: unknown): boolean {
  const ka = kindOf(a);
  const kb = kindOf(b);
  if (ka === "nil" || kb === "nil") return ka === kb;
  if (ka === "other" || kb === "other") throw new FuncError(`non-comparable type ${typeName(ka === "other" ? a : b)}`);
  if (ka !== kb) throw new FuncError(`incompatible types for comparison: ${typeName(a)} and ${typeName(b)}`);
  return a === b;
}

/**
 * Go's ordering for `lt`, `le`, `gt`, `ge`: numbers with numbers, strings
 * with strings (by bytes, as Go compares).
 * @returns negative, zero or positive.
 * @throws FuncError for other types.
 */
export function compare(a: unknown, b: unknown): number {
  const ka = kindOf(a);
  const kb = kindOf(b);
  if (ka !== kb || (ka !== "number" && ka !== "string")) {
    throw new FuncError(ka !== kb ? `incompatible types for comparison: ${typeName(a)} and ${typeName(b)}` : `invalid type for comparison: ${typeName(a)}`);
  }
  if (ka === "number") return (a as number) - (b as number);
  return Buffer.compare(Buffer.from(a as string), Buffer.from(b as string));
}

/** Go's `len`: bytes of a string, items of a slice, entries of a map. */
export function lengthOf(v: unknown): number {
  if (typeof v === "string") return Buffer.byteLength(v);
  if (Array.isArray(v)) return v.length;
  if (isMap(v)) return Object.keys(v).length;
  throw new FuncError(`len of type ${typeName(v)}`);
}
