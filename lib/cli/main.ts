#!/usr/bin/env node
/**
 * The `disco` executable: binds the CLI to this process (stdout, stderr,
 * environment, stdin, signals) and exits with the command's code.
 *
 * @module
 */
import { INPUT_BYTES_MAX, type CliIo } from "./io.js";
import { UsageError } from "./errors.js";
import { runCli } from "./run.js";

async function readStdin(): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of process.stdin as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > INPUT_BYTES_MAX) throw new UsageError(`stdin is over ${INPUT_BYTES_MAX} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

let interrupts: AbortController | undefined;

/** Installs SIGINT/SIGTERM handlers on first use: the first asks to stop, a second forces the exit. */
function processInterrupts(): AbortSignal {
  if (!interrupts) {
    const controller = new AbortController();
    interrupts = controller;
    const onSignal = (signal: NodeJS.Signals): void => {
      if (!controller.signal.aborted) return controller.abort(signal);
      process.stderr.write(`==> Caught second signal ${signal}; exiting without a graceful stop\n`);
      process.exit(1);
    };
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
  }
  return interrupts.signal;
}

// `disco kv get … | head` closes the pipe early: that is the reader's choice, not an error to crash on.
process.stdout.on("error", (err: NodeJS.ErrnoException) => {
  if (err.code !== "EPIPE") process.exitCode = 1;
});

const io: CliIo = {
  stdout: (data) => void process.stdout.write(data),
  stderr: (data) => void process.stderr.write(data),
  env: process.env,
  readStdin,
  interrupts: processInterrupts,
  pid: process.pid,
};

runCli(process.argv.slice(2), io).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`disco: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
