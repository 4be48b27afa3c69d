/**
 * What a resolver hands out: one reachable service instance.
 *
 * @module
 */
import type { CheckStatus, ServiceWeights } from "../catalog/types.js";

/** One instance of a service, as `pick()` and `instances()` return it. */
export interface Instance {
  /** Instance ID, unique on its node. */
  readonly id: string;
  /** Service name. */
  readonly service: string;
  /** Node the instance runs on. */
  readonly node: string;
  /** Address to connect to (the service address, or the node's when the service has none). */
  readonly address: string;
  readonly port: number;
  readonly tags: readonly string[];
  readonly meta: Readonly<Record<string, string>>;
  /** Worst status of the node's and the instance's checks. */
  readonly status: CheckStatus;
  /** Weights by status, used by the `weighted` policy. */
  readonly weights: Readonly<ServiceWeights>;
}

/** A stable key for an instance across updates: node and ID. */
export function instanceKey(instance: Pick<Instance, "node" | "id">): string {
  return `${instance.node}/${instance.id}`;
}

/**
 * Whether two instances are the same in every field a resolver hands out.
 * The resolver announces a change only when this is false for some instance.
 */
export function instanceEquals(a: Instance, b: Instance): boolean {
  if (
    a.id !== b.id ||
    a.node !== b.node ||
    a.service !== b.service ||
    a.address !== b.address ||
    a.port !== b.port ||
    a.status !== b.status ||
    a.weights.passing !== b.weights.passing ||
    a.weights.warning !== b.weights.warning ||
    a.tags.length !== b.tags.length
  ) {
    return false;
  }
  for (let i = 0; i < a.tags.length; i++) if (a.tags[i] !== b.tags[i]) return false;
  const aKeys = Object.keys(a.meta);
  if (aKeys.length !== Object.keys(b.meta).length) return false;
  for (const k of aKeys) if (!Object.hasOwn(b.meta, k) || a.meta[k] !== b.meta[k]) return false;
  return true;
}

/**
 * A frozen copy of `instance` holding only the {@link Instance} fields, so a
 * feed that later mutates its objects cannot change what a resolver hands out.
 */
export function freezeInstance(instance: Instance): Instance {
  return Object.freeze({
    id: instance.id,
    service: instance.service,
    node: instance.node,
    address: instance.address,
    port: instance.port,
    tags: Object.freeze([...instance.tags]),
    meta: Object.freeze({ ...instance.meta }),
    status: instance.status,
    weights: Object.freeze({ passing: instance.weights.passing, warning: instance.weights.warning }),
  });
}
