/**
 * `disco services register|deregister`: services on the local agent, from
 * flags or from JSON files in Consul's service-definition format
 * (`{"service": {...}}` or `{"services": [...]}`, keys in snake_case or
 * CamelCase).
 *
 * @module
 */
import type { Command } from "../command.js";
import { UsageError } from "../errors.js";
import { readInputFile } from "../io.js";
import type { FlagValues } from "../flags.js";

type ServiceDef = Record<string, unknown>;

/** Reads a field by CamelCase, lowercase or snake_case name, as the agent's API does. */
function field(o: ServiceDef, camel: string): unknown {
  return o[camel] ?? o[camel.toLowerCase()] ?? o[camel.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toLowerCase()];
}

/**
 * The service definitions in a JSON file's text.
 * @throws UsageError naming the file and what is wrong (HCL is not supported).
 */
export function parseServiceFile(text: string, file: string): ServiceDef[] {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`${file}: not JSON (${(err as Error).message}); only JSON service definitions are supported, not HCL`);
  }
  const isObject = (v: unknown): v is ServiceDef => typeof v === "object" && v !== null && !Array.isArray(v);
  if (!isObject(data)) throw new UsageError(`${file}: must be a JSON object with a "service" object or a "services" array`);
  const one = data["service"] ?? data["Service"];
  const many = data["services"] ?? data["Services"];
  let defs: unknown[];
  if (one !== undefined) defs = [one];
  else if (many !== undefined) {
    if (!Array.isArray(many)) throw new UsageError(`${file}: "services" must be an array`);
    defs = many;
  } else throw new UsageError(`${file}: has neither a "service" object nor a "services" array`);
  return defs.map((d, i) => {
    if (!isObject(d)) throw new UsageError(`${file}: service [${i}] must be an object`);
    const name = field(d, "Name");
    if (typeof name !== "string" || name === "") throw new UsageError(`${file}: service [${i}].name: must be a non-empty string`);
    return d;
  });
}

function serviceFromFlags(flags: FlagValues): ServiceDef {
  const name = flags.string("name");
  if (!name) throw new UsageError("give a service definition FILE, or at least -name");
  const meta: Record<string, string> = {};
  for (const kv of flags.list("meta")) {
    const eq = kv.indexOf("=");
    if (eq <= 0) throw new UsageError(`invalid -meta "${kv}": must be key=value`);
    meta[kv.slice(0, eq)] = kv.slice(eq + 1);
  }
  const port = flags.int("port");
  if (port !== undefined && (port < 0 || port > 65535)) throw new UsageError("-port must be from 0 to 65535");
  return {
    Name: name, ID: flags.string("id"), Address: flags.string("address"), Port: port,
    Tags: flags.has("tag") ? flags.list("tag") : undefined, Meta: flags.has("meta") ? meta : undefined,
  };
}

const FLAG_FIELDS = ["name", "id", "address", "port", "tag", "meta"];

async function definitions(flags: FlagValues, files: string[]): Promise<ServiceDef[]> {
  if (files.length === 0) return [serviceFromFlags(flags)];
  const given = FLAG_FIELDS.filter((f) => flags.has(f));
  if (given.length > 0) throw new UsageError(`-${given[0]} cannot be used together with a service definition file`);
  const defs: ServiceDef[] = [];
  for (const file of files) defs.push(...parseServiceFile((await readInputFile(file, "FILE")).toString("utf8"), file));
  return defs;
}

/** `disco services register`. */
export const servicesRegisterCommand: Command = {
  path: ["services", "register"],
  synopsis: "Registers services with the local agent",
  usage: "[options] [FILE ...]",
  help: "FILE is a JSON service definition: {\"service\": {\"name\": \"web\", \"port\": 80, \"check\": {\"ttl\": \"10s\"}}}\n"
    + "or {\"services\": [...]}. Without FILE, the flags describe one service.",
  http: true,
  flags: [
    { name: "address", kind: "string", placeholder: "<addr>", usage: "The service's address (default: the node's)." },
    { name: "id", kind: "string", placeholder: "<id>", usage: "The instance ID (default: the name)." },
    { name: "meta", kind: "list", placeholder: "<key=value>", usage: "A metadata pair." },
    { name: "name", kind: "string", placeholder: "<name>", usage: "The service name." },
    { name: "port", kind: "int", usage: "The service port." },
    { name: "tag", kind: "list", placeholder: "<tag>", usage: "A tag." },
  ],
  async run({ io, flags, args, client }) {
    const defs = await definitions(flags, args);
    const api = client();
    for (const def of defs) {
      await api.request("PUT", "/v1/agent/service/register", { body: JSON.stringify(def) });
      io.stdout(`Registered service: ${String(field(def, "Name"))}\n`);
    }
    return 0;
  },
};

/** `disco services deregister`. */
export const servicesDeregisterCommand: Command = {
  path: ["services", "deregister"],
  synopsis: "Deregisters services from the local agent",
  usage: "[options] [FILE ...]",
  help: "Deregisters the services a definition FILE describes (by ID, else name), or the one given by -id.",
  http: true,
  flags: [{ name: "id", kind: "string", placeholder: "<id>", usage: "The instance ID to deregister." }],
  async run({ io, flags, args, client }) {
    const id = flags.string("id");
    if (id !== undefined && args.length > 0) throw new UsageError("-id cannot be used together with a service definition file");
    let ids: string[];
    if (id !== undefined) ids = [id];
    else if (args.length > 0) {
      const defs: ServiceDef[] = [];
      for (const file of args) defs.push(...parseServiceFile((await readInputFile(file, "FILE")).toString("utf8"), file));
      ids = defs.map((d) => String(field(d, "ID") ?? field(d, "Name")));
    } else throw new UsageError("give -id or a service definition FILE");
    const api = client();
    for (const sid of ids) {
      await api.request("PUT", `/v1/agent/service/deregister/${encodeURIComponent(sid)}`);
      io.stdout(`Deregistered service: ${sid}\n`);
    }
    return 0;
  },
};
