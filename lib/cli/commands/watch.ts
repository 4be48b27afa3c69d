/**
 * `disco watch`: follows a view of the catalog or KV with blocking queries
 * and prints it (or hands it to a handler command) each time it changes.
 *
 * @module
 */
import { spawn } from "node:child_process";
import { setTimeout as sleep } from "node:timers/promises";
import type { AgentClient } from "../client.js";
import { BLOCKING_TIMEOUT_MARGIN_MS } from "../client.js";
import type { Command } from "../command.js";
import type { CliIo } from "../io.js";
import { watchPlan, WATCH_TYPES, type WatchPlan } from "./watch-plan.js";

/** How long each blocking query waits for a change (Consul's default query time). */
export const WATCH_WAIT_MS = 5 * 60_000;

/**
 * Least time between two queries, so an agent that answers at once with an
 * unchanged index cannot make the watch spin (consul-template's bound).
 */
export const WATCH_QUERY_INTERVAL_MS_MIN = 100;

/** First and largest pause after a failed query; doubles in between (node-consul's backoff). */
export const WATCH_RETRY_MS_MIN = 100;
/** See {@link WATCH_RETRY_MS_MIN}. */
export const WATCH_RETRY_MS_MAX = 30_000;

/** Runs the handler command through the shell with the result on stdin, as Consul's watch does. */
async function runHandler(io: CliIo, command: string, data: string, index: number): Promise<void> {
  const child = spawn(command, {
    shell: true, stdio: ["pipe", "pipe", "pipe"],
    env: { ...io.env, CONSUL_INDEX: String(index), DISCO_INDEX: String(index) },
  });
  child.stdout.on("data", (chunk: Buffer) => io.stdout(chunk));
  child.stderr.on("data", (chunk: Buffer) => io.stderr(chunk.toString("utf8")));
  // A handler that does not read stdin must not fail the write.
  child.stdin.on("error", () => {});
  child.stdin.end(data);
  const code = await new Promise<number | null>((resolve) => {
    child.once("error", (err) => {
      io.stderr(`disco watch: handler failed to start: ${err.message}\n`);
      resolve(null);
    });
    child.once("close", (c) => resolve(c));
  });
  if (code !== 0 && code !== null) io.stderr(`disco watch: handler exited with code ${code}\n`);
}

async function pause(ms: number, signal: AbortSignal): Promise<void> {
  await sleep(ms, undefined, { signal }).catch(() => {});
}

interface WatchLoop {
  api: AgentClient;
  plan: WatchPlan;
  io: CliIo;
  signal: AbortSignal;
  once: boolean;
  handler: string | undefined;
}

async function watchLoop({ api, plan, io, signal, once, handler }: WatchLoop): Promise<void> {
  let index = 0;
  let last: string | undefined;
  let retryMs = WATCH_RETRY_MS_MIN;
  let first = true;
  while (!signal.aborted) {
    const started = Date.now();
    let res;
    try {
      res = await api.request("GET", plan.path, {
        query: { ...plan.query, index: index > 0 ? index : undefined, wait: `${WATCH_WAIT_MS}ms` },
        accept: plan.accept, timeoutMs: WATCH_WAIT_MS + BLOCKING_TIMEOUT_MARGIN_MS,
      });
    } catch (err) {
      if (signal.aborted) return;
      // The first query fails loudly (wrong address, no such endpoint); later ones ride out agent restarts.
      if (first) throw err;
      io.stderr(`disco watch: ${(err as Error).message}; retrying in ${retryMs} ms\n`);
      await pause(retryMs, signal);
      retryMs = Math.min(retryMs * 2, WATCH_RETRY_MS_MAX);
      continue;
    }
    first = false;
    retryMs = WATCH_RETRY_MS_MIN;
    // An index that went backwards (snapshot restore, agent restart) starts over; 0 is clamped to 1 (Consul's rules).
    index = res.index < index ? 0 : Math.max(1, res.index);
    const text = JSON.stringify(plan.result(res), null, 4);
    if (text !== last) {
      last = text;
      if (handler) await runHandler(io, handler, text + "\n", index);
      else io.stdout(text + "\n");
    }
    if (once) return;
    await pause(Math.max(0, WATCH_QUERY_INTERVAL_MS_MIN - (Date.now() - started)), signal);
  }
}

/** `disco watch`. */
export const watchCommand: Command = {
  path: ["watch"],
  synopsis: "Watches a view of the catalog or KV for changes",
  usage: "[options] [HANDLER ...]",
  help: `-type is one of ${WATCH_TYPES.join(", ")}. Each time the view changes, its JSON is printed,\n`
    + "or, when a HANDLER command is given, passed to it on stdin (run through the shell, with\n"
    + "CONSUL_INDEX set). Runs until interrupted, or until the first answer with -once.",
  http: true,
  flags: [
    { name: "type", kind: "string", placeholder: "<type>", usage: `What to watch: ${WATCH_TYPES.join(", ")}.` },
    { name: "key", kind: "string", placeholder: "<key>", usage: "The key (-type=key)." },
    { name: "prefix", kind: "string", placeholder: "<prefix>", usage: "The key prefix (-type=keyprefix)." },
    { name: "service", kind: "string", placeholder: "<name>", usage: "The service (-type=service, or -type=checks)." },
    { name: "tag", kind: "string", placeholder: "<tag>", usage: "Only instances with this tag (-type=service)." },
    { name: "passingonly", kind: "bool", usage: "Only passing instances (-type=service)." },
    { name: "state", kind: "string", placeholder: "<state>", usage: "Checks in this state: any, passing, warning, critical (-type=checks)." },
    { name: "name", kind: "string", placeholder: "<name>", usage: "The event name (-type=event)." },
    { name: "once", kind: "bool", usage: "Prints the current value once and exits." },
  ],
  async run({ io, flags, args, client }) {
    const plan = watchPlan(flags);
    const once = flags.bool("once");
    const signal = once ? new AbortController().signal : io.interrupts();
    await watchLoop({
      api: client({ signal }), plan, io, signal, once, handler: args.length > 0 ? args.join(" ") : undefined,
    });
    return 0;
  },
};
