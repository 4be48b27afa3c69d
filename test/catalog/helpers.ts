/** Shared builders for the catalog tests. */
import { CatalogState } from "../../lib/catalog/state.js";
import type { ApplyOutcome, ApplyResult } from "../../lib/catalog/state.js";
import type { CatalogCommand, CheckInput, RegisterCommand, ServiceInput } from "../../lib/catalog/commands.js";
import type { WatchScope } from "../../lib/catalog/scope.js";

/** A state plus a log index counter. */
export class Log {
  index = 0;
  constructor(readonly state = new CatalogState()) {}
  /** Applies at the next index. */
  apply(cmd: CatalogCommand): ApplyOutcome {
    return this.state.apply(++this.index, cmd);
  }
  /** Applies and returns the result only. */
  run(cmd: CatalogCommand): ApplyResult {
    return this.apply(cmd).result;
  }
}

/** A register command for `node` at 10.0.0.x with an optional service and checks. */
export function reg(node: string, service?: Partial<ServiceInput> & { service: string }, checks?: CheckInput[]): RegisterCommand {
  const cmd: RegisterCommand = { op: "register", node: { node, address: `10.0.0.${node.length}` } };
  if (service) cmd.service = { id: service.id ?? service.service, port: 80, ...service };
  if (checks) cmd.checks = checks;
  return cmd;
}

/** A passing node-level serfHealth check. */
export const serf = (status: CheckInput["status"] = "passing"): CheckInput => ({ checkId: "serfHealth", status, type: "serf" });

/** Sorted string keys of touched scopes, for comparing. */
export function keysOf(touched: WatchScope[]): string[] {
  return touched
    .map((s) => ("name" in s ? `${s.kind}:${s.name}` : s.kind === "kv" ? `kv:${s.key}` : s.kind))
    .sort();
}

export const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);
