/**
 * `printf`: the common subset of Go's fmt verbs, with Go's way of reporting
 * mistakes inside the output (`%!d(string=x)`, `%!s(MISSING)`) rather than
 * failing the render.
 *
 * Verbs: %v %s %q %d %b %o %x %X %c %U %e %E %f %F %g %G %t %T %%, with the
 * flags `-` `+` `#` ` ` `0`, a width and a precision.
 *
 * @module
 */
import { PRINTF_WIDTH_MAX } from "./limits.js";
import { formatNumber, isStruct, printValue, typeName } from "./values.js";

interface Spec {
  minus: boolean;
  plus: boolean;
  sharp: boolean;
  space: boolean;
  zero: boolean;
  width: number | undefined;
  precision: number | undefined;
  verb: string;
}

function pad(s: string, spec: Spec, numeric: boolean): string {
  const width = spec.width ?? 0;
  if (s.length >= width) return s;
  if (spec.minus) return s + " ".repeat(width - s.length);
  if (spec.zero && numeric) {
    const sign = /^[+\- ]/.test(s) ? s[0]! : "";
    return sign + "0".repeat(width - s.length) + s.slice(sign.length);
  }
  return " ".repeat(width - s.length) + s;
}

function bad(verb: string, v: unknown): string {
  return `%!${verb}(${typeName(v)}=${printValue(v)})`;
}

function signed(s: string, n: number, spec: Spec): string {
  if (n < 0 || Object.is(n, -0)) return s;
  if (spec.plus) return "+" + s;
  if (spec.space) return " " + s;
  return s;
}

/** Go's strconv.Quote, near enough: JSON's escapes are Go's for the common cases. */
export function goQuote(s: string): string {
  return JSON.stringify(s).replace(/\u2028/g, "\\u2028").replace(/\u2029/g, "\\u2029");
}

function formatInt(n: number, spec: Spec): string {
  const abs = Math.abs(n);
  let body: string;
  switch (spec.verb) {
    case "b": body = abs.toString(2); break;
    case "o": body = (spec.sharp ? "0" : "") + abs.toString(8); break;
    case "x": body = (spec.sharp ? "0x" : "") + abs.toString(16); break;
    case "X": body = (spec.sharp ? "0X" : "") + abs.toString(16).toUpperCase(); break;
    case "c": return String.fromCodePoint(n);
    case "q": return `'${String.fromCodePoint(n)}'`;
    case "U": return "U+" + abs.toString(16).toUpperCase().padStart(4, "0");
    default: body = String(abs);
  }
  if (spec.precision !== undefined) body = body.padStart(spec.precision, "0");
  return signed(n < 0 ? "-" + body : body, n, spec);
}

function formatFloat(n: number, spec: Spec): string {
  if (!Number.isFinite(n)) return signed(formatNumber(n), n, spec);
  let s: string;
  switch (spec.verb) {
    case "e":
    case "E": {
      const [m, e] = n.toExponential(spec.precision ?? 6).split("e") as [string, string];
      const exp = Number(e);
      s = `${m}e${exp < 0 ? "-" : "+"}${String(Math.abs(exp)).padStart(2, "0")}`;
      if (spec.verb === "E") s = s.toUpperCase();
      break;
    }
    case "g":
    case "G":
      s = spec.precision === undefined ? formatNumber(n) : String(Number(n.toPrecision(Math.max(1, spec.precision))));
      if (spec.verb === "G") s = s.toUpperCase();
      break;
    default:
      s = n.toFixed(Math.min(spec.precision ?? 6, 100));
  }
  return signed(s, n, spec);
}

function formatString(s: string, spec: Spec): string {
  const cut = spec.precision === undefined ? s : [...s].slice(0, spec.precision).join("");
  switch (spec.verb) {
    case "q": return spec.sharp && !cut.includes("`") ? "`" + cut + "`" : goQuote(cut);
    case "x": return Buffer.from(cut).toString("hex");
    case "X": return Buffer.from(cut).toString("hex").toUpperCase();
    default: return cut;
  }
}

function formatOne(v: unknown, spec: Spec): { text: string; numeric: boolean } {
  const verb = spec.verb;
  if (verb === "T") return { text: typeName(v), numeric: false };
  if (verb === "v") {
    if (typeof v === "number") return { text: signed(formatNumber(v), v, spec), numeric: true };
    if (spec.sharp && typeof v === "string") return { text: goQuote(v), numeric: false };
    if (spec.plus && isStruct(v)) {
      const inner = Object.entries(v).map(([k, x]) => `${k}:${printValue(x)}`).join(" ");
      return { text: `{${inner}}`, numeric: false };
    }
    return { text: printValue(v), numeric: false };
  }
  if (typeof v === "number") {
    if ("bcdoqxXU".includes(verb) && Number.isInteger(v)) return { text: formatInt(v, spec), numeric: true };
    if ("eEfFgGxX".includes(verb)) return { text: formatFloat(v, spec), numeric: true };
    return { text: bad(verb, v), numeric: false };
  }
  if (typeof v === "string") {
    if ("sqxX".includes(verb)) return { text: formatString(v, spec), numeric: false };
    return { text: bad(verb, v), numeric: false };
  }
  if (typeof v === "boolean") return { text: verb === "t" ? String(v) : bad(verb, v), numeric: false };
  if (verb === "s" && (Array.isArray(v) || (typeof v === "object" && v !== null))) return { text: printValue(v), numeric: false };
  if (verb === "q" && Array.isArray(v)) {
    return { text: `[${v.map((x) => (typeof x === "string" ? goQuote(x) : printValue(x))).join(" ")}]`, numeric: false };
  }
  return { text: bad(verb, v), numeric: false };
}

const SPEC = /%([-+# 0]*)(\d+)?(?:\.(\d*))?([a-zA-Z%])?/y;

/** Formats like Go's fmt.Sprintf. */
export function sprintf(format: string, args: readonly unknown[]): string {
  let out = "";
  let argi = 0;
  let i = 0;
  while (i < format.length) {
    const pct = format.indexOf("%", i);
    if (pct < 0) {
      out += format.slice(i);
      break;
    }
    out += format.slice(i, pct);
    SPEC.lastIndex = pct;
    const m = SPEC.exec(format)!;
    i = SPEC.lastIndex;
    const flags = m[1] ?? "";
    const verb = m[4];
    if (verb === undefined) {
      out += "%!(NOVERB)";
      continue;
    }
    if (verb === "%") {
      out += "%";
      continue;
    }
    const spec: Spec = {
      minus: flags.includes("-"), plus: flags.includes("+"), sharp: flags.includes("#"), space: flags.includes(" "),
      zero: flags.includes("0"),
      width: m[2] === undefined ? undefined : Math.min(Number(m[2]), PRINTF_WIDTH_MAX),
      precision: m[3] === undefined ? undefined : Math.min(Number(m[3] || "0"), PRINTF_WIDTH_MAX),
      verb,
    };
    if (argi >= args.length) {
      out += `%!${verb}(MISSING)`;
      continue;
    }
    const { text, numeric } = formatOne(args[argi++], spec);
    out += pad(text, spec, numeric);
  }
  if (argi < args.length) {
    out += `%!(EXTRA ${args.slice(argi).map((a) => `${typeName(a)}=${printValue(a)}`).join(", ")})`;
  }
  return out;
}
