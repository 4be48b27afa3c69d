/**
 * Maintenance mode (Consul's /v1/agent/maintenance and
 * /v1/agent/service/maintenance/:id): a critical check that takes the node's
 * instances, or one instance, out of every passing-only answer until it is
 * turned off. The check lives in the catalog only, so it outlasts a restart
 * of the agent, as Consul's persisted maintenance does.
 *
 * @module
 */
import { InvalidArgumentError, NotFoundError } from "../util/errors.js";
import type { Timers } from "../util/timers.js";
import type { CommandBackend } from "./backend.js";
import type { LocalNode } from "./local-services.js";

/** Check ID of node maintenance (Consul's). */
export const NODE_MAINTENANCE_CHECK_ID = "_node_maintenance";

/** Prefix of a service's maintenance check ID; the service ID follows (Consul's). */
export const SERVICE_MAINTENANCE_CHECK_PREFIX = "_service_maintenance:";

/** Notes of a maintenance check enabled without a reason. */
const DEFAULT_REASON = {
  node: "Maintenance mode is on for this node; no reason was given.",
  service: "Maintenance mode is on for this service; no reason was given.",
} as const;

/** The node's liveness check, kept by the agent (agent.ts `SERF_HEALTH_CHECK_ID`). */
const SERF_HEALTH_CHECK_ID = "serfHealth";

/**
 * Whether the agent owns a check ID — the node's liveness check or a
 * maintenance check — so users may not register or remove it as a check.
 */
export function isReservedCheckId(id: string): boolean {
  return id === SERF_HEALTH_CHECK_ID || id === NODE_MAINTENANCE_CHECK_ID || id.startsWith(SERVICE_MAINTENANCE_CHECK_PREFIX);
}

/** Node and service maintenance of one agent (`agent.maintenance`). */
export class Maintenance {
  constructor(
    private readonly backend: CommandBackend,
    private readonly node: LocalNode,
    /** Whether this agent holds a service by that ID. */
    private readonly hasService: (id: string) => boolean,
    private readonly timers: Timers,
  ) {}

  /** Whether node maintenance is on. */
  nodeEnabled(): boolean {
    return this.backend.catalog.state.check(this.node.node, NODE_MAINTENANCE_CHECK_ID) !== undefined;
  }

  /** Whether maintenance is on for a service of this agent. */
  serviceEnabled(serviceId: string): boolean {
    return this.backend.catalog.state.check(this.node.node, SERVICE_MAINTENANCE_CHECK_PREFIX + serviceId) !== undefined;
  }

  /**
   * Puts the whole node in maintenance: every instance on it leaves
   * passing-only answers. Already on: nothing changes (the first reason stays, as in Consul).
   */
  async enableNode(reason = "", signal?: AbortSignal): Promise<void> {
    if (this.nodeEnabled()) return;
    await this.write({
      checkId: NODE_MAINTENANCE_CHECK_ID, name: "Node Maintenance Mode", notes: reason || DEFAULT_REASON.node,
    }, signal);
  }

  /** Ends node maintenance; a no-op when it is off. */
  async disableNode(signal?: AbortSignal): Promise<void> {
    if (!this.nodeEnabled()) return;
    await this.remove(NODE_MAINTENANCE_CHECK_ID, signal);
  }

  /**
   * Puts one service instance of this agent in maintenance. Already on: nothing changes.
   * @throws NotFoundError when this agent holds no service by that ID.
   */
  async enableService(serviceId: string, reason = "", signal?: AbortSignal): Promise<void> {
    this.assertService(serviceId);
    if (this.serviceEnabled(serviceId)) return;
    await this.write({
      checkId: SERVICE_MAINTENANCE_CHECK_PREFIX + serviceId, name: "Service Maintenance Mode", serviceId,
      notes: reason || DEFAULT_REASON.service,
    }, signal);
  }

  /**
   * Ends maintenance of a service instance; a no-op when it is off.
   * @throws NotFoundError when this agent holds no service by that ID.
   */
  async disableService(serviceId: string, signal?: AbortSignal): Promise<void> {
    this.assertService(serviceId);
    if (!this.serviceEnabled(serviceId)) return;
    await this.remove(SERVICE_MAINTENANCE_CHECK_PREFIX + serviceId, signal);
  }

  private assertService(serviceId: string): void {
    if (typeof serviceId !== "string" || !this.hasService(serviceId)) {
      throw new NotFoundError(`No service registered with ID "${String(serviceId)}"`);
    }
  }

  private async write(check: { checkId: string; name: string; notes: string; serviceId?: string }, signal?: AbortSignal): Promise<void> {
    const n = this.node;
    const result = await this.backend.propose({
      op: "register", nowMs: this.timers.nowMs(),
      node: { node: n.node, address: n.address, datacenter: n.datacenter, meta: n.meta },
      checks: [{ ...check, status: "critical", output: check.notes, type: "" }],
    }, signal);
    if (!result.ok) throw new InvalidArgumentError("maintenance", result.error);
  }

  private async remove(checkId: string, signal?: AbortSignal): Promise<void> {
    await this.backend.propose({ op: "deregister", node: this.node.node, checkId, nowMs: this.timers.nowMs() }, signal);
  }
}
