/**
 * `disco kv export|import`: Consul's JSON dump format, an array of
 * `{ "key", "flags", "value" }` with base64 values, so dumps move between
 * Consul and disco both ways.
 *
 * @module
 */
import type { Command } from "../command.js";
import { encodePath } from "../client.js";
import { UsageError } from "../errors.js";
import { readValueArg } from "../io.js";
import { decodeBase64, normalizeKey, type KvJson } from "./kv-shared.js";

/** One entry of an export. */
export interface KvExportEntry {
  key: string;
  flags: number;
  /** Base64 of the value ("" when empty). */
  value: string;
}

/** Largest `flags` value: Consul stores a uint64, JSON numbers are exact only up to 2^53. */
const FLAGS_MAX = Number.MAX_SAFE_INTEGER;

/**
 * Parses and validates a whole import before anything is written, so a bad
 * entry stops the import with nothing applied.
 * @throws UsageError naming the entry and field.
 */
export function parseImport(text: string): { key: string; flags: number; value: Buffer }[] {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`import data is not JSON: ${(err as Error).message}`);
  }
  if (!Array.isArray(data)) throw new UsageError("import data must be a JSON array of {key, flags, value} (as `disco kv export` writes)");
  return data.map((raw: unknown, i) => {
    if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw new UsageError(`entry [${i}]: must be an object`);
    const e = raw as Record<string, unknown>;
    if (typeof e["key"] !== "string" || e["key"] === "") throw new UsageError(`entry [${i}].key: must be a non-empty string`);
    const flags = e["flags"] ?? 0;
    if (typeof flags !== "number" || !Number.isInteger(flags) || flags < 0 || flags > FLAGS_MAX) {
      throw new UsageError(`entry [${i}].flags: must be a non-negative integer`);
    }
    const value = e["value"] ?? "";
    if (typeof value !== "string") throw new UsageError(`entry [${i}].value: must be a base64 string`);
    return { key: e["key"], flags, value: decodeBase64(value, `entry [${i}].value`) };
  });
}

/** `disco kv export`. */
export const kvExportCommand: Command = {
  path: ["kv", "export"],
  synopsis: "Prints every key under a prefix as JSON (Consul's export format)",
  usage: "[options] [PREFIX]",
  http: true,
  flags: [],
  async run({ io, args, client }) {
    if (args.length > 1) throw new UsageError(`too many arguments (expected 0 or 1, got ${args.length})`);
    const prefix = normalizeKey(args[0] ?? "");
    const res = await client().request("GET", `/v1/kv/${encodePath(prefix)}`, { query: { recurse: true }, accept: [404] });
    const entries: KvExportEntry[] = res.status === 404 ? [] : res.json<KvJson[]>().map((e) => ({
      key: e.Key, flags: e.Flags, value: e.Value ?? "",
    }));
    io.stdout(JSON.stringify(entries, null, "\t") + "\n");
    return 0;
  },
};

/** `disco kv import`. */
export const kvImportCommand: Command = {
  path: ["kv", "import"],
  synopsis: "Writes the keys of a JSON export (Consul's format)",
  usage: "[options] [DATA]",
  help: "DATA is the JSON itself, @FILE to read it from a file, or - (the default) to read stdin.\n"
    + "Every entry is checked before the first is written.",
  http: true,
  flags: [{ name: "prefix", kind: "string", placeholder: "<prefix>", usage: "Prepended to every imported key." }],
  async run({ io, flags, args, client }) {
    if (args.length > 1) throw new UsageError(`too many arguments (expected 0 or 1, got ${args.length})`);
    const data = await readValueArg(io, args[0] ?? "-", "DATA");
    const entries = parseImport(data.toString("utf8"));
    const prefix = flags.string("prefix") ?? "";
    const api = client();
    for (const e of entries) {
      const key = normalizeKey(prefix + e.key);
      await api.request("PUT", `/v1/kv/${encodePath(key)}`, { body: e.value, query: { flags: e.flags || undefined } });
      io.stdout(`Imported: ${key}\n`);
    }
    return 0;
  },
};
