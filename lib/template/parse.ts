/**
 * The parser: tokens to a {@link Tree}, with Go text/template's rules. Like
 * Go, it checks at parse time that every function exists, every variable was
 * declared, and `break` / `continue` sit inside a `range`.
 *
 * @module
 */
import type { Arg, Command, Node, Pipeline, Tree } from "./ast.js";
import { TemplateSyntaxError, type Position } from "./errors.js";
import { lex, type Token } from "./lex.js";
import { PARSE_DEPTH_MAX, TEMPLATE_BYTES_MAX } from "./limits.js";

/** Why a list ended. */
type ListEnd = { kind: "end" | "else" | "eof"; token: Token };

/** What the parser is inside of, for `break`/`continue` and error messages. */
type Context = "top" | "if" | "with" | "range" | "define";

class Parser {
  private i = 0;
  /** Variables in scope, innermost last. `$` is always there. */
  private vars: string[] = ["$"];
  private depth = 0;
  private rangeDepth = 0;
  private readonly defines = new Map<string, Node[]>();

  constructor(private readonly name: string, private readonly tokens: Token[], private readonly funcs: ReadonlySet<string>) {}

  parse(): Tree {
    const root = this.list("top");
    if (root.end.kind !== "eof") this.error(root.end.token.pos, `unexpected {{${root.end.token.value}}}`);
    return { name: this.name, root: root.nodes, defines: this.defines };
  }

  private error(pos: Position, message: string): never {
    throw new TemplateSyntaxError(this.name, pos, message);
  }

  private peek(offset = 0): Token {
    return this.tokens[Math.min(this.i + offset, this.tokens.length - 1)]!;
  }

  private next(): Token {
    const t = this.peek();
    if (this.i < this.tokens.length - 1) this.i++;
    return t;
  }

  private expect(kind: Token["kind"], what: string): Token {
    const t = this.next();
    if (t.kind !== kind) this.error(t.pos, `${describe(t)} ${what}`);
    return t;
  }

  /** Nodes until `{{end}}`, `{{else…}}` or the end of input (the terminator's open token is consumed). */
  private list(context: Context): { nodes: Node[]; end: ListEnd } {
    const nodes: Node[] = [];
    for (;;) {
      const t = this.next();
      if (t.kind === "eof") return { nodes, end: { kind: "eof", token: t } };
      if (t.kind === "text") {
        nodes.push({ kind: "text", text: t.value, pos: t.pos });
        continue;
      }
      // t is "open": an action.
      const head = this.peek();
      if (head.kind === "keyword" && (head.value === "end" || head.value === "else")) {
        if (context === "top") this.error(head.pos, `unexpected {{${head.value}}}`);
        this.next();
        return { nodes, end: { kind: head.value, token: head } };
      }
      const node = this.action(t, context);
      if (node) nodes.push(node);
    }
  }

  /** One action after its `{{`; undefined for `define` (stored aside). */
  private action(open: Token, context: Context): Node | undefined {
    const head = this.peek();
    if (head.kind === "keyword") {
      this.next();
      switch (head.value) {
        case "if":
        case "with":
        case "range":
          return this.control(head.value, head.pos);
        case "break":
        case "continue":
          if (this.rangeDepth === 0) this.error(head.pos, `{{${head.value}}} outside {{range}}`);
          this.expect("close", `in {{${head.value}}}`);
          return { kind: head.value, pos: head.pos };
        case "template":
          return this.templateCall(head.pos);
        case "define":
          if (context !== "top") this.error(head.pos, "{{define}} is only allowed at the top level");
          this.define(head.pos, false);
          return undefined;
        case "block": {
          if (context !== "top") this.error(head.pos, "{{block}} is only allowed at the top level");
          const name = this.define(head.pos, true);
          return { kind: "template", name: name.name, pipe: name.pipe, pos: head.pos };
        }
      }
    }
    const pipe = this.pipeline("action", open.pos);
    return { kind: "action", pipe, pos: open.pos };
  }

  private enter(pos: Position): void {
    if (++this.depth > PARSE_DEPTH_MAX) this.error(pos, `nesting deeper than ${PARSE_DEPTH_MAX}`);
  }

