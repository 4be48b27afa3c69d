/**
 * The evaluator: walks a parsed {@link Tree} with a dot value and a function
 * table, as Go's text/template executes, and returns the output text.
 *
 * `and` and `or` short-circuit (Go 1.18+): they stop evaluating arguments at
 * the first false (`and`) or true (`or`) one and return it.
 *
 * @module
 */
import type { Arg, Command, Node, Pipeline, Tree } from "./ast.js";
import { TemplateExecError, type Position } from "./errors.js";
import { EXEC_STEPS_MAX, OUTPUT_BYTES_MAX, TEMPLATE_CALL_DEPTH_MAX } from "./limits.js";
import { FuncError, fieldOf, isMap, isTrue, printValue, typeName } from "./values.js";

/** A function a template can call. `C` is the per-render context handed to every call. */
export interface TemplateFunction<C = unknown> {
  /** Fewest arguments accepted. */
  minArgs: number;
  /** Most arguments accepted (`Infinity` for variadic). */
  maxArgs: number;
  /**
   * Runs the function. Throw {@link FuncError} for a bad argument: the
   * evaluator reports it with the call's line and column.
   */
  call(args: unknown[], ctx: C): unknown;
}

/** Functions by name. */
export type FuncMap<C = unknown> = ReadonlyMap<string, TemplateFunction<C>>;

/** No value was piped into this command. */
const NONE: unique symbol = Symbol("none");
type Final = unknown | typeof NONE;

class BreakSignal {}
class ContinueSignal {}
const BREAK = new BreakSignal();
const CONTINUE = new ContinueSignal();

interface Variable {
  name: string;
  value: unknown;
}

class Exec<C> {
  private readonly out: string[] = [];
  private bytes = 0;
  private steps = 0;
  private vars: Variable[];
  private callDepth = 0;

  constructor(private readonly tree: Tree, private readonly funcs: FuncMap<C>, private readonly ctx: C, dot: unknown) {
    this.vars = [{ name: "$", value: dot }];
  }

  run(dot: unknown): string {
    this.walk(dot, this.tree.root);
    return this.out.join("");
  }

  private error(pos: Position, message: string, cause?: unknown): never {
    throw new TemplateExecError(this.tree.name, pos, message, cause === undefined ? undefined : { cause });
  }

  private step(pos: Position): void {
    if (++this.steps > EXEC_STEPS_MAX) this.error(pos, `template took more than ${EXEC_STEPS_MAX} steps`);
  }

  private write(pos: Position, s: string): void {
    this.bytes += s.length;
    if (this.bytes > OUTPUT_BYTES_MAX) this.error(pos, `output is over ${OUTPUT_BYTES_MAX} bytes`);
    this.out.push(s);
  }

  private walk(dot: unknown, nodes: readonly Node[]): void {
    for (const node of nodes) {
      this.step(node.pos);
      switch (node.kind) {
        case "text":
          this.write(node.pos, node.text);
          break;
        case "action": {
          const value = this.pipeline(dot, node.pipe);
          if (node.pipe.vars.length === 0) this.write(node.pos, printValue(value));
          break;
        }
        case "if":
        case "with": {
          const mark = this.vars.length;
          const value = this.pipeline(dot, node.pipe);
          if (isTrue(value)) this.walk(node.kind === "with" ? value : dot, node.list);
          else if (node.elseList) this.walk(dot, node.elseList);
          this.vars.length = mark;
          break;
        }
        case "range":
          this.range(dot, node);
          break;
        case "template":
          this.callTemplate(dot, node.name, node.pipe, node.pos);
          break;
        case "break":
          throw BREAK;
        case "continue":
          throw CONTINUE;
      }
    }
  }

