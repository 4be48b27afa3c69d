import t from "tap";
import Consul from "consul";
import { Agent } from "../../../lib/index.js";
import { USER_EVENTS_KEPT_MAX, type UserEvent } from "../../../lib/agent/events.js";
import { waitFor } from "../../agent/helpers.js";

async function startAgent(t: Tap.Test): Promise<{ agent: Agent; consul: Consul; base: string }> {
  const agent = await Agent.start({ node: "n1", http: "127.0.0.1:0" });
  t.teardown(() => agent.close());
  const { port } = agent.httpAddress!;
  return { agent, consul: new Consul({ host: "127.0.0.1", port }), base: `http://127.0.0.1:${port}` };
}

t.test("event: fire answers Consul's UserEvent JSON and list returns it (consul npm client)", async (t) => {
  const { agent, consul } = await startAgent(t);
  const seen: UserEvent[] = [];
  agent.on("user-event", (e) => seen.push(e));
  const fired = await consul.event.fire({ name: "deploy", payload: "v2" });
  t.match(fired, { ID: /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, Name: "deploy", Payload: "v2", NodeFilter: "", ServiceFilter: "", TagFilter: "", Version: 1 });
  t.ok(fired.LTime >= 1, "the event carries its Lamport time");
  const empty = await consul.event.fire("ping");
  t.equal(empty.Payload, null, "no payload is null, as Consul");
  const listed = await consul.event.list({ name: "deploy" });
  t.same(listed.map((e: { ID: string; Payload: string }) => [e.ID, e.Payload]), [[fired.ID, "v2"]]);
  t.same((await consul.event.list()).map((e: { Name: string }) => e.Name), ["deploy", "ping"], "without a name: every event, oldest first");
  t.same(seen.map((e) => [e.name, e.payload?.toString()]), [["deploy", "v2"], ["ping", undefined]], "the agent emits user-event");
  t.same(agent.events("deploy").map((e) => e.id), [fired.ID]);
});

t.test("event filters are applied by the receiving agent: node, service and tag regular expressions", async (t) => {
  const { agent, consul } = await startAgent(t);
  await agent.register({ name: "web", port: 80, tags: ["v1", "blue"] });
  const cases: Array<[Record<string, string>, boolean]> = [
    [{ node: "^n1$" }, true], [{ node: "^n2$" }, false], [{ node: "n" }, true],
    [{ service: "^web$" }, true], [{ service: "^db$" }, false], [{ service: "we" }, true],
    [{ service: "web", tag: "^v1$" }, true], [{ service: "web", tag: "^v2$" }, false], [{ node: "n1", service: "db" }, false],
  ];
  for (const [i, [filters, kept]] of cases.entries()) {
    const fired = await consul.event.fire({ name: `e${i}`, ...filters });
    t.match(fired, { NodeFilter: filters["node"] ?? "", ServiceFilter: filters["service"] ?? "", TagFilter: filters["tag"] ?? "" });
    t.equal((await consul.event.list(`e${i}`)).length, kept ? 1 : 0, `${JSON.stringify(filters)} ${kept ? "matches" : "does not match"} n1 running web [v1 blue]`);
  }
});

t.test("event list is a blocking query on its own index: a new event of that name ends the wait, others do not", async (t) => {
  const { agent, base } = await startAgent(t);
  const first = await fetch(`${base}/v1/event/list?name=deploy`);
  t.same(await first.json(), []);
  t.equal(first.headers.get("x-consul-index"), "1", "an empty list answers index 1, never 0");
  agent.fireEvent("deploy", "a");
  const afterOne = await fetch(`${base}/v1/event/list?name=deploy`);
  const index = Number(afterOne.headers.get("x-consul-index"));
  await afterOne.arrayBuffer();
  t.ok(index > 1);
  const started = Date.now();
  const blocked = fetch(`${base}/v1/event/list?name=deploy&index=${index}&wait=5s`);
  await new Promise((r) => setTimeout(r, 100));
  agent.fireEvent("other");
  const raced = await Promise.race([blocked.then(() => "returned"), new Promise((r) => setTimeout(() => r("blocked"), 300))]);
  t.equal(raced, "blocked", "an event of another name does not end the wait");
  agent.fireEvent("deploy", "b");
  const res = await blocked;
  const body = (await res.json()) as Array<{ Payload: string }>;
  t.same(body.map((e) => Buffer.from(e.Payload, "base64").toString()), ["a", "b"]);
  t.ok(Number(res.headers.get("x-consul-index")) > index, "the index grows");
  t.ok(Date.now() - started < 3000, "answered at the event, not at the end of the wait");
  const timed = Date.now();
  const same = await fetch(`${base}/v1/event/list?name=deploy&index=${res.headers.get("x-consul-index")}&wait=200ms`);
  await same.arrayBuffer();
  t.ok(Date.now() - timed >= 190, "with nothing new it waits out `wait`");
  t.equal(same.headers.get("x-consul-index"), res.headers.get("x-consul-index"));
  t.equal(same.headers.get("x-consul-knownleader"), "true");
});

