/**
 * The startup banner, laid out as Consul's (`==> Starting Consul agent...`
 * and its aligned `Name: value` block), with the real addresses: when port 0
 * was asked, the banner shows the one the system picked.
 *
 * @module
 */

/** What the banner shows. */
export interface BannerInfo {
  version: string;
  node: string;
  datacenter: string;
  mode: string;
  server: boolean;
  bootstrap: boolean;
  dataDir: string | undefined;
  clientAddr: string;
  /** The HTTP API's real address, or undefined when off. */
  http: { host: string; port: number } | undefined;
  /** The DNS server's real port, or undefined when off. */
  dnsPort: number | undefined;
  clusterAddr: string;
  lanPort: number;
  wanPort: number;
  encrypted: boolean;
  ui: boolean;
}

/** Width of the right-aligned field names (Consul's banner). */
const LABEL_WIDTH = 18;

/** The banner's lines, ending with "==> disco agent running!". */
export function formatBanner(b: BannerInfo): string {
  const httpUrl = b.http ? `http://${b.http.host.includes(":") ? `[${b.http.host}]` : b.http.host}:${b.http.port}` : "-";
  const fields: [string, string][] = [
    ["Version", `'${b.version}'`],
    ["Node name", `'${b.node}'`],
    ["Datacenter", `'${b.datacenter}'`],
    ["Server", `${b.server} (Bootstrap: ${b.bootstrap})`],
    ["Mode", `'${b.mode}' (${b.dataDir ? `persisted in ${b.dataDir}` : "in memory"})`],
    ["Client Addr", `[${b.clientAddr}] (HTTP: ${b.http?.port ?? -1}, DNS: ${b.dnsPort ?? -1})`],
    ["Cluster Addr", `${b.clusterAddr} (LAN: ${b.lanPort}, WAN: ${b.wanPort})`],
    ["HTTP Address", httpUrl],
    ["Gossip Encryption", String(b.encrypted)],
    ["Web UI", String(b.ui)],
  ];
  return [
    "==> Starting disco agent...",
    ...fields.map(([k, v]) => `${k.padStart(LABEL_WIDTH)}: ${v}`),
    "",
    "==> disco agent running!",
    "==> Log data will now stream in as it occurs:",
    "",
  ].join("\n");
}
