/**
 * What a command may touch of the outside world: output streams, the
 * environment, stdin and the stop request. `main.ts` binds it to the real
 * process; tests bind it to buffers so commands run in-process.
 *
 * @module
 */
import { readFile, stat } from "node:fs/promises";
import { UsageError } from "./errors.js";

/**
 * Largest input the CLI reads from stdin or a file (`kv put @file`, `kv import`):
 * a KV export of a few thousand 512 KiB values fits, and a mistaken
 * `@/dev/zero` cannot fill the memory.
 */
export const INPUT_BYTES_MAX = 64 * 1024 * 1024;

/** The command's view of its process. */
export interface CliIo {
  /** Writes to standard output (text as given; add the newline yourself). */
  stdout(data: string | Uint8Array): void;
  /** Writes to standard error. */
  stderr(data: string): void;
  /** Environment variables (DISCO_HTTP_ADDR, CONSUL_HTTP_ADDR …). */
  env: Readonly<Record<string, string | undefined>>;
  /** Reads all of standard input, at most {@link INPUT_BYTES_MAX} bytes. */
  readStdin(): Promise<Buffer>;
  /**
   * A signal that fires when the user asks a long-running command (agent,
   * watch) to stop; its `reason` names the cause (e.g. "SIGTERM"). Called
   * only by those commands, so short ones keep the default Ctrl-C behaviour.
   */
  interrupts(): AbortSignal;
  /** This process's id (written to -pid-file). */
  pid: number;
}

/** Reads a file named on the command line, at most {@link INPUT_BYTES_MAX} bytes. */
export async function readInputFile(path: string, field: string): Promise<Buffer> {
  let size: number;
  try {
    size = (await stat(path)).size;
  } catch (err) {
    throw new UsageError(`${field}: cannot read "${path}": ${(err as Error).message}`);
  }
  if (size > INPUT_BYTES_MAX) throw new UsageError(`${field}: "${path}" is ${size} bytes; the limit is ${INPUT_BYTES_MAX}`);
  return readFile(path);
}

/**
 * Consul's convention for a value argument: `@path` reads a file, `-` reads
 * stdin, anything else is the value itself.
 */
export async function readValueArg(io: CliIo, arg: string, field: string): Promise<Buffer> {
  if (arg === "-") return io.readStdin();
  if (arg.startsWith("@")) return readInputFile(arg.slice(1), field);
  return Buffer.from(arg, "utf8");
}
