/**
 * The services this agent registered: their check runners, SDK heartbeats,
 * and the sync of check status to the catalog. Status reaches the catalog
 * only when it changes (never on every heartbeat), and a service critical for
 * longer than its `deregisterCriticalServiceAfter` is removed.
 *
 * @module
 */
import type { CheckRecord, CheckStatus } from "../catalog/types.js";
import type { CatalogCommand, CheckInput as CatalogCheckInput } from "../catalog/commands.js";
import {
  createCheckRunner, checkTypeOf, type CheckDefinition, type CheckRunner, type CheckResult,
} from "../health/index.js";
import { InvalidArgumentError, NotFoundError } from "../util/errors.js";
import type { Logger } from "../util/logger.js";
import type { TimerHandle, Timers } from "../util/timers.js";
import type { CommandBackend } from "./backend.js";
import type { ParsedService } from "./service-input.js";

/** Output the SDK writes with its own TTL heartbeats. */
export const SDK_HEARTBEAT_OUTPUT = "TTL heartbeat from @disco/core";

/** Pause before a failed check write is tried again. */
const SYNC_RETRY_MS = 1000;

/** Share of the TTL between SDK heartbeats: three beats per TTL survive two lost ones. */
const HEARTBEATS_PER_TTL = 3;

/** The node identity the agent registers under. */
export interface LocalNode {
  node: string;
  address: string;
  datacenter: string;
  meta: Record<string, string>;
}

interface LocalCheck {
  readonly def: CheckDefinition;
  readonly runner: CheckRunner;
  /** What the catalog was last told (or is being told). */
  sent: CheckResult;
  /** The newest result, not yet sent when it differs from `sent`. */
  latest: CheckResult;
  syncing: boolean;
  /** The write in flight, if any. */
  inflight?: Promise<void> | undefined;
  /** Why the last write failed, for pass()/warn()/fail() to report. */
  lastError?: unknown;
  retryTimer?: TimerHandle | undefined;
  reapTimer: TimerHandle | undefined;
}

interface LocalService {
  readonly parsed: ParsedService;
  readonly checks: LocalCheck[];
  heartbeat: TimerHandle | undefined;
  /** Set by warn()/fail(): SDK heartbeats pause until pass() so they do not undo the user's status. */
  heldByUser: boolean;
}

/** Registrations owned by this agent. */
export class LocalServices {
  private readonly services = new Map<string, LocalService>();
  /** Checks registered on their own (/v1/agent/check/register): of the node, or added to a service. */
  private readonly standalone = new Map<string, LocalCheck>();
  /** Per service ID, the end of the chain of changes in progress (see serialized()). */
  private readonly queues = new Map<string, Promise<void>>();
  private closed = false;

  constructor(
    private readonly backend: CommandBackend,
    private readonly node: LocalNode,
    private readonly timers: Timers,
    private readonly logger: Logger,
  ) {}

  /**
   * Whether the catalog lacks a service or check this agent registered: a
   * snapshot restore, a catalog deregister or a force-leave took it out.
   * Anti-entropy then writes them back with {@link LocalServices.resync}.
   */
  missingFromCatalog(): boolean {
    const state = this.backend.catalog.state;
    const present = new Set(state.nodeChecks(this.node.node).map((c) => c.checkId));
    for (const [id, local] of this.services) {
      if (!state.service(this.node.node, id)) return true;
      if (local.checks.some((c) => !present.has(c.def.id))) return true;
    }
    for (const c of this.standalone.values()) {
      if ((c.def.serviceId === "" || this.services.has(c.def.serviceId)) && !present.has(c.def.id)) return true;
    }
    return false;
  }

  /** IDs of the services this agent registered. */
  ids(): string[] {
    return [...this.services.keys()];
  }

  /** The registration of one service, if this agent holds it. */
  get(id: string): ParsedService | undefined {
    return this.services.get(id)?.parsed;
  }

  private nodeInput(): Extract<CatalogCommand, { op: "register" }>["node"] {
    return { node: this.node.node, address: this.node.address, datacenter: this.node.datacenter, meta: this.node.meta };
  }

  /**
   * Registers (or replaces) a service and starts its checks. Resolves once the
   * registration is committed to the catalog.
   */
  register(parsed: ParsedService, signal?: AbortSignal): Promise<void> {
    return this.serialized(parsed.id, () => this.registerNow(parsed, signal));
  }

