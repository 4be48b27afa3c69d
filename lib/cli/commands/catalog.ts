/**
 * `disco catalog datacenters|nodes|services`: read-only views of the catalog,
 * printed as `consul catalog` prints them.
 *
 * @module
 */
import type { Command } from "../command.js";
import { UsageError } from "../errors.js";
import { formatTable } from "../table.js";
import { NotFoundError } from "../../util/errors.js";

/** Characters of a node ID shown without -detailed (Consul's short ID). */
const SHORT_ID_LENGTH = 8;

interface NodeJson {
  ID?: string;
  Node: string;
  Address: string;
  Datacenter: string;
  TaggedAddresses?: Record<string, string> | null;
  Meta?: Record<string, string> | null;
}

function noArgs(args: string[], command: string): void {
  if (args.length > 0) throw new UsageError(`${command} takes no arguments, got "${args[0]}"`);
}

function pairs(o: Record<string, string> | null | undefined): string {
  return Object.entries(o ?? {}).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => `${k}=${v}`).join(", ");
}

/** `disco catalog datacenters`. */
export const catalogDatacentersCommand: Command = {
  path: ["catalog", "datacenters"],
  synopsis: "Lists the known datacenters",
  usage: "[options]",
  http: true,
  flags: [],
  async run({ io, args, client }) {
    noArgs(args, "catalog datacenters");
    for (const dc of await client().getJson<string[]>("/v1/catalog/datacenters")) io.stdout(`${dc}\n`);
    return 0;
  },
};

/** `disco catalog nodes`. */
export const catalogNodesCommand: Command = {
  path: ["catalog", "nodes"],
  synopsis: "Lists the nodes in the catalog",
  usage: "[options]",
  http: true,
  flags: [
    { name: "detailed", kind: "bool", usage: "Shows the full node ID, tagged addresses and meta." },
    { name: "service", kind: "string", placeholder: "<name>", usage: "Only nodes that run an instance of this service." },
  ],
  async run({ io, flags, args, client }) {
    noArgs(args, "catalog nodes");
    const api = client();
    let nodes = await api.getJson<NodeJson[]>("/v1/catalog/nodes");
    const service = flags.string("service");
    if (service !== undefined) {
      const instances = await api.getJson<{ Node: string }[]>(`/v1/catalog/service/${encodeURIComponent(service)}`);
      const names = new Set(instances.map((i) => i.Node));
      nodes = nodes.filter((n) => names.has(n.Node));
    }
    if (nodes.length === 0) {
      io.stderr("No nodes match the given query - try expanding your search.\n");
      return 0;
    }
    nodes.sort((a, b) => a.Node.localeCompare(b.Node));
    const detailed = flags.bool("detailed");
    const header = detailed ? ["Node", "ID", "Address", "DC", "TaggedAddresses", "Meta"] : ["Node", "ID", "Address", "DC"];
    const rows = nodes.map((n) => {
      const id = n.ID ?? "";
      const row = [n.Node, detailed ? id : id.slice(0, SHORT_ID_LENGTH), n.Address, n.Datacenter];
      return detailed ? [...row, pairs(n.TaggedAddresses), pairs(n.Meta)] : row;
    });
    io.stdout(formatTable([header, ...rows]));
    return 0;
  },
};

/** `disco catalog services`. */
export const catalogServicesCommand: Command = {
  path: ["catalog", "services"],
  synopsis: "Lists the services in the catalog",
  usage: "[options]",
  http: true,
  flags: [
    { name: "node", kind: "string", placeholder: "<name>", usage: "Only the services on this node." },
    { name: "tags", kind: "bool", usage: "Shows each service's tags." },
  ],
  async run({ io, flags, args, client }) {
    noArgs(args, "catalog services");
    const api = client();
    let services: Record<string, string[]>;
    const node = flags.string("node");
    if (node !== undefined) {
      const found = await api.getJson<{ Services?: Record<string, { Service: string; Tags?: string[] | null }> } | null>(
        `/v1/catalog/node/${encodeURIComponent(node)}`);
      if (!found) throw new NotFoundError(`no node named "${node}" in the catalog`);
      services = {};
      for (const s of Object.values(found.Services ?? {})) {
        services[s.Service] = [...new Set([...(services[s.Service] ?? []), ...(s.Tags ?? [])])];
      }
    } else {
      services = await api.getJson<Record<string, string[]>>("/v1/catalog/services");
    }
    const names = Object.keys(services).sort();
    if (names.length === 0) {
      io.stderr("No services match the given query - try expanding your search.\n");
      return 0;
    }
    if (flags.bool("tags")) {
      io.stdout(formatTable(names.map((n) => [n, [...(services[n] ?? [])].sort().join(",")])));
    } else {
      for (const n of names) io.stdout(`${n}\n`);
    }
    return 0;
  },
};
