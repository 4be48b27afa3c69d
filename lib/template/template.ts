/**
 * A compiled template and one render of it against the data at hand: the
 * output, the dependencies the render used, and whether it may be written.
 *
 * @module
 */
import type { Tree } from "./ast.js";
import { templateFunctionNames, templateFunctions, type DataResult } from "./data-functions.js";
import { dependencyKey, type Dependency } from "./dependency.js";
import { TemplateExecError } from "./errors.js";
import { execute } from "./eval.js";
import { DEPENDENCIES_MAX } from "./limits.js";
import { parse } from "./parse.js";
import { FuncError } from "./values.js";

/** What one render produced. */
export interface RenderResult {
  /** The output; undefined unless the render is complete (no data missing, nothing blocked, no error). */
  contents: string | undefined;
  /** Every dependency the render used, in first-use order. */
  used: Dependency[];
  /** The used dependencies that had no answer yet. */
  missing: Dependency[];
  /** Why the output is held back although all data arrived (e.g. a `key` that does not exist). */
  blocked: string[];
  /** The error, when the render failed with all its data present. */
  error: TemplateExecError | undefined;
}

/** A parsed template, ready to render any number of times. */
export class Template {
  private constructor(readonly name: string, private readonly tree: Tree) {}

  /**
   * Parses a template.
   * @param name - used in error messages (the file name, usually).
   * @throws TemplateSyntaxError with line and column.
   */
  static parse(name: string, contents: string): Template {
    return new Template(name, parse(name, contents, templateFunctionNames()));
  }

  /**
   * Renders with the data `lookup` has. Never throws for template errors: they
   * come back in {@link RenderResult.error}.
   * @param lookup - the latest answer for a dependency, if any.
   * @param env - what `env` reads.
   */
  render(lookup: (dep: Dependency) => DataResult, env: Readonly<Record<string, string | undefined>>): RenderResult {
    const used = new Map<string, Dependency>();
    const missing: Dependency[] = [];
    const blocked: string[] = [];
    const data = {
      use: (dep: Dependency): DataResult => {
        const key = dependencyKey(dep);
        if (!used.has(key)) {
          if (used.size >= DEPENDENCIES_MAX) throw new FuncError(`template uses more than ${DEPENDENCIES_MAX} dependencies`);
          used.set(key, dep);
          const r = lookup(dep);
          if (!r.ready) missing.push(dep);
          return r;
        }
        return lookup(dep);
      },
      block: (reason: string) => void blocked.push(reason),
    };
    let contents: string | undefined;
    let error: TemplateExecError | undefined;
    try {
      contents = execute(this.tree, templateFunctions(), { env, data });
    } catch (err) {
      if (!(err instanceof TemplateExecError)) throw err;
      // With data still missing, placeholders (empty lists) may trip the template: not its fault yet.
      if (missing.length === 0) error = err;
    }
    const complete = missing.length === 0 && blocked.length === 0 && error === undefined;
    return { contents: complete ? contents : undefined, used: [...used.values()], missing, blocked, error };
  }
}
