/**
 * What a template sees: Consul's JSON answers turned into the structs
 * consul-template exposes (`HealthService`, `CatalogSnippet`, `Node`,
 * `CatalogNode`, `KeyPair`), with the same field names.
 *
 * @module
 */
import { listType, structType } from "./values.js";
import type { ServiceStatus } from "./dependency.js";

type Json = Record<string, unknown>;

function obj(v: unknown): Json {
  return typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Json) : {};
}

function str(v: unknown): string {
  return typeof v === "string" ? v : "";
}

function num(v: unknown): number {
  return typeof v === "number" ? v : 0;
}

function strMap(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(obj(v))) if (typeof x === "string") out[k] = x;
  return out;
}

function asList(x: unknown): string[] {
  return Array.isArray(x) ? x.map(String) : [String(x)];
}

/** consul-template's ServiceTags: a list with `Contains`, `ContainsAll`, `ContainsAny`, `ContainsNone`. */
const tagList = listType<string>({
  Contains(this: readonly string[], t: unknown) {
    return this.includes(String(t));
  },
  ContainsAll(this: readonly string[], x: unknown) {
    return asList(x).every((t) => this.includes(t));
  },
  ContainsAny(this: readonly string[], x: unknown) {
    return asList(x).some((t) => this.includes(t));
  },
  ContainsNone(this: readonly string[], x: unknown) {
    return !asList(x).some((t) => this.includes(t));
  },
});

/** A service's tags, deduplicated and sorted (as consul-template hands them out), with their methods. */
export function serviceTags(v: unknown): readonly string[] {
  if (!Array.isArray(v) || v.length === 0) return tagList([]);
  return tagList([...new Set(v.filter((t): t is string => typeof t === "string"))].sort());
}

/** consul-template's aggregate: maintenance, then critical, then warning, else passing. */
export function aggregateStatus(checks: readonly { CheckID: string; Status: string }[]): ServiceStatus {
  if (checks.some((c) => c.CheckID === "_node_maintenance" || c.CheckID.startsWith("_service_maintenance:"))) return "maintenance";
  if (checks.some((c) => c.Status === "critical")) return "critical";
  if (checks.some((c) => c.Status === "warning")) return "warning";
  return "passing";
}

const healthCheck = structType<{ CheckID: string; Status: string; [field: string]: unknown }>("HealthCheck");
const healthService = structType<HealthService>("HealthService");
const weightsType = structType<{ Passing: number; Warning: number }>("Weights");
const catalogSnippet = structType<object>("CatalogSnippet");
const nodeType = structType<object>("Node");
const catalogNodeService = structType<{ ID: string; Service: string; [field: string]: unknown }>("CatalogNodeService");
const catalogNodeType = structType<object>("CatalogNode");
const keyPairType = structType<KeyPair>("KeyPair");

/** `service` results: one HealthService per entry of `/v1/health/service/:name`. */
export function healthServices(answer: unknown): readonly HealthService[] {
  if (!Array.isArray(answer)) return [];
  return Object.freeze(answer.map((e) => {
    const node = obj(obj(e)["Node"]);
    const svc = obj(obj(e)["Service"]);
    const checks = (Array.isArray(obj(e)["Checks"]) ? (obj(e)["Checks"] as unknown[]) : []).map((c) => {
      const o = obj(c);
      return healthCheck({
        Node: str(o["Node"]), CheckID: str(o["CheckID"]), Name: str(o["Name"]), Status: str(o["Status"]),
        Notes: str(o["Notes"]), Output: str(o["Output"]), ServiceID: str(o["ServiceID"]),
        ServiceName: str(o["ServiceName"]), ServiceTags: serviceTags(o["ServiceTags"]), Type: str(o["Type"]),
      });
    });
    const weights = obj(svc["Weights"]);
    return healthService({
      Node: str(node["Node"]),
      NodeID: str(node["ID"]),
      Kind: str(svc["Kind"]),
      NodeAddress: str(node["Address"]),
      NodeDatacenter: str(node["Datacenter"]),
      NodeTaggedAddresses: strMap(node["TaggedAddresses"]),
      NodeMeta: strMap(node["Meta"]),
      ServiceMeta: strMap(svc["Meta"]),
      // An instance without its own address is reached at its node's.
      Address: str(svc["Address"]) || str(node["Address"]),
      ID: str(svc["ID"]),
      Name: str(svc["Service"]),
      Tags: serviceTags(svc["Tags"]),
      Checks: Object.freeze(checks),
      Status: aggregateStatus(checks),
      Port: num(svc["Port"]),
      Weights: weightsType({ Passing: num(weights["Passing"]) || 1, Warning: num(weights["Warning"]) || 1 }),
    });
  }));
}

