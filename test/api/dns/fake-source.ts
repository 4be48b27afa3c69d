/**
 * An in-memory DnsSource for unit tests: a few nodes and instances, each with
 * a status, and an index the test moves by hand.
 */
import type { CheckStatus, HealthEntry, NodeRecord } from "../../../lib/catalog/types.js";
import type { DnsSource } from "../../../lib/api/dns/source.js";

export interface FakeInstance {
  node: string;
  id: string;
  service: string;
  address?: string;
  port: number;
  tags?: string[];
  status?: CheckStatus;
}

export class FakeSource implements DnsSource {
  readonly datacenter = "dc1";
  readonly nodes = new Map<string, NodeRecord>();
  instances: FakeInstance[] = [];
  idx = 1;
  reads = 0;
  failing = false;

  addNode(node: string, address: string, meta: Record<string, string> = {}): this {
    this.nodes.set(node, { node, id: node, address, datacenter: "dc1", meta, createIndex: 1, modifyIndex: 1 });
    return this;
  }

  add(...instances: FakeInstance[]): this {
    this.instances.push(...instances);
    this.idx++;
    return this;
  }

  healthService(name: string, opts: { tag?: string; passingOnly: boolean }): HealthEntry[] {
    this.reads++;
    if (this.failing) throw new Error("catalog unavailable");
    return this.instances
      .filter((i) => i.service === name && (opts.tag === undefined || (i.tags ?? []).includes(opts.tag)))
      .filter((i) => !opts.passingOnly || (i.status ?? "passing") === "passing")
      .map((i) => ({
        node: this.nodes.get(i.node)!,
        service: {
          node: i.node, id: i.id, service: i.service, tags: i.tags ?? [], address: i.address ?? "", port: i.port,
          meta: {}, weights: { passing: 1, warning: 1 }, createIndex: 1, modifyIndex: 1,
        },
        checks: [],
        status: i.status ?? "passing",
      }));
  }

  node(name: string): { node: NodeRecord } | undefined {
    this.reads++;
    const node = this.nodes.get(name);
    return node ? { node } : undefined;
  }

  index(): number {
    return this.idx;
  }
}
