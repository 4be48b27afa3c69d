/**
 * /v1/agent/metrics, as JSON (Consul's shape) or Prometheus text.
 *
 * @module
 */
import type { HttpApiContext } from "./context.js";

interface Gauge {
  name: string;
  help: string;
  value: number;
}

function gauges(ctx: HttpApiContext): Gauge[] {
  const state = ctx.backend.catalog.state;
  const services = state.services();
  let instances = 0;
  for (const name of Object.keys(services)) instances += state.serviceNodes(name).length;
  const mem = process.memoryUsage();
  return [
    { name: "disco_catalog_services", help: "Registered service names.", value: Object.keys(services).length },
    { name: "disco_catalog_service_instances", help: "Registered service instances.", value: instances },
    { name: "disco_catalog_nodes", help: "Nodes in the catalog.", value: state.nodes().length },
    { name: "disco_catalog_index", help: "The catalog's last applied index.", value: state.lastIndex },
    { name: "disco_checks_critical", help: "Checks in the critical state.", value: state.checksInState("critical").length },
    { name: "disco_sessions", help: "Live sessions.", value: state.sessions().length },
    { name: "disco_http_requests_total", help: "HTTP API requests served.", value: ctx.metrics.requests },
    { name: "disco_http_errors_total", help: "HTTP API requests answered with an error.", value: ctx.metrics.errors },
    { name: "disco_http_blocking_queries", help: "Blocking queries waiting now.", value: ctx.metrics.blockingQueriesActive },
    { name: "disco_runtime_heap_used_bytes", help: "V8 heap in use.", value: mem.heapUsed },
  ];
}

/** Consul's JSON metrics shape. */
export function metricsJson(ctx: HttpApiContext): unknown {
  return {
    Timestamp: new Date().toISOString(),
    Gauges: gauges(ctx).map((g) => ({ Name: g.name.replace(/_/g, "."), Value: g.value, Labels: {} })),
    Points: [], Counters: [], Samples: [],
  };
}

/** Prometheus text exposition format 0.0.4. */
export function metricsPrometheus(ctx: HttpApiContext): string {
  return gauges(ctx).map((g) => {
    const type = g.name.endsWith("_total") ? "counter" : "gauge";
    return `# HELP ${g.name} ${g.help}\n# TYPE ${g.name} ${type}\n${g.name} ${g.value}\n`;
  }).join("");
}
