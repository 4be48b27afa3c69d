/**
 * The lexer of Go's text/template syntax, as consul-template templates use it:
 * text, `{{ }}` actions with `{{-` / `-}}` trim markers, `{{/* comments *\/}}`,
 * and inside actions identifiers, fields, variables, literals and punctuation.
 *
 * Trim markers are applied here: the text token before `{{- ` loses its
 * trailing white space, the one after ` -}}` its leading white space, as Go does.
 *
 * @module
 */
import { TemplateSyntaxError, type Position } from "./errors.js";

/** The kinds of token. */
export type TokenKind =
  | "text" // literal text between actions
  | "open" // {{ (after trimming)
  | "close" // }}
  | "keyword" // if range with else end define template block break continue
  | "ident" // a function name
  | "field" // .Name (value: "Name")
  | "dot" // .
  | "variable" // $ or $name (value includes the $)
  | "string" // "…" or `…` (value: the decoded string)
  | "number" // value: the source text
  | "bool" // true / false
  | "nil"
  | "declare" // :=
  | "assign" // =
  | "pipe" // |
  | "lparen"
  | "rparen"
  | "comma"
  | "eof";

/** One token. */
export interface Token {
  kind: TokenKind;
  /** Decoded value (strings), name (fields, identifiers, variables) or source text. */
  value: string;
  pos: Position;
  /** Whether white space separates this token from the previous one in the same action. */
  spaceBefore: boolean;
}

const KEYWORDS = new Set(["if", "range", "with", "else", "end", "define", "template", "block", "break", "continue"]);
const SPACE = new Set([" ", "\t", "\r", "\n"]);
const OPEN = "{{";
const CLOSE = "}}";

function isSpace(c: string | undefined): boolean {
  return c !== undefined && SPACE.has(c);
}

function isIdentStart(c: string | undefined): boolean {
  return c !== undefined && /[A-Za-z_]/.test(c);
}

function isIdentChar(c: string | undefined): boolean {
  return c !== undefined && /[A-Za-z0-9_]/.test(c);
}

const SIMPLE_ESCAPES: Record<string, string> = {
  a: "\x07", b: "\b", f: "\f", n: "\n", r: "\r", t: "\t", v: "\v", "\\": "\\", '"': '"', "'": "'",
};

// Go number literals: hex / octal / binary integers, decimal integers and floats, `_` separators.
const NUMBER = /[+-]?(?:0[xX][0-9a-fA-F_]+|0[bB][01_]+|0[oO][0-7_]+|(?:\d[\d_]*)?\.?\d[\d_]*(?:[eE][+-]?\d+)?)/y;

/** Splits a template into tokens. */
class Lexer {
  private pos = 0;
  private line = 1;
  private lineStart = 0;
  private readonly tokens: Token[] = [];
  /** Set by ` -}}`: the next text token loses its leading white space. */
  private trimNext = false;

  constructor(private readonly name: string, private readonly src: string) {}

  run(): Token[] {
    while (this.pos < this.src.length) {
      const open = this.src.indexOf(OPEN, this.pos);
      const end = open < 0 ? this.src.length : open;
      this.emitText(this.pos, end);
      if (open < 0) break;
      this.lexAction(open);
    }
    this.tokens.push({ kind: "eof", value: "", pos: this.here(), spaceBefore: false });
    return this.tokens;
  }

  private here(): Position {
    return { line: this.line, column: this.pos - this.lineStart + 1 };
  }

  private error(pos: Position, message: string): never {
    throw new TemplateSyntaxError(this.name, pos, message);
  }

  /** Moves to `to`, counting the newlines passed. */
  private advance(to: number): void {
    for (let i = this.pos; i < to; i++) {
      if (this.src.charCodeAt(i) === 10) {
        this.line++;
        this.lineStart = i + 1;
      }
    }
    this.pos = to;
  }

  private emitText(from: number, to: number): void {
    const pos = this.here();
    let text = this.src.slice(from, to);
    this.advance(to);
    if (this.trimNext) {
      text = text.replace(/^[ \t\r\n]+/, "");
      this.trimNext = false;
    }
    if (text.length > 0) this.tokens.push({ kind: "text", value: text, pos, spaceBefore: false });
  }

