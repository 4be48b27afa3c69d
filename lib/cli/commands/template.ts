/**
 * `disco template`: consul-template's equivalent (see lib/template/cli.ts
 * for its flags and behaviour).
 *
 * @module
 */
import type { Command } from "../command.js";
import { templateCommand as runTemplate, templateHelp } from "../../template/cli.js";

/** `disco template`. Its flags are parsed by the template CLI itself, so it passes them through. */
export const templateCommand: Command = {
  path: ["template"],
  synopsis: "Renders templates from the catalog and KV, as consul-template",
  usage: "-template \"in.tpl:out.conf[:command]\" [-once] [-wait=min:max] [-dry] [-http-addr=ADDR]",
  help: templateHelp(),
  http: false,
  flags: [],
  passThrough: true,
  async run({ io, args }) {
    return runTemplate(args, { stdout: io.stdout, stderr: io.stderr, env: io.env, interrupts: () => io.interrupts() });
  },
};
