/**
 * The data functions (`service`, `services`, `key`, `keyOrDefault`,
 * `keyExists`, `ls`, `safeLs`, `tree`, `safeTree`, `node`, `nodes`): each one
 * names a {@link Dependency}, reads its latest data from the render's
 * {@link DataLookup}, and shapes it as consul-template does.
 *
 * Before a dependency's first answer a function returns an empty value and the
 * render is not written; the runner fetches what was asked and renders again.
 *
 * @module
 */
import {
  parseDcQuery, parseKeyQuery, parseServiceQuery, parseStatusFilter, type Dependency,
} from "./dependency.js";
import type { FuncMap, TemplateFunction } from "./eval.js";
import { builtinFunctions, type BuiltinContext } from "./functions.js";
import { catalogNode, catalogNodes, catalogSnippets, healthServices, keyPairs, kvValue } from "./records.js";
import { FuncError } from "./values.js";

/** The answer for a dependency, if one has arrived. */
export type DataResult = { ready: true; value: unknown } | { ready: false };

/** How a render reaches its data. */
export interface DataLookup {
  /** Records that the render uses `dep` and returns its latest answer (Consul's JSON; see TemplateSource). */
  use(dep: Dependency): DataResult;
  /**
   * Marks the render as not writable yet, e.g. `key` of a key that does not
   * exist: as consul-template, the file waits until the key appears.
   */
  block(reason: string): void;
}

/** The per-render context of the full function set. */
export interface RenderContext extends BuiltinContext {
  readonly data: DataLookup;
}

/**
 * Shaped results by answer object: the watcher hands out the same answer
 * until its data change, so a re-render converts only what changed. Entries go
 * when the answers do (weak keys). Results are frozen structs, safe to share.
 */
const shaped = new WeakMap<object, Map<string, unknown>>();

function cached<T>(answer: unknown, key: string, shape: () => T): T {
  if (typeof answer !== "object" || answer === null) return shape();
  let byKey = shaped.get(answer);
  if (!byKey) {
    byKey = new Map();
    shaped.set(answer, byKey);
  }
  if (byKey.has(key)) return byKey.get(key) as T;
  const value = shape();
  byKey.set(key, value);
  return value;
}

function text(v: unknown, what: string): string {
  if (typeof v !== "string") throw new FuncError(`${what} must be a string`);
  return v;
}

function fn(minArgs: number, maxArgs: number, call: (args: unknown[], ctx: RenderContext) => unknown): TemplateFunction<RenderContext> {
  return { minArgs, maxArgs, call };
}

function service(args: unknown[], ctx: RenderContext): unknown {
  const q = parseServiceQuery(text(args[0], "service query"));
  // The filter may sit in the query ("web|any") or follow it ("web" "any").
  if (q.filter !== undefined && args.length > 1) throw new FuncError("give the health filter once: in the query or as an argument");
  const filter = parseStatusFilter(args.length > 1 ? args.slice(1).map((a) => text(a, "status")).join(",") : q.filter);
  const dep: Dependency = { kind: "health-service", name: q.name, tag: q.tag, dc: q.dc, passingOnly: filter === undefined };
  const r = ctx.data.use(dep);
  if (!r.ready) return [];
  const all = cached(r.value, "service", () => healthServices(r.value));
  if (filter === undefined || filter === "any") return all;
  return all.filter((s) => filter.includes(s.Status));
}

function kvGet(path: unknown, ctx: RenderContext): { ready: boolean; exists: boolean; value: string } {
  const q = parseKeyQuery(text(path, "key"), false);
  const r = ctx.data.use({ kind: "kv-get", key: q.key, dc: q.dc });
  if (!r.ready) return { ready: false, exists: false, value: "" };
  if (r.value === undefined || r.value === null) return { ready: true, exists: false, value: "" };
  return { ready: true, exists: true, value: kvValue(r.value) };
}

function kvList(path: unknown, ctx: RenderContext, topLevelOnly: boolean, safe: boolean): readonly unknown[] {
  const q = parseKeyQuery(text(path, "prefix"), true);
  const r = ctx.data.use({ kind: "kv-list", prefix: q.key, dc: q.dc });
  if (!r.ready) return [];
  const pairs = cached(r.value, `${topLevelOnly ? "ls" : "tree"}\0${q.key}`, () => keyPairs(r.value, q.key, topLevelOnly));
  if (safe && pairs.length === 0) ctx.data.block(`no keys under "${q.key}" (safe${topLevelOnly ? "Ls" : "Tree"} will not render an empty list)`);
  return pairs;
}

/** The data functions alone. */
export function dataFunctions(): Map<string, TemplateFunction<RenderContext>> {
  const m = new Map<string, TemplateFunction<RenderContext>>();
  m.set("service", fn(1, 2, service));
  m.set("services", fn(0, 1, ([q], ctx) => {
    const r = ctx.data.use({ kind: "catalog-services", dc: parseDcQuery(q === undefined ? undefined : text(q, "query")) });
    return r.ready ? cached(r.value, "services", () => catalogSnippets(r.value)) : [];
  }));
  m.set("nodes", fn(0, 1, ([q], ctx) => {
    const r = ctx.data.use({ kind: "catalog-nodes", dc: parseDcQuery(q === undefined ? undefined : text(q, "query")) });
    return r.ready ? cached(r.value, "nodes", () => catalogNodes(r.value)) : [];
  }));
  m.set("node", fn(0, 1, ([q], ctx) => {
    // No argument (or just "@dc") means the agent's own node, as consul-template.
    const raw = q === undefined ? "" : text(q, "node");
    const at = raw.indexOf("@");
    const name = at >= 0 ? raw.slice(0, at) : raw;
    const dc = at >= 0 ? parseDcQuery(raw.slice(at)) : undefined;
    const r = ctx.data.use({ kind: "catalog-node", name, dc });
    return r.ready ? cached(r.value, "node", () => catalogNode(r.value)) : undefined;
  }));
  m.set("key", fn(1, 1, ([path], ctx) => {
    const r = kvGet(path, ctx);
    if (r.ready && !r.exists) ctx.data.block(`key "${String(path)}" does not exist`);
    return r.value;
  }));
  m.set("keyOrDefault", fn(2, 2, ([path, fallback], ctx) => {
    const r = kvGet(path, ctx);
    return r.exists ? r.value : text(fallback, "default");
  }));
  m.set("keyExists", fn(1, 1, ([path], ctx) => kvGet(path, ctx).exists));
  m.set("ls", fn(1, 1, ([p], ctx) => kvList(p, ctx, true, false)));
  m.set("safeLs", fn(1, 1, ([p], ctx) => kvList(p, ctx, true, true)));
  m.set("tree", fn(1, 1, ([p], ctx) => kvList(p, ctx, false, false)));
  m.set("safeTree", fn(1, 1, ([p], ctx) => kvList(p, ctx, false, true)));
  return m;
}

let all: FuncMap<RenderContext> | undefined;

/** Every function a template may call: the built-ins and the data functions. */
export function templateFunctions(): FuncMap<RenderContext> {
  all ??= new Map([...builtinFunctions<RenderContext>(), ...dataFunctions()]);
  return all;
}

/** The names of {@link templateFunctions}, for the parser's check. */
export function templateFunctionNames(): ReadonlySet<string> {
  return new Set(templateFunctions().keys());
}