  private range(dot: unknown, node: Extract<Node, { kind: "range" }>): void {
    const mark = this.vars.length;
    const value = this.pipeline(dot, { ...node.pipe, vars: [] });
    const names = node.pipe.vars;
    let count: number;
    let entry: (i: number) => [unknown, unknown];
    if (value === undefined || value === null) {
      // Go treats an invalid value (a missing map entry) as nothing to range over.
      count = 0;
      entry = () => [undefined, undefined];
    } else if (Array.isArray(value)) {
      count = value.length;
      entry = (i) => [i, value[i]];
    } else if (typeof value === "number" && Number.isInteger(value)) {
      if (names.length > 1) this.error(node.pos, "can't use two variables to range over an integer");
      count = Math.max(0, value);
      entry = (i) => [i, i];
    } else if (isMap(value)) {
      const keys = Object.keys(value).sort();
      count = keys.length;
      entry = (i) => [keys[i], value[keys[i]!]];
    } else {
      this.error(node.pos, `range can't iterate over ${printValue(value)} (${typeName(value)})`);
    }
    if (count === 0) {
      if (node.elseList) this.walk(dot, node.elseList);
      this.vars.length = mark;
      return;
    }
    for (let i = 0; i < count; i++) {
      this.step(node.pos);
      const [key, elem] = entry(i);
      this.vars.length = mark;
      if (names.length === 1) this.setVar(names[0]!, elem, node.pipe.assign);
      if (names.length === 2) {
        this.setVar(names[0]!, key, node.pipe.assign);
        this.setVar(names[1]!, elem, node.pipe.assign);
      }
      try {
        this.walk(elem, node.list);
      } catch (signal) {
        if (signal === BREAK) break;
        if (signal !== CONTINUE) throw signal;
      }
    }
    this.vars.length = mark;
  }

  private callTemplate(dot: unknown, name: string, pipe: Pipeline | undefined, pos: Position): void {
    const body = this.tree.defines.get(name);
    if (!body) this.error(pos, `no such template "${name}"`);
    if (this.callDepth >= TEMPLATE_CALL_DEPTH_MAX) this.error(pos, `exceeded maximum template depth (${TEMPLATE_CALL_DEPTH_MAX})`);
    const newDot = pipe ? this.pipeline(dot, pipe) : undefined;
    const saved = this.vars;
    this.vars = [{ name: "$", value: newDot }];
    this.callDepth++;
    try {
      this.walk(newDot, body);
    } finally {
      this.callDepth--;
      this.vars = saved;
    }
  }

  private setVar(name: string, value: unknown, assign: boolean): void {
    if (!assign) {
      this.vars.push({ name, value });
      return;
    }
    for (let i = this.vars.length - 1; i >= 0; i--) {
      if (this.vars[i]!.name === name) {
        this.vars[i]!.value = value;
        return;
      }
    }
    // The parser refuses assignments to undeclared variables; reaching here is a bug.
    throw new Error(`assignment to undeclared variable ${name}`);
  }

  private lookupVar(name: string, pos: Position): unknown {
    for (let i = this.vars.length - 1; i >= 0; i--) if (this.vars[i]!.name === name) return this.vars[i]!.value;
    this.error(pos, `undefined variable: ${name}`);
  }

  private pipeline(dot: unknown, pipe: Pipeline): unknown {
    let value: Final = NONE;
    for (const cmd of pipe.cmds) value = this.command(dot, cmd, value);
    for (const name of pipe.vars) this.setVar(name, value, pipe.assign);
    return value;
  }

  private command(dot: unknown, cmd: Command, final: Final): unknown {
    this.step(cmd.pos);
    const [first, ...rest] = cmd.args as [Arg, ...Arg[]];
    switch (first.kind) {
      case "ident":
        return this.callFunction(dot, first.name, rest, final, first.pos);
      case "field":
        return this.fieldChain(dot, dot, first.names, rest, final, first.pos);
      case "variable": {
        const value = this.lookupVar(first.name, first.pos);
        if (first.fields.length > 0) return this.fieldChain(dot, value, first.fields, rest, final, first.pos);
        this.notAFunction(first, rest, final);
        return value;
      }
      case "pipe": {
        const value = this.pipeline(dot, first.pipe);
        if (first.fields.length > 0) return this.fieldChain(dot, value, first.fields, rest, final, first.pos);
        this.notAFunction(first, rest, final);
        return value;
      }
      default:
        this.notAFunction(first, rest, final);
        return this.arg(dot, first);
    }
  }

  private notAFunction(first: Arg, rest: Arg[], final: Final): void {
    if (rest.length > 0 || final !== NONE) {
      this.error(first.pos, `can't give argument to non-function ${describeArg(first)}`);
    }
  }

