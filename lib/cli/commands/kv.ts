/**
 * `disco kv get|put|delete`, with Consul's flags and messages.
 *
 * @module
 */
import type { Command, CommandContext } from "../command.js";
import { encodePath } from "../client.js";
import { UsageError } from "../errors.js";
import { readValueArg } from "../io.js";
import { decodeBase64, entryValue, normalizeKey, type KvJson } from "./kv-shared.js";
import { CasConflictError, DiscoError, NotFoundError } from "../../util/errors.js";

/** Padding after the field names of `-detailed` output (Consul's tabwriter padding). */
const DETAIL_PADDING = 6;

function formatDetailed(e: KvJson, base64: boolean): string {
  const value = entryValue(e);
  const fields: [string, string][] = [
    ["CreateIndex", String(e.CreateIndex)], ["Flags", String(e.Flags)], ["Key", e.Key],
    ["LockIndex", String(e.LockIndex)], ["ModifyIndex", String(e.ModifyIndex)], ["Session", e.Session || "-"],
    ["Value", base64 ? value.toString("base64") : value.toString("utf8")],
  ];
  const width = Math.max(...fields.map(([k]) => k.length)) + DETAIL_PADDING;
  return fields.map(([k, v]) => k.padEnd(width) + v).join("\n") + "\n";
}

async function getKeys(ctx: CommandContext, prefix: string): Promise<number> {
  const separator = ctx.flags.has("separator") ? ctx.flags.string("separator")! : "/";
  const res = await ctx.client().request("GET", `/v1/kv/${encodePath(prefix)}`, {
    query: { keys: true, separator: separator || undefined }, accept: [404],
  });
  if (res.status === 404) return 0;
  for (const key of res.json<string[]>()) ctx.io.stdout(`${key}\n`);
  return 0;
}

async function getRecurse(ctx: CommandContext, prefix: string): Promise<number> {
  const res = await ctx.client().request("GET", `/v1/kv/${encodePath(prefix)}`, { query: { recurse: true }, accept: [404] });
  if (res.status === 404) return 0;
  const base64 = ctx.flags.bool("base64");
  const entries = res.json<KvJson[]>();
  if (ctx.flags.bool("detailed")) {
    ctx.io.stdout(entries.map((e) => formatDetailed(e, base64)).join("\n"));
    return 0;
  }
  for (const e of entries) {
    const value = entryValue(e);
    ctx.io.stdout(Buffer.concat([Buffer.from(`${e.Key}:`), base64 ? Buffer.from(value.toString("base64")) : value, Buffer.from("\n")]));
  }
  return 0;
}

/** `disco kv get`. */
export const kvGetCommand: Command = {
  path: ["kv", "get"],
  synopsis: "Reads a value (or every value under a prefix)",
  usage: "[options] [KEY_OR_PREFIX]",
  help: "Prints the value at KEY. With -recurse, prints KEY:VALUE for every key under the prefix;\n"
    + "with -keys, the keys under the prefix up to the next separator.",
  http: true,
  flags: [
    { name: "base64", kind: "bool", usage: "Prints values base64-encoded." },
    { name: "detailed", kind: "bool", usage: "Prints every field of the entry (indexes, flags, session)." },
    { name: "keys", kind: "bool", usage: "Lists keys under the prefix instead of values." },
    { name: "recurse", kind: "bool", usage: "Reads every key under the prefix." },
    { name: "separator", kind: "string", placeholder: "<string>", usage: "With -keys, the separator keys are grouped on (default \"/\"; \"\" for all keys)." },
  ],
  async run(ctx) {
    const { io, flags, args } = ctx;
    if (args.length > 1) throw new UsageError(`too many arguments (expected 1, got ${args.length})`);
    const key = normalizeKey(args[0] ?? "");
    if (flags.bool("keys")) return getKeys(ctx, key);
    if (flags.bool("recurse")) return getRecurse(ctx, key);
    if (args.length === 0) throw new UsageError("missing KEY argument");
    const res = await ctx.client().request("GET", `/v1/kv/${encodePath(key)}`, { accept: [404] });
    if (res.status === 404) throw new NotFoundError(`no key exists at: ${key}`);
    const [entry] = res.json<KvJson[]>();
    if (!entry) throw new NotFoundError(`no key exists at: ${key}`);
    if (flags.bool("detailed")) io.stdout(formatDetailed(entry, flags.bool("base64")));
    else if (flags.bool("base64")) io.stdout(`${entryValue(entry).toString("base64")}\n`);
    else io.stdout(Buffer.concat([entryValue(entry), Buffer.from("\n")]));
    return 0;
  },
};

