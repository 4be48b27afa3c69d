/**
 * Consul agent configuration files (JSON) read into {@link AgentSettings}.
 * Keys this agent does not implement are collected, so the command can name
 * them all in one warning and carry on, as an older Consul would.
 *
 * @module
 */
import { InvalidConfigError } from "../../util/errors.js";
import { emptySettings, type AgentPorts, type AgentSettings } from "./settings.js";

type Setter = (s: AgentSettings, value: unknown, field: string) => void;

function asString(value: unknown, field: string): string {
  if (typeof value !== "string") throw new InvalidConfigError(field, `must be a string, got ${JSON.stringify(value)}`);
  return value;
}

function asBool(value: unknown, field: string): boolean {
  if (typeof value !== "boolean") throw new InvalidConfigError(field, `must be true or false, got ${JSON.stringify(value)}`);
  return value;
}

function asInt(value: unknown, field: string): number {
  if (typeof value !== "number" || !Number.isInteger(value)) throw new InvalidConfigError(field, `must be an integer, got ${JSON.stringify(value)}`);
  return value;
}

function asStrings(value: unknown, field: string): string[] {
  if (!Array.isArray(value) || value.some((v) => typeof v !== "string")) throw new InvalidConfigError(field, "must be an array of strings");
  return value as string[];
}

function asObject(value: unknown, field: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new InvalidConfigError(field, "must be an object");
  return value as Record<string, unknown>;
}

/** Consul's `ports` sub-keys this agent uses. */
const PORT_KEYS: Record<string, keyof AgentPorts> = {
  http: "http", dns: "dns", serf_lan: "serfLan", serf_wan: "serfWan", server: "server",
};

/** The top-level keys this agent implements, each with how it is read. */
const SETTERS: Record<string, Setter> = {
  datacenter: (s, v, f) => { s.datacenter = asString(v, f); },
  data_dir: (s, v, f) => { s.dataDir = asString(v, f); },
  node_name: (s, v, f) => { s.node = asString(v, f); },
  server: (s, v, f) => { s.server = asBool(v, f); },
  bootstrap: (s, v, f) => { s.bootstrap = asBool(v, f); },
  bootstrap_expect: (s, v, f) => { s.bootstrapExpect = asInt(v, f); },
  bind_addr: (s, v, f) => { s.bindAddr = asString(v, f); },
  client_addr: (s, v, f) => { s.clientAddr = asString(v, f); },
  advertise_addr: (s, v, f) => { s.advertiseAddr = asString(v, f); },
  domain: (s, v, f) => { s.domain = asString(v, f); },
  start_join: (s, v, f) => { s.join = asStrings(v, f); },
  retry_join: (s, v, f) => { s.retryJoin = asStrings(v, f); },
  start_join_wan: (s, v, f) => { s.joinWan = asStrings(v, f); },
  retry_join_wan: (s, v, f) => { s.retryJoinWan = asStrings(v, f); },
  ui: (s, v, f) => { s.ui = asBool(v, f); },
  encrypt: (s, v, f) => { s.encrypt = asString(v, f); },
  log_level: (s, v, f) => { s.logLevel = asString(v, f); },
  pid_file: (s, v, f) => { s.pidFile = asString(v, f); },
  node_meta: (s, v, f) => {
    for (const [k, val] of Object.entries(asObject(v, f))) s.nodeMeta[k] = asString(val, `${f}.${k}`);
  },
  service: (s, v, f) => { s.services.push(asObject(v, f)); },
  services: (s, v, f) => {
    if (!Array.isArray(v)) throw new InvalidConfigError(f, "must be an array of service definitions");
    v.forEach((def, i) => s.services.push(asObject(def, `${f}[${i}]`)));
  },
};

/**
 * Reads one JSON config file's text.
 * @param file - its name, for error messages.
 * @returns the settings, and the keys (dotted for nested ones) that are ignored.
 * @throws InvalidConfigError naming the file and key for bad JSON or a value of the wrong type.
 */
export function parseConfigFile(text: string, file: string): { settings: AgentSettings; ignored: string[] } {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new InvalidConfigError(file, `not JSON (${(err as Error).message}); only JSON config files are supported, not HCL`);
  }
  const root = asObject(data, file);
  const settings = emptySettings();
  const ignored: string[] = [];
  for (const [key, value] of Object.entries(root)) {
    const field = `${file}: ${key}`;
    if (key === "ports") {
      for (const [port, v] of Object.entries(asObject(value, field))) {
        const target = PORT_KEYS[port];
        if (target) settings.ports[target] = asInt(v, `${field}.${port}`);
        else ignored.push(`ports.${port}`);
      }
    } else if (key === "ui_config") {
      for (const [sub, v] of Object.entries(asObject(value, field))) {
        if (sub === "enabled") settings.ui = asBool(v, `${field}.enabled`);
        else ignored.push(`ui_config.${sub}`);
      }
    } else if (SETTERS[key]) {
      SETTERS[key](settings, value, field);
    } else {
      ignored.push(key);
    }
  }
  return { settings, ignored };
}