  /**
   * Runs changes to one service ID one after another: two concurrent
   * registrations (or a registration and a deregistration) of the same ID
   * would otherwise each replace the runners they saw at their start, and
   * leave the other's check runners and heartbeats running.
   */
  private serialized<T>(id: string, fn: () => Promise<T>): Promise<T> {
    const prior = this.queues.get(id) ?? Promise.resolve();
    const run = prior.then(fn, fn);
    const settled = run.then(() => undefined, () => undefined);
    this.queues.set(id, settled);
    void settled.then(() => {
      if (this.queues.get(id) === settled) this.queues.delete(id);
    });
    return run;
  }

  private async registerNow(parsed: ParsedService, signal?: AbortSignal): Promise<void> {
    const previous = this.services.get(parsed.id);
    const initial = (def: CheckDefinition): CheckResult =>
      def.kind === "ttl" && parsed.heartbeat
        ? { status: "passing", output: SDK_HEARTBEAT_OUTPUT }
        : { status: def.initialStatus, output: "" };
    const checks: CatalogCheckInput[] = parsed.checks.map((def) => toCatalogCheck(def, initial(def)));
    const result = await this.backend.propose({
      op: "register",
      nowMs: this.timers.nowMs(),
      node: this.nodeInput(),
      service: {
        id: parsed.id, service: parsed.name, tags: parsed.tags, address: parsed.address,
        port: parsed.port, meta: parsed.meta, weights: parsed.weights,
      },
      checks,
    }, signal);
    if (!result.ok) throw new InvalidArgumentError("service", result.error);
    // The registration is committed: install it at once (replacing what it replaces), then tidy up.
    if (previous) this.stop(previous);
    this.dropOrphans(parsed.id, parsed.checks.map((c) => c.id));
    if (this.closed) return;
    const local: LocalService = { parsed, checks: [], heartbeat: undefined, heldByUser: false };
    for (const def of parsed.checks) local.checks.push(this.startCheck(def, initial(def)));
    this.services.set(parsed.id, local);
    if (parsed.heartbeat) this.startHeartbeat(local);
    if (previous) {
      const kept = new Set(parsed.checks.map((c) => c.id));
      for (const old of previous.checks) {
        if (kept.has(old.def.id)) continue;
        await this.backend.propose({ op: "deregister", node: this.node.node, checkId: old.def.id, nowMs: this.timers.nowMs() })
          .catch((err: unknown) => this.logger.warn({ component: "agent", check: old.def.id, err }, "could not remove a replaced check"));
      }
    }
  }

  /** Stops the runners left from a previous run for a service (undefined: none), and those with the given check IDs. */
  private dropOrphans(serviceId: string | undefined, checkIds?: string[]): boolean {
    const ids = checkIds ? new Set(checkIds) : undefined;
    let dropped = false;
    this.orphans = this.orphans.filter((o) => {
      if ((serviceId === undefined || o.def.serviceId !== serviceId) && !(ids && ids.has(o.def.id))) return true;
      o.runner.stop();
      o.reapTimer?.cancel();
      dropped = true;
      return false;
    });
    return dropped;
  }

  private startCheck(def: CheckDefinition, initial: CheckResult): LocalCheck {
    const check: LocalCheck = {
      def, sent: initial, latest: initial, syncing: false, reapTimer: undefined,
      runner: undefined as unknown as CheckRunner,
    };
    (check as { runner: CheckRunner }).runner = createCheckRunner(def, {
      timers: this.timers,
      logger: this.logger,
      onResult: (r) => this.onResult(check, r),
    });
    check.runner.start();
    this.armReaper(check);
    return check;
  }

  private startHeartbeat(local: LocalService): void {
    const ttls = local.checks.filter((c) => c.def.kind === "ttl");
    if (ttls.length === 0) return;
    const periodMs = Math.min(...ttls.map((c) => (c.def as { ttlMs: number }).ttlMs)) / HEARTBEATS_PER_TTL;
    const beat = (): void => {
      if (this.closed || this.services.get(local.parsed.id) !== local) return;
      if (!local.heldByUser) for (const c of ttls) c.runner.update("passing", SDK_HEARTBEAT_OUTPUT);
      local.heartbeat = this.timers.after(periodMs, beat);
    };
    local.heartbeat = this.timers.after(periodMs, beat);
  }

