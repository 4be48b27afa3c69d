// `disco agent`'s WAN settings: -join-wan, -retry-join-wan, -serf-wan-port and their config-file keys.
import t from "tap";
import { parseFlags } from "../../lib/cli/flags.js";
import { agentCommand } from "../../lib/cli/commands/agent.js";
import { parseConfigFile } from "../../lib/cli/agent/config-file.js";
import { emptySettings, mergeSettings, settingsFromFlags } from "../../lib/cli/agent/settings.js";
import { toAgentOptions } from "../../lib/cli/agent/to-options.js";
import { resolveAgentOptions } from "../../lib/agent/options.js";

function plan(argv: string[]) {
  return toAgentOptions(settingsFromFlags(parseFlags(argv, agentCommand.flags).flags));
}

t.test("agent flags: a raft server with gossip binds WAN gossip on the bind host and port 8302; -join-wan addresses get that port (Consul's serf_wan)", async (t) => {
  const p = plan(["-server", "-bootstrap-expect=3", "-data-dir=/d", "-bind=10.0.0.1", "-join=10.0.0.2", "-join-wan=10.1.0.1", "-retry-join-wan=10.2.0.1:9302", "-retry-join-wan=[::1]"]);
  t.match(p.options, { mode: "raft", server: true, bindWan: "10.0.0.1:8302", joinWan: ["10.1.0.1:8302"], retryJoinWan: ["10.2.0.1:9302", "[::1]:8302"] });
  t.match(resolveAgentOptions(p.options), { bindWan: "10.0.0.1:8302", joinWan: ["10.1.0.1:8302"] }, "the agent accepts what the command line gives");
  t.match(plan(["-server", "-bootstrap-expect=3", "-data-dir=/d", "-serf-wan-port=9302", "-join=10.0.0.2"]).options, { bindWan: "0.0.0.0:9302" }, "-serf-wan-port alone asks for the WAN; the bind host defaults to every interface");
  t.equal(plan(["-server", "-bootstrap-expect=3", "-data-dir=/d", "-join=10.0.0.2"]).options.bindWan, undefined, "no gossip and no WAN flag: no WAN pool");
  t.equal(plan(["-server", "-bootstrap", "-data-dir=/d", "-bind=127.0.0.1"]).options.bindWan, undefined, "a lone node (dev mode) has no WAN pool");
  t.equal(plan(["-dev", "-bind=127.0.0.1"]).options.bindWan, undefined);
});

t.test("agent flags: -join-wan on a client agent reaches Agent.start, which refuses it naming the option", async (t) => {
  const p = plan(["-data-dir=/d", "-bind=127.0.0.1", "-join=10.0.0.2", "-join-wan=10.1.0.1"]);
  t.match(p.options, { mode: "raft", server: false, joinWan: ["10.1.0.1:8302"] });
  t.equal(p.options.bindWan, undefined);
  t.throws(() => resolveAgentOptions(p.options), { name: "InvalidConfigError", field: "joinWan", message: /only raft servers/ });
});

t.test("config file: start_join_wan and retry_join_wan are read, and lists from files and flags add up", async (t) => {
  const file = parseConfigFile(JSON.stringify({ start_join_wan: ["a"], retry_join_wan: ["b"], ports: { serf_wan: 9400 } }), "w.json");
  t.same(file.ignored, []);
  t.match(file.settings, { joinWan: ["a"], retryJoinWan: ["b"], ports: { serfWan: 9400 } });
  const merged = mergeSettings(file.settings, settingsFromFlags(parseFlags(["-join-wan=c", "-retry-join-wan=d"], agentCommand.flags).flags));
  t.same([merged.joinWan, merged.retryJoinWan], [["a", "c"], ["b", "d"]]);
  t.same(emptySettings().joinWan, []);
  t.throws(() => parseConfigFile(JSON.stringify({ retry_join_wan: "b" }), "w.json"), { name: "InvalidConfigError", field: "w.json: retry_join_wan" });
});
