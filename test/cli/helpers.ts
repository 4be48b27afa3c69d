/** Shared helpers for CLI tests: run the CLI in-process or as the real executable. */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { Agent } from "../../lib/index.js";
import type { CliIo } from "../../lib/cli/io.js";
import { runCli } from "../../lib/cli/run.js";

/** The repository root (subprocesses run from there, as the brief says). */
export const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** What a CLI run printed and returned. */
export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
  /** Raw stdout bytes (for binary values). */
  stdoutBytes: Buffer;
}

/** Options of an in-process run. */
export interface RunOptions {
  env?: Record<string, string | undefined>;
  stdin?: string | Buffer;
  /** The signal `io.interrupts()` hands to long-running commands. */
  interrupts?: AbortSignal;
  /** Called on every stdout write (to wait for a banner or a watch line). */
  onStdout?: (text: string) => void;
}

/** Runs `disco argv` in this process against captured streams. */
export async function runIn(argv: string[], options: RunOptions = {}): Promise<RunResult> {
  const out: Buffer[] = [];
  let stderr = "";
  const io: CliIo = {
    stdout: (d) => {
      out.push(Buffer.from(d));
      options.onStdout?.(Buffer.concat(out).toString("utf8"));
    },
    stderr: (d) => {
      stderr += d;
    },
    env: options.env ?? {},
    readStdin: async () => Buffer.from(options.stdin ?? ""),
    interrupts: () => options.interrupts ?? new AbortController().signal,
    pid: 4242,
  };
  const code = await runCli(argv, io);
  const bytes = Buffer.concat(out);
  return { code, stdout: bytes.toString("utf8"), stderr, stdoutBytes: bytes };
}

/** A running subprocess of the real `disco` executable. */
export interface BinProcess {
  pid: number;
  /** Everything printed so far. */
  output(): { stdout: string; stderr: string };
  /** Resolves when stdout matches, failing after `timeoutMs`. */
  waitForStdout(pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray>;
  /** Resolves with the exit code (signals as 128+n), killing the process after `timeoutMs`. */
  exited(timeoutMs: number): Promise<number>;
  kill(signal: NodeJS.Signals): void;
}

/** Starts `node --import tsx lib/cli/main.ts argv` from the repository root. */
export function spawnBin(argv: string[], env: Record<string, string> = {}): BinProcess {
  const child = spawn(process.execPath, ["--import", "tsx", "lib/cli/main.ts", ...argv], {
    cwd: REPO_ROOT, env: { PATH: process.env["PATH"] ?? "", HOME: process.env["HOME"] ?? "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString("utf8")));
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString("utf8")));
  const exit = new Promise<number>((resolve) => {
    child.once("close", (code, signal) => resolve(code ?? 128 + (signal === "SIGKILL" ? 9 : 15)));
  });
  return {
    pid: child.pid!,
    output: () => ({ stdout, stderr }),
    async waitForStdout(pattern, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const m = stdout.match(pattern);
        if (m) return m;
        if (child.exitCode !== null || Date.now() > deadline) {
          throw new Error(`no ${pattern} in stdout after ${timeoutMs} ms; stdout: ${stdout}; stderr: ${stderr}`);
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async exited(timeoutMs) {
      const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
      try {
        return await exit;
      } finally {
        clearTimeout(timer);
      }
    },
    kill: (signal) => void child.kill(signal),
  };
}

/** Runs the real executable to completion (bounded by `timeoutMs`). */
export async function runBin(argv: string[], env: Record<string, string> = {}, timeoutMs = 20_000): Promise<RunResult> {
  const p = spawnBin(argv, env);
  const code = await p.exited(timeoutMs);
  const { stdout, stderr } = p.output();
  return { code, stdout, stderr, stdoutBytes: Buffer.from(stdout) };
}

/** An in-process agent with HTTP on an ephemeral port; closed at teardown. Returns it and `-http-addr=…`. */
export async function startAgent(t: { teardown(fn: () => unknown): void }, node = "n1"): Promise<{ agent: Agent; addr: string }> {
  const agent = await Agent.start({ node, http: "127.0.0.1:0" });
  t.teardown(() => agent.close());
  return { agent, addr: `-http-addr=127.0.0.1:${agent.httpAddress!.port}` };
}

/** Waits until `predicate` holds, polling every 20 ms, failing after `timeoutMs`. */
export async function waitFor(predicate: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
