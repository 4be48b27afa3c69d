/**
 * `npx tsx bench/index.ts gossip-memberlist`: our gossip layer and
 * hashicorp/memberlist side by side, in one bench run, on one scenario.
 *
 * Ours is bench/gossip.bench.ts's scenario ({@link runGossipScenario}): N
 * GossipNodes in this process. memberlist's is bench/memberlist/main.go: N
 * members in one Go process, built here with `go build` (GOPATH mode, from
 * Debian's golang-github-hashicorp-memberlist-dev 0.2.2) into a temp folder.
 * Both sides: one seed, N−1 joining it concurrently, 127.0.0.1, the same
 * profile (GOSSIP_BENCH_PROFILE: lan → our LAN_PROFILE and memberlist's
 * DefaultLANConfig, the default; local → LOCAL_PROFILE and
 * DefaultLocalConfig), no label (memberlist 0.2.2 has none), and no
 * encryption unless GOSSIP_ML_ENCRYPT=1 (DefaultLANConfig has no key; with
 * 1 both use AES-256-GCM with one key). memberlist keeps its default
 * compression on.
 *
 * Bytes are what each member sends: UDP packets, plus TCP stream bytes
 * (push-pull, TCP fallback pings), counted on our side by wrapping
 * `Socket.prototype.write` during the window and on memberlist's by a
 * counting Transport around its NetTransport. Push-pulls are too rare for
 * any practical window to hold a steady share of them (memberlist's first
 * periodic one comes 0–30 s plus a scaled interval after start, ours on
 * another phase), so each side also reports TCP bytes per push-pull
 * exchange in the window, and the "steady" byte rate adds one exchange per
 * scaled push-pull interval to the UDP rate. "dead" is memberlist no longer
 * listing the member in Members(); ours is status "failed". Each figure is
 * the median of GOSSIP_ML_RUNS runs (default 3), the runs alternating
 * between the two sides; ratios are ours / memberlist's (below 1: ours is
 * smaller or faster).
 *
 * When `go` or the memberlist package is missing, a "skipped" row says how
 * to install them and only our side runs.
 *
 * Knobs: GOSSIP_BENCH_SIZES (default "10,50"), GOSSIP_ML_WINDOW_S (quiet
 * window, default 60), GOSSIP_BENCH_PROFILE, GOSSIP_ML_ENCRYPT, GOSSIP_ML_RUNS.
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { homedir, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { PROFILES, type MembershipProfile } from "../lib/membership/config.js";
import { pushPullIntervalScaledMs } from "../lib/membership/math.js";
import { median, type BenchContext } from "./harness.js";
import { runGossipScenario, type GossipScenarioResult } from "./gossip.bench.js";

const SIZES = (process.env["GOSSIP_BENCH_SIZES"] ?? "10,50").split(",").map(Number);
/**
 * The quiet window. Longer than gossip.bench.ts's 10 s: push-pull (TCP) runs
 * once per 30 s per member in LAN (60 s at 33–64 members), so a shorter window
 * catches it by chance or not at all.
 */
const WINDOW_S = Number(process.env["GOSSIP_ML_WINDOW_S"] ?? 60);
const PROFILE = (process.env["GOSSIP_BENCH_PROFILE"] ?? "lan") as MembershipProfile;
const ENCRYPT = process.env["GOSSIP_ML_ENCRYPT"] === "1";
const RUNS = Number(process.env["GOSSIP_ML_RUNS"] ?? 3);
/** A memberlist run that takes longer than this is broken (convergence and detection are each capped at 90 s). */
const GO_RUN_MS_MAX = 300_000;
const SKIP_NOTE = "skipped: go not installed (apt-get install golang-go golang-github-hashicorp-memberlist-dev)";

const here = dirname(fileURLToPath(import.meta.url));

/** One run's figures, the same names on both sides. */
interface Figures {
  joinMs: number;
  cpuMsPerSPerMember: number;
  heapKiBPerMember: number;
  udpBytesPerMemberPerS: number;
  tcpBytesPerMemberPerS: number;
  udpPacketsPerMemberPerS: number;
  /** TCP bytes sent in the window per TCP exchange started in it (both directions of a push-pull); NaN when none started. */
  tcpBytesPerExchange: number;
  /**
   * UDP bytes per second plus one push-pull per scaled push-pull interval:
   * the steady rate, whether or not the window caught the push-pulls.
   */
  steadyBytesPerMemberPerS: number;
  firstDeadMs: number;
  allDeadMs: number;
  falseFailures: number;
  timedOut: boolean;
}

