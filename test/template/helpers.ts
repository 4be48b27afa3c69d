/** Shared helpers for template tests: a render with fixed data, and microtask flushing. */
import { Template } from "../../lib/template/template.js";
import type { DataResult } from "../../lib/template/data-functions.js";
import type { Dependency } from "../../lib/template/dependency.js";

/** Data by dependency kind + name, as a fake agent would answer. */
export type FakeData = (dep: Dependency) => DataResult;

/** No data at all: every data function is "not ready". */
export const noData: FakeData = () => ({ ready: false });

/** Renders `src` with `data`, returning the output or throwing what the render reported. */
export function render(src: string, data: FakeData = noData, env: Record<string, string> = {}): string {
  const r = Template.parse("t.tpl", src).render(data, env);
  if (r.error) throw r.error;
  if (r.contents === undefined) throw new Error(`incomplete render: missing ${r.missing.length}, blocked ${r.blocked.join("; ")}`);
  return r.contents;
}

/** Lets pending promise callbacks and I/O callbacks run (no timers involved). */
export async function flush(rounds = 10): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise((r) => setImmediate(r));
}

/** A Consul /v1/health/service entry. */
export function healthEntry(node: string, address: string, id: string, port: number, opts: { tags?: string[]; status?: string; svcAddress?: string; meta?: Record<string, string> } = {}): unknown {
  return {
    Node: { ID: `id-${node}`, Node: node, Address: address, Datacenter: "dc1", TaggedAddresses: { lan: address }, Meta: { rack: "r1" } },
    Service: { ID: id, Service: "web", Tags: opts.tags ?? [], Address: opts.svcAddress ?? "", Port: port, Meta: opts.meta ?? {}, Weights: { Passing: 1, Warning: 1 } },
    Checks: [
      { Node: node, CheckID: "serfHealth", Name: "Serf Health Status", Status: "passing", ServiceID: "", ServiceName: "", ServiceTags: [] },
      { Node: node, CheckID: `service:${id}`, Name: "ttl", Status: opts.status ?? "passing", ServiceID: id, ServiceName: "web", ServiceTags: [] },
    ],
  };
}

/** A Consul KV JSON entry. */
export function kvEntry(key: string, value: string): unknown {
  return { Key: key, Value: value === "" ? null : Buffer.from(value).toString("base64"), Flags: 0, CreateIndex: 5, ModifyIndex: 6, LockIndex: 0 };
}
