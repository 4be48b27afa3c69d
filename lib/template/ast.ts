/**
 * The parse tree of a template: a list of nodes, as Go's text/template/parse
 * builds it (text, actions, if/range/with blocks, template calls).
 *
 * @module
 */
import type { Position } from "./errors.js";

/** An operand of a command. */
export type Arg =
  /** `.` */
  | { kind: "dot"; pos: Position }
  /** `.A.B`: fields of dot. */
  | { kind: "field"; names: string[]; pos: Position }
  /** `$x.A.B` (`fields` may be empty). */
  | { kind: "variable"; name: string; fields: string[]; pos: Position }
  /** A function name. */
  | { kind: "ident"; name: string; pos: Position }
  | { kind: "string"; value: string; pos: Position }
  | { kind: "number"; value: number; isInt: boolean; pos: Position }
  | { kind: "bool"; value: boolean; pos: Position }
  | { kind: "nil"; pos: Position }
  /** `(pipeline)` followed by optional fields: `(index . 0).Name`. */
  | { kind: "pipe"; pipe: Pipeline; fields: string[]; pos: Position };

/** Operands separated by spaces; the first one decides what the command does. */
export interface Command {
  args: Arg[];
  pos: Position;
}

/** `[$x :=] cmd | cmd | …` */
export interface Pipeline {
  /** Variables declared (`:=`) or assigned (`=`); two only in `range`. */
  vars: string[];
  /** True for `=` (assign to existing variables), false for `:=`. */
  assign: boolean;
  cmds: Command[];
  pos: Position;
}

/** A template node. */
export type Node =
  | { kind: "text"; text: string; pos: Position }
  | { kind: "action"; pipe: Pipeline; pos: Position }
  | { kind: "if"; pipe: Pipeline; list: Node[]; elseList: Node[] | undefined; pos: Position }
  | { kind: "with"; pipe: Pipeline; list: Node[]; elseList: Node[] | undefined; pos: Position }
  | { kind: "range"; pipe: Pipeline; list: Node[]; elseList: Node[] | undefined; pos: Position }
  | { kind: "template"; name: string; pipe: Pipeline | undefined; pos: Position }
  | { kind: "break"; pos: Position }
  | { kind: "continue"; pos: Position };

/** A parsed template: its main body and the templates it defines with `define` / `block`. */
export interface Tree {
  name: string;
  root: Node[];
  defines: Map<string, Node[]>;
}
