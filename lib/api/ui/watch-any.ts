/**
 * Blocking reads over several watch scopes at once. The UI's summaries change
 * with services, nodes and checks together, and no single catalog scope covers
 * them: a second instance of a service with the same tags moves only its
 * service's and its node's scopes.
 *
 * @module
 */
import type { WatchScope } from "../../catalog/scope.js";
import { consistencyOf, checkDatacenter } from "../http/blocking.js";
import type { HttpApiContext } from "../http/context.js";
import { blockingParams, type ApiRequest } from "../http/request.js";
import { throwIfAborted } from "../../util/errors.js";

/**
 * Most scopes one summary request waits on. Each wait holds a hub entry and a
 * timer for as long as the query blocks, so a catalog of thousands of nodes
 * must not turn every open UI tab into thousands of them.
 */
export const UI_WATCH_SCOPES_MAX = 1024;

/**
 * Longest wait when a summary has more scopes than {@link UI_WATCH_SCOPES_MAX}
 * and only some are watched: changes to the others show up within this many ms.
 */
export const UI_DEGRADED_WAIT_MS_MAX = 10_000;

/**
 * The index of an answer built from several scopes: the largest of theirs.
 * Each scope's index is the log index of its last change, so any change to
 * any of them raises the largest.
 */
export function combinedIndex(ctx: HttpApiContext, scopes: readonly WatchScope[]): number {
  const state = ctx.backend.catalog.state;
  let index = 1;
  for (const s of scopes) index = Math.max(index, state.scopeIndex(s));
  return index;
}

/**
 * Waits as the request's `?index=&wait=` ask, until any of the scopes moves
 * past the index, then returns the combined index of the scopes as they are
 * then. `scopesOf` is asked before and after the wait because the set itself
 * may change meanwhile (a node joins).
 * @throws AbortedError when the client goes away; HttpError 400 for bad parameters.
 */
export async function waitForAnyScope(
  ctx: HttpApiContext, req: ApiRequest, scopesOf: () => readonly WatchScope[],
): Promise<number> {
  checkDatacenter(ctx, req);
  const { index, waitMs } = blockingParams(req.query);
  await ctx.backend.readBarrier(consistencyOf(req), req.signal);
  const scopes = scopesOf();
  if (index > 0 && scopes.length > 0 && combinedIndex(ctx, scopes) <= index) {
    const watched = scopes.slice(0, UI_WATCH_SCOPES_MAX);
    const capped = watched.length < scopes.length ? Math.min(waitMs, UI_DEGRADED_WAIT_MS_MAX) : waitMs;
    // Jitter as /v1 blocking reads have it, so many tabs do not all come back at once.
    const jitter = ctx.rng.int(Math.max(1, Math.floor(capped / 16)));
    ctx.metrics.blockingQueriesActive++;
    try {
      await raceWaits(ctx, watched, index, capped + jitter, req.signal);
    } finally {
      ctx.metrics.blockingQueriesActive--;
    }
  }
  return combinedIndex(ctx, scopesOf());
}

/** Resolves when the first wait does; the others are cancelled so no hub entry or timer outlives the request. */
async function raceWaits(
  ctx: HttpApiContext, scopes: readonly WatchScope[], index: number, timeoutMs: number, signal: AbortSignal,
): Promise<void> {
  throwIfAborted(signal);
  const done = new AbortController();
  const forward = (): void => done.abort(signal.reason);
  signal.addEventListener("abort", forward, { once: true });
  try {
    const waits = scopes.map((s) => ctx.backend.catalog.hub.wait(s, index, { timeoutMs, signal: done.signal }));
    // The losers reject with AbortedError once `done` fires; nobody awaits them.
    for (const w of waits) w.catch(() => {});
    await Promise.race(waits);
  } finally {
    signal.removeEventListener("abort", forward);
    done.abort();
  }
}