/** Seconds between one member's push-pulls at size n, the same formula on both sides. */
const pushPullIntervalS = (n: number): number => pushPullIntervalScaledMs(PROFILES[PROFILE].pushPullIntervalMs, n) / 1000;

function ours(r: GossipScenarioResult, n: number): Figures {
  const tcpBytes = (r.tcpBytesPerMemberPerS ?? 0) * n * r.windowS;
  const perExchange = r.pushPullsInWindow > 0 ? tcpBytes / r.pushPullsInWindow : Number.NaN;
  return {
    joinMs: r.joinMs, cpuMsPerSPerMember: r.cpuMsPerSPerMember, heapKiBPerMember: r.heapKiBPerMember,
    udpBytesPerMemberPerS: r.udpBytesPerMemberPerS, tcpBytesPerMemberPerS: r.tcpBytesPerMemberPerS ?? 0,
    udpPacketsPerMemberPerS: r.udpPacketsPerMemberPerS, tcpBytesPerExchange: perExchange,
    steadyBytesPerMemberPerS: r.udpBytesPerMemberPerS + perExchange / pushPullIntervalS(n),
    firstDeadMs: r.firstFailedMs, allDeadMs: r.allFailedMs,
    falseFailures: r.falseFailures, timedOut: r.joinTimedOut || r.firstTimedOut || r.allTimedOut,
  };
}

/** Builds the Go program, or says why it is skipped (go or the package missing, or the build failing). */
function buildMemberlist(outDir: string): { binary: string } | { skipped: string } {
  const version = spawnSync("go", ["version"], { encoding: "utf8" });
  if (version.error || version.status !== 0) return { skipped: SKIP_NOTE };
  const gopath = ["/usr/share/gocode", join(homedir(), "go")].join(":");
  const hasPackage = gopath.split(":").some((p) => existsSync(join(p, "src/github.com/hashicorp/memberlist")));
  if (!hasPackage) return { skipped: SKIP_NOTE.replace("go not installed", "memberlist package not installed") };
  const binary = join(outDir, "memberlist-bench");
  const build = spawnSync("go", ["build", "-o", binary, "."], {
    cwd: join(here, "memberlist"), encoding: "utf8",
    env: { ...process.env, GO111MODULE: "off", GOPATH: gopath, GOFLAGS: "", GOCACHE: process.env["GOCACHE"] ?? join(tmpdir(), "disco-bench-gocache") },
  });
  if (build.status !== 0) return { skipped: `skipped: go build failed: ${(build.stderr || build.stdout).trim().split("\n").slice(0, 3).join(" | ")}` };
  return { binary };
}

