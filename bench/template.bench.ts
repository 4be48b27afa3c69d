/**
 * Cost of templates: parsing the seed nginx template, and rendering it (range
 * over `services`, then `service` per name) for 10 services × 10 instances and
 * 10 × 100 and 50 × 100: once with every answer new (the first render; all
 * instances are shaped into consul-template's structs) and once with the
 * answers unchanged (shaped results are cached per answer, so a re-render
 * after one service changed costs about this plus that service's shaping).
 */
import { median, type BenchContext } from "./harness.js";
import { Template } from "../lib/template/template.js";
import type { Dependency } from "../lib/template/dependency.js";
import type { DataResult } from "../lib/template/data-functions.js";

/** Timed runs per case; the median is reported. */
const RUNS = 7;

const NGINX = `{{- range services }}{{ $name := .Name }}
upstream {{ $name }} {
  zone upstream-{{ $name }} 64k;
{{- range service $name }}
  server {{ .Address }}:{{ .Port }} max_fails=3 fail_timeout=60 weight=1; # {{ .ID }} {{ join "," .Tags }}
{{- else }}
  server 127.0.0.1:65535; # force a 502
{{- end }}
}
{{ end -}}
server {
  listen 80;
{{- range services }}
  location /{{ .Name }} { proxy_pass http://{{ .Name }}; }
{{- end }}
}
`;

function data(services: number, perService: number): (dep: Dependency) => DataResult {
  const names = Array.from({ length: services }, (_, i) => `svc-${i}`);
  const entries = new Map(names.map((name) => [name, Array.from({ length: perService }, (_, n) => ({
    Node: { ID: `id-${n}`, Node: `node-${n}`, Address: `10.0.${n >> 8}.${n & 255}`, Datacenter: "dc1", TaggedAddresses: {}, Meta: {} },
    Service: { ID: `${name}-${n}`, Service: name, Tags: ["v1", "http"], Address: "", Port: 8000 + n, Meta: {}, Weights: { Passing: 1, Warning: 1 } },
    Checks: [{ Node: `node-${n}`, CheckID: "serfHealth", Status: "passing" }, { Node: `node-${n}`, CheckID: `service:${name}-${n}`, Status: "passing" }],
  }))]));
  const catalog = Object.fromEntries(names.map((n) => [n, ["v1", "http"]]));
  return (dep) => {
    if (dep.kind === "catalog-services") return { ready: true, value: catalog };
    if (dep.kind === "health-service") return { ready: true, value: entries.get(dep.name) ?? [] };
    return { ready: false };
  };
}

function timeMs(fn: () => void, iterations: number): number {
  const t0 = process.cpuUsage();
  for (let i = 0; i < iterations; i++) fn();
  const d = process.cpuUsage(t0);
  return (d.user + d.system) / 1000 / iterations;
}

export default async function (ctx: BenchContext): Promise<void> {
  const parseRuns = Array.from({ length: RUNS }, () => timeMs(() => Template.parse("nginx.tpl", NGINX), 2000));
  ctx.record({ case: "parse nginx template", value: median(parseRuns) * 1000, unit: "µs/parse" });
  const tpl = Template.parse("nginx.tpl", NGINX);
  for (const [services, per] of [[10, 10], [10, 100], [50, 100]] as const) {
    // Cold: every answer is new, so every instance is shaped (the first render, or all services changed).
    const cold = Array.from({ length: RUNS }, () => {
      const lookup = data(services, per);
      return timeMs(() => tpl.render(lookup, {}), 1);
    });
    ctx.record({ case: `render ${services}×${per} instances, all data new`, value: median(cold), unit: "ms/render" });
    // Warm: the same answers again (one service changed is between the two), as most re-renders are.
    const lookup = data(services, per);
    let bytes = 0;
    const warm = Array.from({ length: RUNS }, () => timeMs(() => {
      bytes = tpl.render(lookup, {}).contents!.length;
    }, 20));
    ctx.record({ case: `render ${services}×${per} instances, data unchanged`, value: median(warm), unit: "ms/render", outputBytes: bytes });
  }
}
