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
