/**
 * Template errors. Both carry the template's name and the 1-based line and
 * column of the offending text, so a user can go straight to it.
 *
 * @module
 */
import { InvalidArgumentError } from "../util/errors.js";

/** Where in a template something is: 1-based line and column (in characters). */
export interface Position {
  line: number;
  column: number;
}

/**
 * The template text does not parse (bad action, unknown function, unclosed
 * `{{if}}`, undefined variable…). Raised before anything is watched or written.
 * `field` is always `"template"`.
 */
export class TemplateSyntaxError extends InvalidArgumentError {
  /** The template's name (its file name, or "template" for inline contents). */
  readonly template: string;
  /** 1-based line of the error. */
  readonly line: number;
  /** 1-based column of the error. */
  readonly column: number;
  /** The message without the location prefix. */
  readonly detail: string;
  constructor(template: string, pos: Position, detail: string) {
    super("template", `${template}:${pos.line}:${pos.column}: ${detail}`);
    this.template = template;
    this.line = pos.line;
    this.column = pos.column;
    this.detail = detail;
  }
}

/**
 * The template parsed but failed while rendering (wrong argument type, index
 * out of range, field missing on a value…). Nothing is written for that render.
 * `field` is always `"template"`.
 */
export class TemplateExecError extends InvalidArgumentError {
  /** The template's name. */
  readonly template: string;
  /** 1-based line of the action that failed. */
  readonly line: number;
  /** 1-based column of the action that failed. */
  readonly column: number;
  /** The message without the location prefix. */
  readonly detail: string;
  constructor(template: string, pos: Position, detail: string, options?: { cause?: unknown }) {
    super("template", `${template}:${pos.line}:${pos.column}: executing: ${detail}`, options);
    this.template = template;
    this.line = pos.line;
    this.column = pos.column;
    this.detail = detail;
  }
}