  /** `if` / `with` / `range` with their lists; handles `else if` / `else with` chains. */
  private control(kind: "if" | "with" | "range", pos: Position): Node {
    this.enter(pos);
    const mark = this.vars.length;
    const pipe = this.pipeline(kind, pos);
    const afterPipe = this.vars.length;
    if (kind === "range") this.rangeDepth++;
    const body = this.list(kind);
    if (kind === "range") this.rangeDepth--;
    // Variables declared in the body are not visible in the else branch.
    this.vars.length = afterPipe;
    let elseList: Node[] | undefined;
    if (body.end.kind === "else") {
      const chained = this.peek();
      if (chained.kind === "keyword" && (chained.value === "if" || chained.value === "with") && kind !== "range") {
        // `{{else if …}}` is `{{else}}{{if …}}…{{end}}{{end}}` sharing one `end`.
        this.next();
        elseList = [this.control(chained.value, chained.pos)];
      } else {
        this.expect("close", "in {{else}}");
        const rest = this.list(kind);
        if (rest.end.kind === "eof") this.error(pos, `unclosed {{${kind}}}`);
        if (rest.end.kind !== "end") this.error(rest.end.token.pos, "expected {{end}} after {{else}}");
        this.expect("close", "in {{end}}");
        elseList = rest.nodes;
      }
    } else if (body.end.kind === "end") {
      this.expect("close", "in {{end}}");
    } else {
      this.error(pos, `unclosed {{${kind}}}`);
    }
    this.vars.length = mark;
    this.depth--;
    return { kind, pipe, list: body.nodes, elseList, pos };
  }

  /** `{{template "name" [pipeline]}}` */
  private templateCall(pos: Position): Node {
    const nameTok = this.expect("string", "in {{template}}: expected a quoted name");
    let pipe: Pipeline | undefined;
    if (this.peek().kind !== "close") pipe = this.pipeline("template", pos);
    else this.next();
    return { kind: "template", name: nameTok.value, pipe, pos };
  }

  /** `{{define "name"}}…{{end}}` or `{{block "name" pipeline}}…{{end}}`. */
  private define(pos: Position, block: boolean): { name: string; pipe: Pipeline | undefined } {
    const nameTok = this.expect("string", `in {{${block ? "block" : "define"}}}: expected a quoted name`);
    let pipe: Pipeline | undefined;
    if (block) pipe = this.pipeline("template", pos);
    else this.expect("close", "in {{define}}");
    if (this.defines.has(nameTok.value)) this.error(nameTok.pos, `template "${nameTok.value}" defined twice`);
    // A defined template sees only `$` (its own dot), as in Go.
    const saved = this.vars;
    this.vars = ["$"];
    this.enter(pos);
    const body = this.list("define");
    this.depth--;
    this.vars = saved;
    if (body.end.kind === "else") this.error(body.end.token.pos, "unexpected {{else}} in {{define}}");
    if (body.end.kind !== "end") this.error(pos, `unclosed {{define "${nameTok.value}"}}`);
    this.expect("close", "in {{end}}");
    this.defines.set(nameTok.value, body.nodes);
    return { name: nameTok.value, pipe };
  }

  /** A pipeline up to the closing `}}` (consumed), or `)` (not consumed) inside parentheses. */
  private pipeline(context: Context | "action" | "template" | "paren", pos: Position): Pipeline {
    const vars: string[] = [];
    let assign = false;
    // Declarations: `$x :=`, `$x =`, and in range `$i, $e :=`.
    const v0 = this.peek();
    if (v0.kind === "variable" && context !== "paren") {
      const after = this.peek(1);
      if (after.kind === "declare" || after.kind === "assign") {
        vars.push(v0.value);
        assign = after.kind === "assign";
        this.i += 2;
      } else if (after.kind === "comma" && context === "range") {
        const v1 = this.peek(2);
        const op = this.peek(3);
        if (v1.kind === "variable" && (op.kind === "declare" || op.kind === "assign")) {
          vars.push(v0.value, v1.value);
          assign = op.kind === "assign";
          this.i += 4;
        } else {
          this.error(after.pos, "expected $var, $var := in range");
        }
      }
    }
    if (assign) {
      for (const v of vars) if (!this.vars.includes(v)) this.error(v0.pos, `undefined variable "${v}"`);
    }
    if (vars.includes("$") && !assign) this.error(v0.pos, "cannot declare $");
    const cmds: Command[] = [];
    for (;;) {
      const t = this.peek();
      if (t.kind === "close" && context !== "paren") {
        this.next();
        break;
      }
      if (t.kind === "rparen" && context === "paren") break;
      if (t.kind === "eof") this.error(pos, "unclosed action");
      cmds.push(this.command(context));
      const sep = this.peek();
      if (sep.kind === "pipe") {
        this.next();
        if (this.peek().kind === "close" || this.peek().kind === "rparen") this.error(sep.pos, "missing command after |");
      }
    }
    if (cmds.length === 0) this.error(pos, `missing value for ${context === "paren" ? "parenthesized pipeline" : context}`);
    // Declared variables come into scope after their pipeline, as in Go.
    if (!assign) this.vars.push(...vars);
    for (const c of cmds.slice(1)) {
      const first = c.args[0]!;
      if (first.kind === "string" || first.kind === "number" || first.kind === "bool" || first.kind === "nil") {
        this.error(first.pos, `non executable command in pipeline stage ${cmds.indexOf(c) + 1}`);
      }
    }
    return { vars, assign, cmds, pos };
  }

