import t from "tap";
import { childEnv } from "../support/child-env.js";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { openFileLog } from "../../lib/storage/file-log.js";
import { dataFor, tempDir } from "./helpers.js";

const fixture = fileURLToPath(new URL("./fixtures/crash-writer.ts", import.meta.url));
/** Must match the fixture's constants. */
const CRASH_DATA_BYTES = 48;
const CRASH_SEGMENT_BYTES = 4096;
/** How long the child appends before SIGKILL, after its first acknowledgement. */
const RUN_MS = 300;
/** Gives up on a child that never starts (a loaded machine). */
const START_TIMEOUT_MS = 8000;
const ROUNDS = 3;

/** Runs the writer until killed; returns the indexes it acknowledged. */
function runAndKill(dir: string): Promise<{ acked: number[]; openedAt: number }> {
  return new Promise((resolve, reject) => {
    // Drop tap's NODE_OPTIONS: the child needs no coverage hooks, and starting without them is much faster.
    const env = { NODE_OPTIONS: "" };
    const child = spawn(process.execPath, ["--import", "tsx", fixture, dir], { stdio: ["ignore", "pipe", "pipe"], env: childEnv(env) });
    let out = "";
    let err = "";
    let killTimer: NodeJS.Timeout | undefined;
    const startTimer = setTimeout(() => child.kill("SIGKILL"), START_TIMEOUT_MS);
    child.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      if (!killTimer && /^\d+$/m.test(out)) killTimer = setTimeout(() => child.kill("SIGKILL"), RUN_MS);
    });
    child.stderr.on("data", (chunk: Buffer) => (err += chunk.toString()));
    child.on("error", reject);
    child.on("exit", (_code, signal) => {
      clearTimeout(startTimer);
      clearTimeout(killTimer);
      if (signal !== "SIGKILL") return reject(new Error(`writer exited by itself (${signal}): ${err}`));
      // Only whole lines count: a line cut by the kill was never fully acknowledged.
      const lines = out.split("\n").slice(0, -1);
      const openedAt = Number(/^open (\d+)$/.exec(lines[0] ?? "")?.[1] ?? Number.NaN);
      resolve({ acked: lines.slice(1).map(Number), openedAt });
    });
  });
}

t.test("crash: after SIGKILL mid-append, every acknowledged record is present and the log is well-formed", async (t) => {
  const dir = await tempDir(t);
  let highest = 0;
  for (let round = 1; round <= ROUNDS; round++) {
    const { acked, openedAt } = await runAndKill(dir);
    t.ok(acked.length > 0, `round ${round}: the writer acknowledged ${acked.length} records before the kill`);
    t.ok(openedAt >= highest, `round ${round}: the writer reopened with everything acknowledged before (${openedAt} ≥ ${highest})`);
    const log = await openFileLog(dir, { segmentBytesMax: CRASH_SEGMENT_BYTES });
    const last = log.lastIndex();
    const maxAcked = Math.max(...acked);
    t.ok(last >= maxAcked, `round ${round}: lastIndex ${last} ≥ highest acknowledged ${maxAcked}`);
    const all = log.range(1, last);
    t.equal(all.length, last, `round ${round}: records 1..${last} all present`);
    let wellFormed = true;
    all.forEach((r, i) => {
      if (r.index !== i + 1 || r.term !== 1 || Buffer.compare(r.data, dataFor(r.index, CRASH_DATA_BYTES)) !== 0) wellFormed = false;
    });
    t.ok(wellFormed, `round ${round}: every record has its index, term and data`);
    await log.close();
    highest = last;
  }
});
