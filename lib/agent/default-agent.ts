/**
 * The default agent behind the top-level `register()`, `discover()` and
 * `shutdown()`: created lazily from the environment on first use, and never
 * keeping the process alive by itself.
 *
 * @module
 */
import { Agent } from "./agent.js";
import { optionsFromEnv, type AgentOptions } from "./options.js";
import type { Registration } from "./registration.js";
import type { ServiceRegistration } from "./service-input.js";
import { Resolver, resolveResolverOptions, type ResolverOptions, type InstanceFeed } from "../resolver/resolver.js";
import { randomRng } from "../util/rng.js";
import { systemClock } from "../util/clock.js";

let starting: Promise<Agent> | undefined;
let signalHandler: (() => void) | undefined;
let defaultOptions: AgentOptions | undefined;
/** Resolvers handed out by the top-level discover(); shutdown() closes them. */
const topLevelResolvers = new Set<Resolver>();

/**
 * Sets the options of the default agent (merged over the environment's). Must
 * be called before the first `register()` / `discover()`.
 */
export function configure(options: AgentOptions): void {
  if (starting) throw new Error("configure() must be called before the default agent starts");
  defaultOptions = options;
}

/** The default agent, started on first call from DISCO_* environment variables. */
export function defaultAgent(): Promise<Agent> {
  starting ??= Agent.start({ ...optionsFromEnv(), ...defaultOptions }).catch((err: unknown) => {
    starting = undefined;
    throw err;
  });
  return starting;
}

/** Registers a service on the default agent. See {@link Agent.register}. */
export async function register(service: ServiceRegistration, options?: { signal?: AbortSignal }): Promise<Registration> {
  return (await defaultAgent()).register(service, options);
}

/**
 * Discovers a service through the default agent. Returns at once; the default
 * agent starts in the background and the resolver fills when it is up.
 * See {@link Agent.discover}.
 */
export function discover(name: string, options: ResolverOptions = {}): Resolver {
  const { failover: _failover, ...resolverOptions } = options as ResolverOptions & { failover?: unknown };
  resolveResolverOptions(resolverOptions);
  let inner: Resolver | undefined;
  let stopped = false;
  // Forward the real agent resolver's instance lists into the one returned now.
  const feed: InstanceFeed = {
    start(push, fail) {
      defaultAgent().then((agent) => {
        if (stopped) return;
        try {
          inner = agent.discover(name, options);
        } catch (err) {
          fail(err instanceof Error ? err : new Error(String(err)));
          return;
        }
        inner.on("change", (instances) => push([...instances]));
        inner.on("error", fail);
      }, fail);
      return () => {
        stopped = true;
        inner?.close();
      };
    },
  };
  const resolver = new Resolver(name, resolverOptions, feed, { clock: systemClock, rng: randomRng() });
  const close = resolver.close.bind(resolver);
  resolver.close = () => {
    topLevelResolvers.delete(resolver);
    close();
  };
  topLevelResolvers.add(resolver);
  return resolver;
}

/** Deregisters the default agent's services and stops it. Safe to call when it never started. */
export async function shutdown(): Promise<void> {
  const pending = starting;
  starting = undefined;
  if (signalHandler) {
    process.off("SIGTERM", signalHandler);
    process.off("SIGINT", signalHandler);
    signalHandler = undefined;
  }
  for (const r of [...topLevelResolvers]) r.close();
  if (!pending) return;
  const agent = await pending.catch(() => undefined);
  await agent?.leave();
}

/**
 * Opt-in: on SIGTERM or SIGINT, deregister and stop the default agent, then
 * re-raise the signal's default behaviour by exiting with 128 + signal number
 * only if no other listener is registered. The library never installs this itself.
 */
export function handleSignals(signals: NodeJS.Signals[] = ["SIGTERM", "SIGINT"]): void {
  if (signalHandler) return;
  const handler = (): void => {
    void shutdown().finally(() => {
      for (const s of signals) {
        if (process.listenerCount(s) === 0) process.kill(process.pid, s);
      }
    });
  };
  signalHandler = handler;
  for (const s of signals) process.once(s, handler);
}