  private lexAction(open: number): void {
    const openPos = this.here();
    this.advance(open + OPEN.length);
    // `{{- ` trims: the dash must be followed by white space, else `{{-3}}` is the number -3.
    if (this.src[this.pos] === "-" && isSpace(this.src[this.pos + 1])) {
      const prev = this.tokens.at(-1);
      if (prev?.kind === "text") {
        prev.value = prev.value.replace(/[ \t\r\n]+$/, "");
        if (prev.value.length === 0) this.tokens.pop();
      }
      this.advance(this.pos + 1);
    }
    const afterOpen = this.pos;
    let p = afterOpen;
    while (isSpace(this.src[p])) p++;
    if (this.src.startsWith("/*", p) && (p === afterOpen || this.src[afterOpen - 1] === "-")) {
      this.lexComment(openPos, p);
      return;
    }
    this.tokens.push({ kind: "open", value: OPEN, pos: openPos, spaceBefore: false });
    this.lexInside(openPos);
  }

  private lexComment(openPos: Position, start: number): void {
    const end = this.src.indexOf("*/", start + 2);
    if (end < 0) this.error(openPos, "unclosed comment");
    this.advance(end + 2);
    if (this.src.startsWith(CLOSE, this.pos)) {
      this.advance(this.pos + CLOSE.length);
      return;
    }
    if (isSpace(this.src[this.pos]) && this.src.startsWith("-" + CLOSE, this.pos + 1)) {
      this.advance(this.pos + 1 + 1 + CLOSE.length);
      this.trimNext = true;
      return;
    }
    this.error(this.here(), "comment ends before closing delimiter");
  }

  private push(kind: TokenKind, value: string, pos: Position, spaceBefore: boolean): void {
    this.tokens.push({ kind, value, pos, spaceBefore });
  }

  /** Lexes the inside of an action up to and including its closing delimiter. */
  private lexInside(openPos: Position): void {
    let spaceBefore = false;
    let depth = 0;
    for (;;) {
      const c = this.src[this.pos];
      if (c === undefined) this.error(openPos, "unclosed action");
      if (isSpace(c)) {
        let p = this.pos;
        while (isSpace(this.src[p])) p++;
        // ` -}}` closes and trims the following text.
        if (this.src.startsWith("-" + CLOSE, p)) {
          const pos = { line: this.line, column: p - this.lineStart + 1 };
          this.advance(p + 1 + CLOSE.length);
          this.push("close", CLOSE, pos, true);
          this.trimNext = true;
          if (depth > 0) this.error(pos, "unclosed left paren");
          return;
        }
        this.advance(p);
        spaceBefore = true;
        continue;
      }
      const pos = this.here();
      if (this.src.startsWith(CLOSE, this.pos)) {
        if (depth > 0) this.error(pos, "unclosed left paren");
        this.advance(this.pos + CLOSE.length);
        this.push("close", CLOSE, pos, spaceBefore);
        return;
      }
      if (this.src.startsWith("/*", this.pos)) this.error(pos, "comment must be alone in its action, as {{/* … */}}");
      this.lexToken(c, pos, spaceBefore, (d) => {
        depth += d;
        if (depth < 0) this.error(pos, "unexpected right paren");
      });
      spaceBefore = false;
    }
  }