  private onResult(check: LocalCheck, result: CheckResult): void {
    check.latest = result;
    this.armReaper(check);
    void this.sync(check).catch(() => undefined);
  }

  /**
   * Sends the newest result when it differs from what the catalog has; one
   * write in flight per check. A failed write is retried after a pause (the
   * check may not produce another result for a long time, e.g. an expired
   * TTL); a refused one is logged and left.
   */
  private sync(check: LocalCheck): Promise<void> {
    if (check.inflight) return check.inflight;
    const run = async (): Promise<void> => {
      check.syncing = true;
      try {
        while (!this.closed && (check.latest.status !== check.sent.status || check.latest.output !== check.sent.output)) {
          const next = check.latest;
          const result = await this.backend.propose({
            op: "check-update", node: this.node.node, checkId: check.def.id,
            status: next.status, output: next.output, nowMs: this.timers.nowMs(),
          });
          if (!result.ok) {
            this.logger.warn({ component: "agent", check: check.def.id, error: result.error }, "check update refused");
            check.lastError = new InvalidArgumentError("check", result.error);
            return;
          }
          check.sent = next;
          check.lastError = undefined;
        }
      } catch (err) {
        check.lastError = err;
        if (!this.closed) {
          this.logger.warn({ component: "agent", check: check.def.id, err }, "check update failed; retrying");
          check.retryTimer = this.timers.after(SYNC_RETRY_MS, () => void this.sync(check));
        }
      } finally {
        check.syncing = false;
      }
    };
    // Cleared once settled (never synchronously, so a run with nothing to send cannot leave a stale promise behind).
    const inflight: Promise<void> = run().finally(() => {
      if (check.inflight === inflight) check.inflight = undefined;
    });
    check.inflight = inflight;
    return inflight;
  }

  /** Starts or cancels the deregister-after-critical timer of a check. */
  private armReaper(check: LocalCheck): void {
    const afterMs = check.def.deregisterCriticalAfterMs;
    if (afterMs <= 0) return;
    if (check.latest.status !== "critical") {
      check.reapTimer?.cancel();
      check.reapTimer = undefined;
      return;
    }
    if (check.reapTimer) return;
    check.reapTimer = this.timers.after(afterMs, () => {
      check.reapTimer = undefined;
      if (check.latest.status !== "critical") return;
      this.logger.info({ component: "agent", service: check.def.serviceId }, "deregistering service critical for too long");
      this.deregister(check.def.serviceId).catch((err) =>
        this.logger.warn({ component: "agent", err }, "deregister of critical service failed"));
    });
  }

  /**
   * Sets the status of a service's TTL checks (`pass()`, `warn()`, `fail()`).
   * @throws NotFoundError when the service is not registered here.
   * @throws InvalidArgumentError when it has no TTL check.
   */
  async updateTtl(serviceId: string, status: CheckStatus, note: string | undefined): Promise<void> {
    const local = this.services.get(serviceId);
    if (!local) throw new NotFoundError(`service "${serviceId}" is not registered on this agent`);
    const ttls = local.checks.filter((c) => c.def.kind === "ttl");
    if (ttls.length === 0) throw new InvalidArgumentError("check", `service "${serviceId}" has no TTL check`);
    local.heldByUser = status !== "passing";
    for (const c of ttls) c.runner.update(status, note ?? "");
    await Promise.all(ttls.map((c) => this.flush(c)));
  }

  /**
   * Sets one TTL check by its ID (the HTTP API's /v1/agent/check/pass|warn|fail|update).
   * @throws NotFoundError for an unknown check; InvalidArgumentError when it is not a TTL check.
   */
  async updateCheck(checkId: string, status: CheckStatus, output: string | undefined): Promise<void> {
    const alone = this.standalone.get(checkId);
    if (alone) {
      if (alone.def.kind !== "ttl") throw new InvalidArgumentError("check", `check "${checkId}" is not a TTL check`);
      alone.runner.update(status, output ?? "");
      await this.flush(alone);
      return;
    }
    for (const local of this.services.values()) {
      const check = local.checks.find((c) => c.def.id === checkId);
      if (!check) continue;
      if (check.def.kind !== "ttl") throw new InvalidArgumentError("check", `check "${checkId}" is not a TTL check`);
      local.heldByUser = status !== "passing";
      check.runner.update(status, output ?? "");
      await this.flush(check);
      return;
    }
    throw new NotFoundError(`check "${checkId}" is not registered on this agent`);
  }

