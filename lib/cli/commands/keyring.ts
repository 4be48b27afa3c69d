/**
 * `disco keyring`: the gossip encryption keys, through /v1/operator/keyring.
 *
 * @module
 */
import type { Command } from "../command.js";
import { UsageError } from "../errors.js";

interface KeyringResponse {
  WAN: boolean;
  Datacenter: string;
  Segment?: string;
  Keys: Record<string, number>;
  NumNodes: number;
}

/** `disco keyring`. */
export const keyringCommand: Command = {
  path: ["keyring"],
  synopsis: "Lists, installs, uses or removes gossip encryption keys",
  usage: "[options]",
  http: true,
  flags: [
    { name: "install", kind: "string", placeholder: "<key>", usage: "Installs a new key on every member." },
    { name: "list", kind: "bool", usage: "Lists the installed keys and how many members hold each." },
    { name: "remove", kind: "string", placeholder: "<key>", usage: "Removes a key from every member." },
    { name: "use", kind: "string", placeholder: "<key>", usage: "Makes an installed key the primary (encrypting) key." },
  ],
  async run({ io, flags, args, client }) {
    if (args.length > 0) throw new UsageError(`keyring takes no arguments, got "${args[0]}"`);
    const chosen = ["install", "list", "remove", "use"].filter((f) => flags.has(f));
    if (chosen.length !== 1) throw new UsageError("give exactly one of -list, -install, -use or -remove");
    const api = client();
    const op = chosen[0]!;
    if (op === "list") {
      io.stdout("==> Gathering installed encryption keys...\n");
      for (const pool of await api.getJson<KeyringResponse[]>("/v1/operator/keyring")) {
        io.stdout(`\n${pool.WAN ? "WAN" : `${pool.Datacenter} (LAN)`}:\n`);
        for (const [key, count] of Object.entries(pool.Keys)) io.stdout(`  ${key} [${count}/${pool.NumNodes}]\n`);
      }
      return 0;
    }
    const key = flags.string(op)!;
    const method = op === "install" ? "POST" : op === "use" ? "PUT" : "DELETE";
    const verb = op === "install" ? "Installing new gossip encryption key" : op === "use" ? "Changing primary gossip encryption key" : "Removing gossip encryption key";
    io.stdout(`==> ${verb}...\n`);
    await api.request(method, "/v1/operator/keyring", { body: JSON.stringify({ Key: key }) });
    return 0;
  },
};
