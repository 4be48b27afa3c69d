/**
 * The dispatcher: picks the command, parses its flags, runs it, and turns
 * what it throws into one line on stderr and an exit code (2 for a usage
 * error, 1 for anything else).
 *
 * @module
 */
import { clientFactory, commandFlags, commandHelp } from "./command.js";
import { UsageError } from "./errors.js";
import { parseFlags } from "./flags.js";
import type { CliIo } from "./io.js";
import { findCommand, groupHelp, mainHelp } from "./registry.js";

/** Exit code for a wrong command line. */
export const EXIT_USAGE = 2;
/** Exit code for a failure. */
export const EXIT_ERROR = 1;

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * Runs `disco` with `argv` (without the program name) against `io`.
 * @returns the exit code. Never throws.
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const [first] = argv;
  if (first === undefined || first === "-h" || first === "-help" || first === "--help" || first === "help") {
    (first === undefined ? io.stderr : io.stdout)(mainHelp());
    return first === undefined ? EXIT_USAGE : 0;
  }
  if (first === "-v" || first === "-version" || first === "--version") argv = ["version"];
  const found = findCommand(argv);
  if (!found) {
    io.stderr(`disco: unknown command "${argv[0]}"\n\n${mainHelp()}`);
    return EXIT_USAGE;
  }
  if ("group" in found) {
    const asked = argv.slice(found.group.split(" ").length);
    const wantsHelp = asked.length > 0 && ["-h", "-help", "--help"].includes(asked[0]!);
    if (!wantsHelp && asked.length > 0) io.stderr(`disco ${found.group}: unknown subcommand "${asked[0]}"\n\n`);
    (wantsHelp ? io.stdout : io.stderr)(groupHelp(found.group));
    return wantsHelp ? 0 : EXIT_USAGE;
  }
  const { command, rest } = found;
  const name = `disco ${command.path.join(" ")}`;
  try {
    // A command that parses its own flags (template) gets the raw arguments.
    if (command.passThrough) return await command.run({ io, flags: parseFlags([], []).flags, args: rest, client: clientFactory(io, parseFlags([], []).flags) });
    const parsed = parseFlags(rest, commandFlags(command));
    if (parsed.help) {
      io.stdout(commandHelp(command));
      return 0;
    }
    return await command.run({ io, flags: parsed.flags, args: parsed.args, client: clientFactory(io, parsed.flags) });
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr(`${name}: ${err.message}\n\n${commandHelp(command)}`);
      return EXIT_USAGE;
    }
    io.stderr(`${name}: ${messageOf(err)}\n`);
    return EXIT_ERROR;
  }
}
