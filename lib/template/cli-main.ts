#!/usr/bin/env node
/**
 * `disco template` as its own executable (until the `disco` CLI dispatches to
 * {@link templateCommand}): binds it to this process and exits with its code.
 *
 * @module
 */
import { templateCommand } from "./cli.js";

// A closed stdout pipe (`… -dry | head`) is the reader's choice, not a crash.
process.stdout.on("error", (err: NodeJS.ErrnoException) => {
  if (err.code !== "EPIPE") process.exitCode = 1;
});

templateCommand(process.argv.slice(2), {
  stdout: (data) => void process.stdout.write(data),
  stderr: (data) => void process.stderr.write(data),
  env: process.env,
}).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`disco template: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
