/** Shared helpers for agent tests: bounded waits on real time. */

/** Waits until `predicate` holds, polling every 20 ms, failing after `timeoutMs`. */
export async function waitFor(predicate: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await predicate()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A fresh temporary directory. */
export async function tempDir(prefix: string): Promise<string> {
  const { mkdtemp } = await import("node:fs/promises");
  const { tmpdir } = await import("node:os");
  const { join } = await import("node:path");
  return mkdtemp(join(tmpdir(), `disco-${prefix}-`));
}

/**
 * Ports below Linux's ephemeral range (32768–60999): whatever binds port 0
 * elsewhere (other tests run in parallel, clients' outgoing connections) is
 * handed ports from that range, so it can never take one of these between
 * our check and the moment a child process binds it. Port 0's own answer,
 * used before, was taken that way now and then (EADDRINUSE in CI).
 */
const TEST_PORT_MIN = 20_000;
const TEST_PORT_MAX = 32_000;

/** Whether `port` on 127.0.0.1 can be bound for both TCP and UDP right now (gossip uses both). */
async function bindable(port: number): Promise<boolean> {
  const { createServer } = await import("node:net");
  const { createSocket } = await import("node:dgram");
  const tcp = await new Promise<boolean>((resolve) => {
    const s = createServer();
    s.once("error", () => resolve(false));
    s.listen(port, "127.0.0.1", () => s.close(() => resolve(true)));
  });
  if (!tcp) return false;
  return new Promise<boolean>((resolve) => {
    const u = createSocket("udp4");
    u.once("error", () => {
      u.close();
      resolve(false);
    });
    u.bind(port, "127.0.0.1", () => u.close(() => resolve(true)));
  });
}

/** Distinct free ports on 127.0.0.1 (TCP and UDP), picked at random below the ephemeral range. */
export async function freePorts(count: number): Promise<number[]> {
  const ports = new Set<number>();
  for (let attempts = 0; ports.size < count; attempts++) {
    if (attempts > count * 50) throw new Error(`could not find ${count} free ports`);
    const port = TEST_PORT_MIN + Math.floor(Math.random() * (TEST_PORT_MAX - TEST_PORT_MIN));
    if (!ports.has(port) && (await bindable(port))) ports.add(port);
  }
  return [...ports];
}