function runMemberlist(binary: string, n: number): Promise<Figures> {
  const args = ["-n", String(n), "-profile", PROFILE, "-window", String(WINDOW_S), ...(ENCRYPT ? ["-encrypt"] : [])];
  return new Promise((resolve, reject) => {
    const proc = spawn(binary, args, { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    const timer = setTimeout(() => proc.kill("SIGKILL"), GO_RUN_MS_MAX);
    proc.stdout.on("data", (c: Buffer) => (out += c.toString()));
    proc.stderr.on("data", (c: Buffer) => (err += c.toString()));
    proc.once("exit", (code) => {
      clearTimeout(timer);
      if (code !== 0) return reject(new Error(`memberlist bench exited ${code}: ${err.trim()}`));
      const j = JSON.parse(out) as Omit<Figures, "tcpBytesPerExchange"> & { tcpBytesPerExchange: number | null; joinTimedOut: boolean; deadTimedOut: boolean };
      const perExchange = j.tcpBytesPerExchange ?? Number.NaN;
      resolve({
        ...j, tcpBytesPerExchange: perExchange, steadyBytesPerMemberPerS: j.udpBytesPerMemberPerS + perExchange / pushPullIntervalS(n),
        timedOut: j.joinTimedOut || j.deadTimedOut,
      });
    });
  });
}

const METRICS: { key: keyof Omit<Figures, "timedOut">; label: string; unit: string; scale: number }[] = [
  { key: "joinMs", label: "join → all see all alive", unit: "s", scale: 1 / 1000 },
  { key: "firstDeadMs", label: "kill (no leave) → first marks it dead", unit: "s", scale: 1 / 1000 },
  { key: "allDeadMs", label: "kill (no leave) → all mark it dead", unit: "s", scale: 1 / 1000 },
  { key: "cpuMsPerSPerMember", label: "CPU per member, steady", unit: "ms CPU/s", scale: 1 },
  { key: "udpBytesPerMemberPerS", label: "UDP bytes sent per member per second", unit: "B/s", scale: 1 },
  { key: "tcpBytesPerMemberPerS", label: "TCP bytes sent per member per second", unit: "B/s", scale: 1 },
  { key: "udpPacketsPerMemberPerS", label: "UDP packets sent per member per second", unit: "packets/s", scale: 1 },
  { key: "tcpBytesPerExchange", label: "TCP bytes per push-pull (both directions)", unit: "B", scale: 1 },
  { key: "steadyBytesPerMemberPerS", label: "UDP+TCP bytes sent per member per second, steady (UDP + one push-pull per scaled interval)", unit: "B/s", scale: 1 },
  { key: "heapKiBPerMember", label: "heap per member (growth / N)", unit: "KiB", scale: 1 },
  { key: "falseFailures", label: "false failures", unit: "member-views", scale: 1 },
];

const fmt = (v: number): string => (Math.abs(v) >= 100 ? v.toFixed(0) : v.toPrecision(3));

function recordSide(ctx: BenchContext, side: string, tag: string, runs: Figures[], heapNote: string): Map<string, number> {
  const medians = new Map<string, number>();
  for (const m of METRICS) {
    const values = runs.map((r) => r[m.key] * m.scale);
    // A window with no push-pull in it says nothing of push-pull size: leave it out.
    const value = median(values.filter((v) => Number.isFinite(v)));
    medians.set(m.key, value);
    const note = m.key === "heapKiBPerMember" ? { note: heapNote } : {};
    ctx.record({ case: `${side}: ${m.label}, ${tag}`, value, unit: m.unit, runs: values.map(fmt).join("/"), ...note });
  }
  const bytes = runs.map((r) => r.udpBytesPerMemberPerS + r.tcpBytesPerMemberPerS);
  medians.set("bytes", median(bytes));
  ctx.record({ case: `${side}: UDP+TCP bytes sent per member per second, in the window, ${tag}`, value: median(bytes), unit: "B/s", runs: bytes.map(fmt).join("/") });
  if (runs.some((r) => r.timedOut)) ctx.record({ case: `${side}: runs that hit the 90 s wait cap, ${tag}`, value: runs.filter((r) => r.timedOut).length, unit: "runs" });
  return medians;
}

/** Runs both sides for each size and records medians and ratios. */
export default async function gossipMemberlistBench(ctx: BenchContext): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "disco-memberlist-"));
  try {
    const built = buildMemberlist(dir);
    if ("skipped" in built) ctx.record({ case: "memberlist", value: 0, unit: "skipped", note: built.skipped });
    for (const n of SIZES) {
      const tag = `${n} members, ${PROFILE}${ENCRYPT ? ", encrypted" : ""}`;
      const mine: Figures[] = [];
      let gcExposed = false;
      const theirs: Figures[] = [];
      let failed: string | undefined;
      for (let run = 0; run < RUNS; run++) {
        const r = await runGossipScenario({ n, profile: PROFILE, encrypt: ENCRYPT, label: "", windowS: WINDOW_S, countTcp: true });
        gcExposed = r.gcExposed;
        mine.push(ours(r, n));
        if ("binary" in built && failed === undefined) {
          try {
            theirs.push(await runMemberlist(built.binary, n));
          } catch (err) {
            failed = err instanceof Error ? err.message : String(err);
          }
        }
      }
      const a = recordSide(ctx, "disco", tag, mine, gcExposed ? "V8 heapUsed after gc()" : "V8 heapUsed without gc (run node with --expose-gc)");
      if (failed !== undefined) ctx.record({ case: `memberlist 0.2.2, ${tag}`, value: 0, unit: "failed", note: failed.slice(0, 300) });
      if (theirs.length === 0) continue;
      const b = recordSide(ctx, "memberlist 0.2.2", tag, theirs, "Go HeapAlloc after runtime.GC()");
      for (const m of [...METRICS.filter((x) => x.key !== "falseFailures" && x.key !== "tcpBytesPerMemberPerS"), { key: "bytes", label: "UDP+TCP bytes sent per member per second, in the window" }]) {
        const den = b.get(m.key)!;
        if (den > 0 && Number.isFinite(a.get(m.key)!)) ctx.record({ case: `ratio disco/memberlist: ${m.label}, ${tag}`, value: Number((a.get(m.key)! / den).toFixed(2)), unit: "x" });
      }
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