  private lexToken(c: string, pos: Position, spaceBefore: boolean, paren: (delta: number) => void): void {
    const src = this.src;
    const at = this.pos;
    const next = src[at + 1];
    if (c === '"') return this.push("string", this.quoted(pos), pos, spaceBefore);
    if (c === "`") {
      const end = src.indexOf("`", at + 1);
      if (end < 0) this.error(pos, "unterminated raw quoted string");
      const value = src.slice(at + 1, end).replace(/\r/g, "");
      this.advance(end + 1);
      return this.push("string", value, pos, spaceBefore);
    }
    if (c === "'") return this.push("number", this.charConstant(pos), pos, spaceBefore);
    if (c === "." && isIdentStart(next)) {
      let p = at + 1;
      while (isIdentChar(src[p])) p++;
      const name = src.slice(at + 1, p);
      this.advance(p);
      return this.push("field", name, pos, spaceBefore);
    }
    if (/[0-9]/.test(c) || ((c === "-" || c === "+" || c === ".") && /[0-9.]/.test(next ?? ""))) {
      NUMBER.lastIndex = at;
      const m = NUMBER.exec(src);
      if (!m || m[0].length === 0) this.error(pos, `bad number syntax`);
      const after = src[at + m[0].length];
      if (isIdentChar(after) || after === ".") this.error(pos, `bad number syntax: "${m[0]}${after}"`);
      this.advance(at + m[0].length);
      return this.push("number", m[0], pos, spaceBefore);
    }
    if (c === ".") {
      this.advance(at + 1);
      return this.push("dot", ".", pos, spaceBefore);
    }
    if (c === "$") {
      let p = at + 1;
      while (isIdentChar(src[p])) p++;
      const name = src.slice(at, p);
      this.advance(p);
      return this.push("variable", name, pos, spaceBefore);
    }
    if (isIdentStart(c)) {
      let p = at;
      while (isIdentChar(src[p])) p++;
      const word = src.slice(at, p);
      this.advance(p);
      if (word === "true" || word === "false") return this.push("bool", word, pos, spaceBefore);
      if (word === "nil") return this.push("nil", word, pos, spaceBefore);
      return this.push(KEYWORDS.has(word) ? "keyword" : "ident", word, pos, spaceBefore);
    }
    if (c === ":" && next === "=") {
      this.advance(at + 2);
      return this.push("declare", ":=", pos, spaceBefore);
    }
    const single: Record<string, TokenKind> = { "=": "assign", "|": "pipe", "(": "lparen", ")": "rparen", ",": "comma" };
    const kind = single[c];
    if (kind) {
      if (kind === "lparen") paren(1);
      if (kind === "rparen") paren(-1);
      this.advance(at + 1);
      return this.push(kind, c, pos, spaceBefore);
    }
    this.error(pos, `unexpected ${JSON.stringify(c)} in action`);
  }

  /** Decodes a Go interpreted string literal at the current position. */
  private quoted(pos: Position): string {
    const src = this.src;
    let p = this.pos + 1;
    let out = "";
    for (;;) {
      const c = src[p];
      if (c === undefined || c === "\n") this.error(pos, "unterminated quoted string");
      if (c === '"') break;
      if (c !== "\\") {
        out += c;
        p++;
        continue;
      }
      const e = src[p + 1];
      if (e !== undefined && e in SIMPLE_ESCAPES && e !== "'") {
        out += SIMPLE_ESCAPES[e];
        p += 2;
        continue;
      }
      const hexLen = e === "x" ? 2 : e === "u" ? 4 : e === "U" ? 8 : 0;
      if (hexLen > 0) {
        const hex = src.slice(p + 2, p + 2 + hexLen);
        if (!new RegExp(`^[0-9a-fA-F]{${hexLen}}$`).test(hex)) this.error(pos, "invalid escape in quoted string");
        const code = parseInt(hex, 16);
        if (code > 0x10ffff) this.error(pos, "invalid escape in quoted string");
        out += String.fromCodePoint(code);
        p += 2 + hexLen;
        continue;
      }
      const oct = src.slice(p + 1, p + 4);
      if (/^[0-7]{3}$/.test(oct)) {
        out += String.fromCharCode(parseInt(oct, 8));
        p += 4;
        continue;
      }
      this.error(pos, "invalid escape in quoted string");
    }
    this.advance(p + 1);
    return out;
  }

  /** A Go rune literal ('a', '\n'): its code point, as a number token. */
  private charConstant(pos: Position): string {
    const src = this.src;
    const end = src.indexOf("'", this.pos + 2);
    if (end < 0) this.error(pos, "unterminated character constant");
    const body = src.slice(this.pos + 1, end);
    let code: number | undefined;
    if (body.startsWith("\\")) {
      const e = body[1]!;
      if (body.length === 2 && e in SIMPLE_ESCAPES) code = SIMPLE_ESCAPES[e]!.codePointAt(0);
      else if (/^\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8})$/.test(body)) code = parseInt(body.slice(2), 16);
    } else if ([...body].length === 1) {
      code = body.codePointAt(0);
    }
    if (code === undefined) this.error(pos, "malformed character constant");
    this.advance(end + 1);
    return String(code);
  }
}

/**
 * Tokenizes a template.
 * @param name - the template's name, used in error messages.
 * @throws TemplateSyntaxError with the line and column of the first bad token.
 */
export function lex(name: string, src: string): Token[] {
  return new Lexer(name, src).run();
}