  /** Operands until `|`, `)` or `}}`. */
  private command(context: string): Command {
    const args: Arg[] = [];
    const pos = this.peek().pos;
    for (;;) {
      const t = this.peek();
      if (t.kind === "pipe" || t.kind === "close" || t.kind === "rparen" || t.kind === "eof") break;
      if (args.length > 0 && !t.spaceBefore && t.kind !== "lparen") this.error(t.pos, `unexpected ${describe(t)} in operand`);
      args.push(this.operand(context));
    }
    if (args.length === 0) this.error(this.peek().pos, `unexpected ${describe(this.peek())} in ${context}`);
    if (args[0]!.kind === "nil") this.error(args[0]!.pos, "nil is not a command");
    return { args, pos };
  }

  /** Field names chained right after a term (no space between). */
  private chain(): string[] {
    const names: string[] = [];
    while (this.peek().kind === "field" && !this.peek().spaceBefore) names.push(this.next().value);
    return names;
  }

  private operand(context: string): Arg {
    const t = this.next();
    switch (t.kind) {
      case "dot":
        if (this.peek().kind === "field" && !this.peek().spaceBefore) this.error(this.peek().pos, "unexpected . after term \".\"");
        return { kind: "dot", pos: t.pos };
      case "field":
        return { kind: "field", names: [t.value, ...this.chain()], pos: t.pos };
      case "variable":
        if (!this.vars.includes(t.value)) this.error(t.pos, `undefined variable "${t.value}"`);
        return { kind: "variable", name: t.value, fields: this.chain(), pos: t.pos };
      case "ident":
        if (!this.funcs.has(t.value)) this.error(t.pos, `function "${t.value}" not defined`);
        this.noChain(t);
        return { kind: "ident", name: t.value, pos: t.pos };
      case "string":
        this.noChain(t);
        return { kind: "string", value: t.value, pos: t.pos };
      case "number":
        this.noChain(t);
        return numberArg(this.name, t);
      case "bool":
        this.noChain(t);
        return { kind: "bool", value: t.value === "true", pos: t.pos };
      case "nil":
        return { kind: "nil", pos: t.pos };
      case "lparen": {
        this.enter(t.pos);
        const pipe = this.pipeline("paren", t.pos);
        this.expect("rparen", "in parenthesized pipeline: expected )");
        this.depth--;
        return { kind: "pipe", pipe, fields: this.chain(), pos: t.pos };
      }
      default:
        this.error(t.pos, `unexpected ${describe(t)} in ${context}`);
    }
  }

  private noChain(t: Token): void {
    const n = this.peek();
    if (n.kind === "field" && !n.spaceBefore) this.error(n.pos, `unexpected .${n.value} after ${describe(t)}`);
  }
}

function describe(t: Token): string {
  switch (t.kind) {
    case "close":
      return '"}}"';
    case "eof":
      return "end of template";
    case "field":
      return `".${t.value}"`;
    case "string":
      return `quoted string ${JSON.stringify(t.value)}`;
    default:
      return `"${t.value}"`;
  }
}

function numberArg(name: string, t: Token): Arg {
  const text = t.value.replace(/_/g, "");
  const sign = text.startsWith("-") ? -1 : 1;
  const body = text.replace(/^[+-]/, "");
  let value: number;
  if (/^0[xX]/.test(body)) value = parseInt(body.slice(2), 16);
  else if (/^0[bB]/.test(body)) value = parseInt(body.slice(2), 2);
  else if (/^0[oO]/.test(body)) value = parseInt(body.slice(2), 8);
  else if (/^0[0-7]+$/.test(body)) value = parseInt(body, 8); // Go: a leading 0 means octal
  else value = Number(body);
  if (!Number.isFinite(value)) throw new TemplateSyntaxError(name, t.pos, `bad number syntax: "${t.value}"`);
  const isInt = !/[.eE]/.test(body) || /^0[xX]/.test(body);
  return { kind: "number", value: sign * value, isInt, pos: t.pos };
}

/**
 * Parses a template.
 * @param name - the template's name, used in error messages.
 * @param funcs - the names of the functions the template may call.
 * @throws TemplateSyntaxError with line and column.
 */
export function parse(name: string, src: string, funcs: ReadonlySet<string>): Tree {
  const size = Buffer.byteLength(src);
  if (size > TEMPLATE_BYTES_MAX) {
    throw new TemplateSyntaxError(name, { line: 1, column: 1 }, `template is ${size} bytes; the limit is ${TEMPLATE_BYTES_MAX}`);
  }
  return new Parser(name, lex(name, src), funcs).parse();
}
