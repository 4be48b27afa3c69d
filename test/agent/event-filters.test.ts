import t from "tap";
import { Agent } from "../../lib/index.js";
import { backtrackingRisk, USER_EVENT_FILTER_LENGTH_MAX } from "../../lib/agent/events.js";

t.test("event filters: shapes that backtrack exponentially are refused; ordinary filters pass", async (t) => {
  for (const ok of ["", "web", "^web-\\d+$", "api|web", "(api|web)", "(?:api|web)-1", "web.*", "[a-z]+(-[0-9]+)?", "(?<name>web)", "a{2,3}", "[(+)]*"]) {
    t.equal(backtrackingRisk(ok), undefined, `accepted: ${JSON.stringify(ok)}`);
  }
  for (const bad of ["(a+)+$", "(a|a)*b", "(a*)*", "((ab)+c)*", "(x+x+)+y", "(a|b){2,}", "(\\w+\\s?)*$", "(a)\\1", "(?=a)b", "(?<!a)b", "\\k<n>"]) {
    t.not(backtrackingRisk(bad), undefined, `refused: ${JSON.stringify(bad)}`);
  }
});

t.test("fireEvent refuses a risky or over-long filter with a typed error naming it, and records nothing", async (t) => {
  const agent = await Agent.start({ node: "web-1" });
  t.teardown(() => agent.close());
  t.throws(() => agent.fireEvent("deploy", "v2", { node: "(a+)+$" }), { name: "InvalidArgumentError", field: "filters.node" });
  t.throws(() => agent.fireEvent("deploy", "v2", { service: "x".repeat(USER_EVENT_FILTER_LENGTH_MAX + 1) }),
    { name: "InvalidArgumentError", field: "filters.service" });
  t.same(agent.events(), [], "nothing recorded");
  const fired = agent.fireEvent("deploy", "v2", { node: "^web-\\d+$" });
  t.match(agent.events(), [{ id: fired.id, name: "deploy", nodeFilter: "^web-\\d+$" }], "an ordinary filter that matches this node is recorded");
});