  /** Resolves once the check's latest result has reached the catalog; rejects with the write's error. */
  private async flush(check: LocalCheck): Promise<void> {
    if (check.inflight) await check.inflight;
    if (check.latest.status === check.sent.status && check.latest.output === check.sent.output) return;
    await this.sync(check);
    if (check.latest.status !== check.sent.status || check.latest.output !== check.sent.output) {
      throw check.lastError ?? new Error("the check update did not reach the catalog");
    }
  }

  /** Deregisters a service this agent holds. Resolves false when it holds none by that ID. */
  deregister(serviceId: string, signal?: AbortSignal): Promise<boolean> {
    return this.serialized(serviceId, () => this.deregisterNow(serviceId, signal));
  }

  private async deregisterNow(serviceId: string, signal?: AbortSignal): Promise<boolean> {
    const local = this.services.get(serviceId);
    // A service left from a previous run (only its TTL runner here) can be deregistered too, e.g. by its reaper.
    const orphaned = this.dropOrphans(serviceId);
    if (!local && !orphaned) return false;
    if (local) {
      this.services.delete(serviceId);
      this.stop(local);
    }
    // The catalog drops every check of the service with it, those added on their own too.
    for (const [id, c] of this.standalone) {
      if (c.def.serviceId !== serviceId) continue;
      this.stopCheck(c);
      this.standalone.delete(id);
    }
    const result = await this.backend.propose({ op: "deregister", node: this.node.node, serviceId, nowMs: this.timers.nowMs() }, signal);
    return result.ok;
  }

  /**
   * After a restart, takes over the catalog's entries for this node that no
   * live registration owns: TTL checks are re-armed (so they go critical unless
   * the service registers again), other checks are marked critical because
   * their definitions (URLs, functions) live in the program, not the catalog.
   */
  async adoptOrphans(records: { serviceId: string; checks: CheckRecord[] }[]): Promise<void> {
    for (const { serviceId, checks } of records) {
      if (this.services.has(serviceId)) continue;
      for (const record of checks) {
        if (record.type === "ttl" && record.ttlMs > 0) {
          const def: CheckDefinition = {
            kind: "ttl", ttlMs: record.ttlMs, id: record.checkId, name: record.name, notes: record.notes,
            initialStatus: record.status, deregisterCriticalAfterMs: record.deregisterCriticalAfterMs, serviceId,
          } as CheckDefinition;
          const orphan = this.startCheck(def, { status: record.status, output: record.output });
          // Only the TTL timer runs; a later register() of the same ID replaces it.
          this.orphans.push(orphan);
        } else if (record.status !== "critical") {
          await this.backend.propose({
            op: "check-update", node: this.node.node, checkId: record.checkId, status: "critical",
            output: "agent restarted; register the service again to resume this check", nowMs: this.timers.nowMs(),
          });
        }
      }
    }
  }

  private orphans: LocalCheck[] = [];

  private stop(local: LocalService): void {
    local.heartbeat?.cancel();
    local.heartbeat = undefined;
    for (const c of local.checks) this.stopCheck(c);
  }

  private stopCheck(c: LocalCheck): void {
    c.runner.stop();
    c.reapTimer?.cancel();
    c.retryTimer?.cancel();
  }

  /** Stops every runner and timer. Catalog entries stay (see {@link LocalServices.deregisterAll}). */
  close(): void {
    this.closed = true;
    for (const local of this.services.values()) this.stop(local);
    for (const c of this.standalone.values()) this.stopCheck(c);
    for (const o of this.orphans) {
      o.runner.stop();
      o.reapTimer?.cancel();
    }
    this.orphans = [];
  }

  /** Deregisters every service and node-level check this agent holds (graceful leave / shutdown). */
  async deregisterAll(): Promise<void> {
    for (const id of [...this.services.keys()]) await this.deregister(id);
    for (const id of [...this.standalone.keys()]) await this.deregisterCheck(id);
  }