/** A service instance as a template sees it. */
export interface HealthService {
  Node: string;
  NodeID: string;
  Kind: string;
  NodeAddress: string;
  NodeDatacenter: string;
  NodeTaggedAddresses: Record<string, string>;
  NodeMeta: Record<string, string>;
  ServiceMeta: Record<string, string>;
  Address: string;
  ID: string;
  Name: string;
  Tags: readonly string[];
  Checks: readonly unknown[];
  Status: ServiceStatus;
  Port: number;
  Weights: { Passing: number; Warning: number };
}

/** `services` results: CatalogSnippet {Name, Tags} sorted by name. */
export function catalogSnippets(answer: unknown): readonly unknown[] {
  return Object.freeze(Object.entries(obj(answer))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, tags]) => catalogSnippet({ Name: name, Tags: serviceTags(tags) })));
}

/** One node struct from Consul's node JSON. */
export function nodeStruct(v: unknown): object {
  const n = obj(v);
  return nodeType({
    ID: str(n["ID"]), Node: str(n["Node"]), Address: str(n["Address"]), Datacenter: str(n["Datacenter"]),
    TaggedAddresses: strMap(n["TaggedAddresses"]), Meta: strMap(n["Meta"]),
  });
}

/** `nodes` results, in the agent's order (by name). */
export function catalogNodes(answer: unknown): readonly unknown[] {
  return Object.freeze(Array.isArray(answer) ? answer.map(nodeStruct) : []);
}

/** `node` result: CatalogNode {Node, Services}, or undefined when the node does not exist. */
export function catalogNode(answer: unknown): object | undefined {
  if (typeof answer !== "object" || answer === null) return undefined;
  const a = obj(answer);
  const services = Object.values(obj(a["Services"])).map((s) => {
    const o = obj(s);
    return catalogNodeService({
      ID: str(o["ID"]), Service: str(o["Service"]), Tags: serviceTags(o["Tags"]), Meta: strMap(o["Meta"]),
      Port: num(o["Port"]), Address: str(o["Address"]),
    });
  }).sort((x, y) => (x.Service < y.Service ? -1 : x.Service > y.Service ? 1 : x.ID < y.ID ? -1 : x.ID > y.ID ? 1 : 0));
  return catalogNodeType({ Node: nodeStruct(a["Node"]), Services: Object.freeze(services) });
}

/** A KV pair as a template sees it: `Key` relative to the listed prefix, `Path` the full key. */
export interface KeyPair {
  Path: string;
  Key: string;
  Value: string;
  Exists: boolean;
  CreateIndex: number;
  ModifyIndex: number;
  LockIndex: number;
  Flags: number;
  Session: string;
}

/** The value of a Consul KV JSON entry (base64, or null for empty) as text. */
export function kvValue(entry: unknown): string {
  const v = obj(entry)["Value"];
  return typeof v === "string" ? Buffer.from(v, "base64").toString("utf8") : "";
}

/**
 * `ls` / `tree` results from a recursive KV answer. `Key` has the prefix and
 * the slashes after it removed; `tree` keeps every key but folders (ending in
 * `/`), `ls` only those directly under the prefix.
 */
export function keyPairs(answer: unknown, prefix: string, topLevelOnly: boolean): readonly KeyPair[] {
  if (!Array.isArray(answer)) return [];
  const out: KeyPair[] = [];
  for (const e of answer) {
    const o = obj(e);
    const path = str(o["Key"]);
    const key = path.slice(prefix.length).replace(/^\/+/, "");
    if (key === "" || key.endsWith("/")) continue;
    if (topLevelOnly && key.includes("/")) continue;
    out.push(keyPairType({
      Path: path, Key: key, Value: kvValue(o), Exists: true, CreateIndex: num(o["CreateIndex"]),
      ModifyIndex: num(o["ModifyIndex"]), LockIndex: num(o["LockIndex"]), Flags: num(o["Flags"]), Session: str(o["Session"]),
    }));
  }
  return Object.freeze(out);
}
