import t from "tap";
import { Catalog } from "../../../lib/catalog/catalog.js";
import type { CatalogCommand } from "../../../lib/catalog/commands.js";
import type { WatchScope } from "../../../lib/catalog/scope.js";
import type { HttpApiContext } from "../../../lib/api/http/context.js";
import type { ApiRequest } from "../../../lib/api/http/request.js";
import { summaryScopes } from "../../../lib/api/ui/summary.js";
import {
  UI_DEGRADED_WAIT_MS_MAX, UI_WATCH_SCOPES_MAX, combinedIndex, waitForAnyScope,
} from "../../../lib/api/ui/watch-any.js";
import { ManualTimers } from "../../../lib/util/timers.js";
import { SeededRng } from "../../../lib/util/rng.js";
import { reg, serf } from "../../catalog/helpers.js";

/** A catalog with manual time and the context fields the wait reads. */
function rig() {
  const timers = new ManualTimers();
  const catalog = new Catalog({ timers });
  let index = 1;
  const apply = (cmd: CatalogCommand): void => void catalog.apply(++index, cmd);
  const ctx = {
    agent: { datacenter: "dc1" },
    backend: { catalog, readBarrier: async () => {} },
    rng: new SeededRng(7),
    metrics: { requests: 0, errors: 0, blockingQueriesActive: 0 },
  } as unknown as HttpApiContext;
  const request = (query: string, signal = new AbortController().signal): ApiRequest => ({
    method: "GET", path: "/v1/internal/ui/services", query: new URLSearchParams(query), params: {},
    raw: undefined as never, signal,
  });
  return { timers, catalog, apply, ctx, request };
}

const flush = (): Promise<void> => new Promise((r) => setImmediate(r));

function track(p: Promise<number>): { value?: number; error?: unknown } {
  const s: { value?: number; error?: unknown } = {};
  p.then((v) => (s.value = v), (e: unknown) => (s.error = e));
  return s;
}

t.test("waitForAnyScope answers at once without an index, with the largest scope index", async (t) => {
  const { apply, ctx, request, catalog } = rig();
  apply(reg("n1", { service: "web" }, [serf()]));
  apply({ op: "kv-set", key: "k", value: new Uint8Array([1]), nowMs: 0 });
  const index = await waitForAnyScope(ctx, request(""), () => summaryScopes(catalog.state));
  t.equal(index, 2, "the kv write at 3 is not part of the answer");
  t.equal(combinedIndex(ctx, []), 1, "never 0");
});

t.test("a second instance with the same tags wakes the summary wait (only its node and service scopes move)", async (t) => {
  const { apply, ctx, request, catalog } = rig();
  apply(reg("n1", { service: "web", id: "web-1", tags: ["v1"] }));
  const start = combinedIndex(ctx, summaryScopes(catalog.state));
  const w = track(waitForAnyScope(ctx, request(`index=${start}&wait=1m`), () => summaryScopes(catalog.state)));
  await flush();
  t.equal(ctx.metrics.blockingQueriesActive, 1);
  apply({ op: "kv-set", key: "unrelated", value: new Uint8Array([1]), nowMs: 0 });
  await flush();
  t.equal(w.value, undefined, "a KV write does not wake it");
  apply(reg("n1", { service: "web", id: "web-2", tags: ["v1"] }));
  await flush();
  t.equal(w.value, 4);
  t.equal(ctx.metrics.blockingQueriesActive, 0);
  t.equal(catalog.hub.size, 0, "the losing waits were cancelled");
});

t.test("a check changing status wakes the wait; a wait that runs out answers the same index", async (t) => {
  const { apply, ctx, request, catalog, timers } = rig();
  apply(reg("n1", undefined, [serf()]));
  const w = track(waitForAnyScope(ctx, request("index=2&wait=10s"), () => summaryScopes(catalog.state)));
  await flush();
  apply({ op: "check-update", node: "n1", checkId: "serfHealth", status: "critical", output: "gone", nowMs: 0 });
  await flush();
  t.equal(w.value, 3);
  const idle = track(waitForAnyScope(ctx, request("index=3&wait=10s"), () => summaryScopes(catalog.state)));
  await flush();
  timers.advance(10_000 + 10_000 / 16);
  await flush();
  t.equal(idle.value, 3);
  t.equal(catalog.hub.size, 0);
});

t.test("a client going away rejects the wait and releases every hub entry", async (t) => {
  const { apply, ctx, request, catalog } = rig();
  apply(reg("n1"));
  apply(reg("n2"));
  const client = new AbortController();
  const w = track(waitForAnyScope(ctx, request("index=3&wait=1m", client.signal), () => summaryScopes(catalog.state)));
  await flush();
  t.equal(catalog.hub.size, 5);
  client.abort();
  await flush();
  t.match(w.error, { name: "AbortedError" });
  t.equal(catalog.hub.size, 0);
  t.equal(ctx.metrics.blockingQueriesActive, 0);
  await t.rejects(waitForAnyScope(ctx, request("index=3&wait=1m", client.signal), () => summaryScopes(catalog.state)),
    { name: "AbortedError" }, "an already-gone client is refused at once");
});

t.test(`more than UI_WATCH_SCOPES_MAX scopes: waits on the first ${UI_WATCH_SCOPES_MAX} for at most ${UI_DEGRADED_WAIT_MS_MAX} ms`, async (t) => {
  const { apply, ctx, request, timers, catalog } = rig();
  apply(reg("n1"));
  const many: WatchScope[] = Array.from({ length: UI_WATCH_SCOPES_MAX + 1 }, (_, i) => ({ kind: "node", name: `x${i}` }));
  const w = track(waitForAnyScope(ctx, request("index=2&wait=5m"), () => many));
  await flush();
  t.equal(catalog.hub.size, UI_WATCH_SCOPES_MAX);
  timers.advance(UI_DEGRADED_WAIT_MS_MAX + UI_DEGRADED_WAIT_MS_MAX / 16);
  await flush();
  t.equal(w.value, 1, "answered within the degraded bound");
  t.equal(catalog.hub.size, 0);
});

t.test("bad blocking parameters and another datacenter are refused with Consul's status", async (t) => {
  const { ctx, request, catalog } = rig();
  await t.rejects(waitForAnyScope(ctx, request("index=x"), () => summaryScopes(catalog.state)), { name: "HttpError", status: 400 });
  await t.rejects(waitForAnyScope(ctx, request("wait=soon"), () => summaryScopes(catalog.state)), { name: "HttpError", status: 400 });
  await t.rejects(waitForAnyScope(ctx, request("dc=dc9"), () => summaryScopes(catalog.state)), { name: "HttpError", status: 500 });
});
