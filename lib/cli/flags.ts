/**
 * The flag parser, with Go's `flag` package rules that Consul's CLI follows,
 * so scripts written for `consul` parse the same way:
 * `-flag=value`, `-flag value`, `--flag`; a boolean never takes the next
 * argument (`-recurse=false` to turn one off); a repeatable flag collects every
 * value; parsing stops at the first argument that is not a flag, or at `--`.
 *
 * @module
 */
import { UsageError } from "./errors.js";

/** The kinds of flag: a string, a boolean switch, an integer, or a repeatable string. */
export type FlagKind = "string" | "bool" | "int" | "list";

/** One flag a command accepts. */
export interface FlagSpec {
  /** The name without dashes, e.g. `"http-addr"`. */
  readonly name: string;
  readonly kind: FlagKind;
  /** One line of help. */
  readonly usage: string;
  /** The placeholder shown in help for the value, e.g. `"<addr>"`. */
  readonly placeholder?: string;
}

/** The parsed values, read by name. Absent flags read as undefined / false / []. */
export class FlagValues {
  constructor(private readonly values: ReadonlyMap<string, readonly (string | boolean | number)[]>) {}

  /** Whether the flag was given at all. */
  has(name: string): boolean {
    return this.values.has(name);
  }

  /** The last value of a string flag. */
  string(name: string): string | undefined {
    const v = this.values.get(name)?.at(-1);
    return typeof v === "string" ? v : undefined;
  }

  /** A boolean flag (false when absent). */
  bool(name: string): boolean {
    return this.values.get(name)?.at(-1) === true;
  }

  /** The last value of an integer flag. */
  int(name: string): number | undefined {
    const v = this.values.get(name)?.at(-1);
    return typeof v === "number" ? v : undefined;
  }

  /** Every value of a repeatable flag, in order. */
  list(name: string): string[] {
    return (this.values.get(name) ?? []).filter((v): v is string => typeof v === "string");
  }
}

/** What {@link parseFlags} returns. */
export interface ParsedArgs {
  flags: FlagValues;
  /** The arguments after the flags. */
  args: string[];
  /** `-h`, `-help` or `--help` was given. */
  help: boolean;
}

const BOOL_TEXT: Record<string, boolean> = {
  "1": true, t: true, T: true, true: true, TRUE: true, True: true,
  "0": false, f: false, F: false, false: false, FALSE: false, False: false,
};

function parseValue(spec: FlagSpec, raw: string): string | boolean | number {
  switch (spec.kind) {
    case "bool": {
      const b = BOOL_TEXT[raw];
      if (b === undefined) throw new UsageError(`invalid boolean value "${raw}" for -${spec.name}`);
      return b;
    }
    case "int": {
      const n = Number(raw);
      if (!/^-?\d+$/.test(raw) || !Number.isSafeInteger(n)) {
        throw new UsageError(`invalid value "${raw}" for -${spec.name}: must be an integer`);
      }
      return n;
    }
    default:
      return raw;
  }
}

/**
 * Parses `args` against `specs`.
 * @throws UsageError naming the flag: not defined, missing its value, or a bad value.
 */
export function parseFlags(args: readonly string[], specs: readonly FlagSpec[]): ParsedArgs {
  const byName = new Map(specs.map((s) => [s.name, s]));
  const values = new Map<string, (string | boolean | number)[]>();
  let help = false;
  let i = 0;
  for (; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === "--") {
      i++;
      break;
    }
    if (arg.length < 2 || !arg.startsWith("-")) break;
    const body = arg.startsWith("--") ? arg.slice(2) : arg.slice(1);
    if (body.length === 0 || body.startsWith("-") || body.startsWith("=")) throw new UsageError(`bad flag syntax: ${arg}`);
    const eq = body.indexOf("=");
    const name = eq >= 0 ? body.slice(0, eq) : body;
    const spec = byName.get(name);
    if (!spec) {
      if (name === "h" || name === "help") {
        help = true;
        continue;
      }
      throw new UsageError(`flag provided but not defined: -${name}`);
    }
    let raw: string;
    if (eq >= 0) raw = body.slice(eq + 1);
    else if (spec.kind === "bool") raw = "true";
    else if (i + 1 < args.length) raw = args[++i]!;
    else throw new UsageError(`flag needs an argument: -${name}`);
    const list = values.get(name) ?? [];
    list.push(parseValue(spec, raw));
    values.set(name, list);
  }
  return { flags: new FlagValues(values), args: args.slice(i), help };
}

/** The help lines for a list of flags, as Consul prints them. */
export function flagHelp(specs: readonly FlagSpec[]): string {
  return [...specs]
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((s) => {
      const value = s.kind === "bool" ? "" : `=${s.placeholder ?? (s.kind === "int" ? "<int>" : "<string>")}`;
      return `  -${s.name}${value}\n      ${s.usage}${s.kind === "list" ? " May be given more than once." : ""}`;
    })
    .join("\n\n");
}