/** `disco kv put`. */
export const kvPutCommand: Command = {
  path: ["kv", "put"],
  synopsis: "Writes a value",
  usage: "[options] KEY [DATA]",
  help: "DATA is the value itself, @FILE to read it from a file, or - to read it from stdin.\n"
    + "Without DATA the key is written with an empty value.",
  http: true,
  flags: [
    { name: "acquire", kind: "bool", usage: "Obtains a lock on the key for -session; fails if another session holds it." },
    { name: "base64", kind: "bool", usage: "DATA is base64-encoded; it is decoded before writing." },
    { name: "cas", kind: "bool", usage: "Check-and-set: writes only if the key's ModifyIndex is -modify-index (0 = only if absent)." },
    { name: "flags", kind: "int", usage: "Unsigned integer stored with the value, for the application's use." },
    { name: "modify-index", kind: "int", usage: "The ModifyIndex -cas compares with." },
    { name: "release", kind: "bool", usage: "Releases the lock -session holds on the key." },
    { name: "session", kind: "string", placeholder: "<id>", usage: "Session for -acquire and -release." },
  ],
  async run(ctx) {
    const { io, flags, args } = ctx;
    if (args.length === 0) throw new UsageError("missing KEY argument");
    if (args.length > 2) throw new UsageError(`too many arguments (expected 1 or 2, got ${args.length})`);
    const key = normalizeKey(args[0]!);
    if (key === "") throw new UsageError("KEY must not be empty");
    const cas = flags.bool("cas");
    if (cas && !flags.has("modify-index")) throw new UsageError("-cas needs -modify-index");
    if (!cas && flags.has("modify-index")) throw new UsageError("-modify-index needs -cas");
    const acquire = flags.bool("acquire");
    const release = flags.bool("release");
    const session = flags.string("session");
    if ((acquire || release) && !session) throw new UsageError("-acquire and -release need -session");
    if (acquire && release) throw new UsageError("-acquire and -release cannot be used together");
    const flagsValue = flags.int("flags");
    if (flagsValue !== undefined && flagsValue < 0) throw new UsageError("-flags must be >= 0");
    const modifyIndex = flags.int("modify-index");
    if (modifyIndex !== undefined && modifyIndex < 0) throw new UsageError("-modify-index must be >= 0");
    let value = args.length === 2 ? await readValueArg(io, args[1]!, "DATA") : Buffer.alloc(0);
    if (flags.bool("base64")) value = decodeBase64(value.toString("utf8"), "DATA");
    const res = await ctx.client().request("PUT", `/v1/kv/${encodePath(key)}`, {
      body: value,
      query: {
        flags: flagsValue, cas: cas ? modifyIndex : undefined,
        acquire: acquire ? session : undefined, release: release ? session : undefined,
      },
    });
    const ok = res.json<boolean>() === true;
    if (acquire) {
      if (!ok) throw new DiscoError("LOCK_HELD", `did not acquire the lock on ${key}: another session holds it, or session ${session} is invalid`);
      io.stdout(`Success! Lock acquired on: ${key}\n`);
    } else if (release) {
      if (!ok) throw new DiscoError("SESSION_INVALID", `did not release the lock on ${key}: session ${session} does not hold it`);
      io.stdout(`Success! Lock released on: ${key}\n`);
    } else {
      if (!ok) throw new CasConflictError(`did not write to ${key}: CAS failed`);
      io.stdout(`Success! Data written to: ${key}\n`);
    }
    return 0;
  },
};

/** `disco kv delete`. */
export const kvDeleteCommand: Command = {
  path: ["kv", "delete"],
  synopsis: "Deletes a key (or every key under a prefix)",
  usage: "[options] KEY_OR_PREFIX",
  http: true,
  flags: [
    { name: "cas", kind: "bool", usage: "Deletes only if the key's ModifyIndex is -modify-index." },
    { name: "modify-index", kind: "int", usage: "The ModifyIndex -cas compares with." },
    { name: "recurse", kind: "bool", usage: "Deletes every key under the prefix (all keys when none is given)." },
  ],
  async run(ctx) {
    const { io, flags, args } = ctx;
    if (args.length > 1) throw new UsageError(`too many arguments (expected 1, got ${args.length})`);
    const recurse = flags.bool("recurse");
    if (args.length === 0 && !recurse) throw new UsageError("missing KEY argument");
    const cas = flags.bool("cas");
    if (cas && recurse) throw new UsageError("-cas and -recurse cannot be used together");
    if (cas && !flags.has("modify-index")) throw new UsageError("-cas needs -modify-index");
    if (!cas && flags.has("modify-index")) throw new UsageError("-modify-index needs -cas");
    const key = normalizeKey(args[0] ?? "");
    const res = await ctx.client().request("DELETE", `/v1/kv/${encodePath(key)}`, {
      query: { recurse, cas: cas ? flags.int("modify-index") : undefined },
    });
    if (res.json<boolean>() !== true) throw new CasConflictError(`did not delete key ${key}: CAS failed`);
    io.stdout(recurse ? `Success! Deleted keys with prefix: ${key}\n` : `Success! Deleted key: ${key}\n`);
    return 0;
  },
};