t.test("consul.watch on event.list wakes on each new event (its index must rise)", async (t) => {
  const { agent, consul } = await startAgent(t);
  const watch = consul.watch({ method: consul.event.list, options: { name: "deploy", wait: "5s" } });
  t.teardown(() => watch.end());
  const sizes: number[] = [];
  watch.on("change", (data: unknown[]) => sizes.push(data.length));
  watch.on("error", (err: Error) => t.fail(`watch error: ${err.message}`));
  await waitFor(() => sizes.length === 1, 3000, "the first answer");
  agent.fireEvent("deploy", "1");
  await waitFor(() => sizes.length === 2, 3000, "the first event");
  agent.fireEvent("deploy", "2");
  await waitFor(() => sizes.length === 3, 3000, "the second event");
  t.same(sizes, [0, 1, 2]);
});

t.test(`an agent keeps the last ${USER_EVENTS_KEPT_MAX} events, as Consul`, async (t) => {
  const { agent } = await startAgent(t);
  for (let i = 0; i < USER_EVENTS_KEPT_MAX + 44; i++) agent.fireEvent("tick", String(i));
  const kept = agent.events("tick");
  t.equal(kept.length, USER_EVENTS_KEPT_MAX);
  t.equal(kept[0]!.payload!.toString(), "44", "the oldest were dropped");
  t.equal(kept.at(-1)!.payload!.toString(), String(USER_EVENTS_KEPT_MAX + 43));
});

t.test("bad events get Consul's status and a one-line reason; none is kept", async (t) => {
  const { agent, base } = await startAgent(t);
  const cases: Array<[string, string, BodyInit | undefined, number, RegExp]> = [
    ["PUT", "/v1/event/fire/", undefined, 400, /^Missing name$/],
    ["PUT", "/v1/event/fire/x?node=(", undefined, 500, /filters\.node.*regular expression/],
    ["PUT", "/v1/event/fire/x?service=[", undefined, 500, /filters\.service/],
    ["PUT", "/v1/event/fire/x?tag=v1", undefined, 500, /filters\.tag.*service filter/],
    ["PUT", "/v1/event/fire/x", Buffer.alloc(600), 500, /the limit is 512/],
    ["PUT", `/v1/event/fire/${"n".repeat(200)}`, undefined, 500, /name.*longer/],
    ["GET", "/v1/event/list?index=abc", undefined, 400, /index/],
    ["GET", "/v1/event/list?wait=soon", undefined, 400, /wait/],
    ["DELETE", "/v1/event/list", undefined, 405, /not allowed/],
  ];
  for (const [method, path, body, status, reason] of cases) {
    const res = await fetch(base + path, { method, body });
    const text = await res.text();
    t.equal(res.status, status, `${method} ${path.slice(0, 40)} -> ${status}`);
    t.match(text, reason, `says why: ${text}`);
    t.notOk(text.includes("\n"), "one line");
  }
  t.same(agent.events(), [], "nothing was kept");
  t.throws(() => agent.fireEvent(""), { name: "InvalidArgumentError" });
  t.throws(() => agent.fireEvent("x", 5 as unknown as string), { name: "InvalidArgumentError" });
  t.throws(() => agent.fireEvent("x", undefined, { node: 5 as unknown as string }), { name: "InvalidArgumentError" });
  t.throws(() => agent.fireEvent("x", undefined, null as unknown as {}), { name: "InvalidArgumentError" });
});