  /**
   * Registers (or replaces) one check on its own, as Consul's
   * /v1/agent/check/register: a node-level check (`serviceId` "") or one
   * more check of a service this agent holds. Resolves once it is in the catalog.
   * @throws NotFoundError when `serviceId` names no service of this agent;
   *   InvalidArgumentError when the ID is taken by a check of a service definition.
   */
  async registerCheck(def: CheckDefinition, signal?: AbortSignal): Promise<void> {
    if (def.serviceId !== "" && !this.services.has(def.serviceId)) {
      throw new NotFoundError(`ServiceID "${def.serviceId}" does not exist`);
    }
    for (const local of this.services.values()) {
      if (local.checks.some((c) => c.def.id === def.id)) {
        throw new InvalidArgumentError("check.id", `"${def.id}" is a check of service "${local.parsed.id}"; register that service again to change it`);
      }
    }
    const initial: CheckResult = { status: def.initialStatus, output: "" };
    const result = await this.backend.propose({
      op: "register", nowMs: this.timers.nowMs(), node: this.nodeInput(), checks: [toCatalogCheck(def, initial)],
    }, signal);
    if (!result.ok) throw new InvalidArgumentError("check", result.error);
    const previous = this.standalone.get(def.id);
    if (previous) this.stopCheck(previous);
    this.dropOrphans(undefined, [def.id]);
    if (this.closed) return;
    this.standalone.set(def.id, this.startCheck(def, initial));
  }

  /**
   * Removes a check this agent holds: one registered on its own, one of a
   * service definition, or one left from a previous run. Resolves false when
   * it holds none by that ID.
   */
  async deregisterCheck(checkId: string, signal?: AbortSignal): Promise<boolean> {
    const alone = this.standalone.get(checkId);
    let found = false;
    if (alone) {
      this.stopCheck(alone);
      this.standalone.delete(checkId);
      found = true;
    }
    for (const local of this.services.values()) {
      const i = local.checks.findIndex((c) => c.def.id === checkId);
      if (i < 0) continue;
      this.stopCheck(local.checks[i]!);
      local.checks.splice(i, 1);
      found = true;
    }
    found = this.dropOrphans(undefined, [checkId]) || found;
    if (!found) return false;
    await this.backend.propose({ op: "deregister", node: this.node.node, checkId, nowMs: this.timers.nowMs() }, signal);
    return true;
  }

  /**
   * Writes everything this agent holds to the catalog again, with each
   * check's latest result (after a snapshot restore replaced the catalog,
   * the agent's own state is what is true of this node, as Consul's
   * anti-entropy has it).
   */
  async resync(signal?: AbortSignal): Promise<void> {
    for (const local of this.services.values()) {
      const p = local.parsed;
      const result = await this.backend.propose({
        op: "register", nowMs: this.timers.nowMs(), node: this.nodeInput(),
        service: { id: p.id, service: p.name, tags: p.tags, address: p.address, port: p.port, meta: p.meta, weights: p.weights },
        checks: local.checks.map((c) => toCatalogCheck(c.def, c.latest)),
      }, signal);
      if (result.ok) for (const c of local.checks) c.sent = c.latest;
    }
    for (const c of this.standalone.values()) {
      if (c.def.serviceId !== "" && !this.services.has(c.def.serviceId)) continue;
      const result = await this.backend.propose({
        op: "register", nowMs: this.timers.nowMs(), node: this.nodeInput(), checks: [toCatalogCheck(c.def, c.latest)],
      }, signal);
      if (result.ok) c.sent = c.latest;
    }
  }
}

function toCatalogCheck(def: CheckDefinition, initial: CheckResult): CatalogCheckInput {
  return {
    checkId: def.id,
    name: def.name,
    serviceId: def.serviceId,
    status: initial.status,
    output: initial.output,
    notes: def.notes,
    type: checkTypeOf(def),
    intervalMs: "intervalMs" in def ? def.intervalMs : 0,
    timeoutMs: "timeoutMs" in def ? def.timeoutMs : 0,
    ttlMs: def.kind === "ttl" ? def.ttlMs : 0,
    deregisterCriticalAfterMs: def.deregisterCriticalAfterMs,
  };
}