  /** `.A.B.C args…`: every field but the last is read plainly; the last may be a method given the arguments. */
  private fieldChain(dot: unknown, receiver: unknown, names: readonly string[], args: Arg[], final: Final, pos: Position): unknown {
    let value = receiver;
    for (let i = 0; i < names.length; i++) {
      const last = i === names.length - 1;
      value = this.field(dot, value, names[i]!, last ? args : [], last ? final : NONE, pos);
    }
    return value;
  }

  private field(dot: unknown, receiver: unknown, name: string, args: Arg[], final: Final, pos: Position): unknown {
    let value: unknown;
    try {
      value = fieldOf(receiver, name);
    } catch (err) {
      if (err instanceof FuncError) this.error(pos, err.message);
      throw err;
    }
    if (typeof value === "function") {
      const values = args.map((a) => this.arg(dot, a));
      if (final !== NONE) values.push(final);
      try {
        return (value as (...a: unknown[]) => unknown).apply(receiver, values);
      } catch (err) {
        if (err instanceof FuncError) this.error(pos, `error calling ${name}: ${err.message}`);
        throw err;
      }
    }
    if (args.length > 0 || final !== NONE) {
      this.error(pos, `${name} is not a method but has arguments`);
    }
    return value;
  }

  private arg(dot: unknown, a: Arg): unknown {
    switch (a.kind) {
      case "dot":
        return dot;
      case "field":
        return this.fieldChain(dot, dot, a.names, [], NONE, a.pos);
      case "variable": {
        const value = this.lookupVar(a.name, a.pos);
        return a.fields.length > 0 ? this.fieldChain(dot, value, a.fields, [], NONE, a.pos) : value;
      }
      case "ident":
        return this.callFunction(dot, a.name, [], NONE, a.pos);
      case "pipe": {
        const value = this.pipeline(dot, a.pipe);
        return a.fields.length > 0 ? this.fieldChain(dot, value, a.fields, [], NONE, a.pos) : value;
      }
      case "string":
      case "number":
      case "bool":
        return a.value;
      case "nil":
        return null;
    }
  }

  private callFunction(dot: unknown, name: string, argNodes: Arg[], final: Final, pos: Position): unknown {
    const fn = this.funcs.get(name);
    if (!fn) this.error(pos, `function "${name}" not defined`);
    const count = argNodes.length + (final === NONE ? 0 : 1);
    if (count < fn.minArgs || count > fn.maxArgs) {
      const want = fn.minArgs === fn.maxArgs ? `${fn.minArgs}` : fn.maxArgs === Infinity ? `at least ${fn.minArgs}` : `${fn.minArgs} to ${fn.maxArgs}`;
      this.error(pos, `wrong number of args for ${name}: want ${want} got ${count}`);
    }
    if (name === "and" || name === "or") {
      // Short-circuit: evaluate only as far as the answer is decided.
      let value: unknown;
      for (const a of argNodes) {
        value = this.arg(dot, a);
        if (isTrue(value) === (name === "or")) return value;
      }
      return final === NONE ? value : final;
    }
    const args = argNodes.map((a) => this.arg(dot, a));
    if (final !== NONE) args.push(final);
    try {
      return fn.call(args, this.ctx);
    } catch (err) {
      if (err instanceof TemplateExecError) throw err;
      if (err instanceof FuncError) this.error(pos, `error calling ${name}: ${err.message}`);
      this.error(pos, `error calling ${name}: ${err instanceof Error ? err.message : String(err)}`, err);
    }
  }
}

function describeArg(a: Arg): string {
  switch (a.kind) {
    case "string":
      return JSON.stringify(a.value);
    case "number":
    case "bool":
      return String(a.value);
    case "variable":
      return a.name;
    case "field":
      return "." + a.names.join(".");
    default:
      return a.kind;
  }
}

/**
 * Renders a tree.
 * @param dot - the initial `.` (and `$`).
 * @param ctx - handed to every function call (the data functions read their dependencies from it).
 * @throws TemplateExecError with the line and column of the failing action.
 */
export function execute<C>(tree: Tree, funcs: FuncMap<C>, ctx: C, dot: unknown = undefined): string {
  return new Exec(tree, funcs, ctx, dot).run(dot);
}
