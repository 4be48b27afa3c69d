/**
 * Shared test helpers: an agent with a DNS server in front of it, dig, and a
 * raw UDP exchange.
 */
import { execFile } from "node:child_process";
import { createSocket } from "node:dgram";
import { Agent } from "../../../lib/agent/agent.js";
import { catalogDnsSource, type CatalogReads, type DnsSource } from "../../../lib/api/dns/source.js";
import { startDnsServer, type DnsServer } from "../../../lib/api/dns/server.js";
import type { DnsServerOptions } from "../../../lib/api/dns/options.js";

/** An agent and a DNS server over its catalog. */
export interface Fixture {
  agent: Agent;
  dns: DnsServer;
  source: DnsSource;
  port: number;
  close(): Promise<void>;
}

/**
 * Starts a dev agent and a DNS server on 127.0.0.1:0 over its catalog. The
 * agent has no catalog accessor yet, so this reaches `backend.catalog.state`
 * (the lead is adding a proper one).
 */
export async function startFixture(
  options: Partial<DnsServerOptions> = {}, agentOptions: Parameters<typeof Agent.start>[0] = {},
): Promise<Fixture> {
  const agent = await Agent.start({ node: "n1", ...agentOptions });
  const state = (): CatalogReads => (agent as unknown as { backend: { catalog: { state: CatalogReads } } }).backend.catalog.state;
  const source = catalogDnsSource(agent.datacenter, state);
  const dns = await startDnsServer(source, { host: "127.0.0.1", port: 0, ...options });
  return {
    agent, dns, source, port: dns.address.udpPort,
    close: async () => {
      await dns.close();
      await agent.close();
    },
  };
}

/** One record line of dig's output. */
export interface DigRecord {
  name: string;
  ttl: number;
  type: string;
  data: string;
}

/** dig's answer, by section. */
export interface DigResult {
  status: string;
  flags: string[];
  answer: DigRecord[];
  authority: DigRecord[];
  additional: DigRecord[];
  /** "UDP" or "TCP": the transport of the answer dig printed. */
  transport: string;
  raw: string;
}

/** Runs a command; resolves with stdout, or rejects with a clear message when it is not installed. */
function run(cmd: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { timeout: 15_000 }, (err, stdout) => {
      if (err && (err as NodeJS.ErrnoException).code === "ENOENT") {
        reject(new Error(`${cmd} is not installed: run \`apt-get install -y bind9-dnsutils\` (CI installs it)`));
      } else if (err && !stdout) {
        reject(err);
      } else {
        resolve(stdout);
      }
    });
  });
}

function parseRecords(lines: string[]): DigRecord[] {
  return lines.map((l) => {
    const [name, ttl, , type, ...data] = l.split(/\s+/);
    return { name: name!, ttl: Number(ttl), type: type!, data: data.join(" ") };
  });
}

/** Queries the fixture's server with dig; `extra` are dig options such as "+tcp". */
export async function dig(port: number, name: string, type: string, ...extra: string[]): Promise<DigResult> {
  const raw = await run("dig", ["@127.0.0.1", "-p", String(port), "+tries=1", "+time=3", name, type, ...extra]);
  const sections: Record<string, string[]> = { ANSWER: [], AUTHORITY: [], ADDITIONAL: [] };
  let current: string[] | undefined;
  for (const line of raw.split("\n")) {
    const header = /^;; (\w+) SECTION:/.exec(line);
    if (header) {
      current = sections[header[1]!];
      continue;
    }
    if (line.trim() === "" || line.startsWith(";")) {
      if (line.trim() === "") current = undefined;
      continue;
    }
    current?.push(line.trim());
  }
  const status = /status: (\w+)/.exec(raw)?.[1] ?? "NONE";
  const flags = (/;; flags: ([^;]*);/.exec(raw)?.[1] ?? "").trim().split(/\s+/).filter(Boolean);
  const transport = /\((UDP|TCP)\)/.exec(raw)?.[1] ?? "";
  return {
    status, flags, transport, raw,
    answer: parseRecords(sections["ANSWER"]!),
    authority: parseRecords(sections["AUTHORITY"]!),
    additional: parseRecords(sections["ADDITIONAL"]!),
  };
}

/** Sends one datagram and resolves with the first reply, or undefined after `waitMs` (real time, bounded). */
export function exchange(port: number, bytes: Uint8Array, waitMs = 300): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const socket = createSocket("udp4");
    const timer = setTimeout(() => finish(undefined), waitMs);
    function finish(reply: Buffer | undefined): void {
      clearTimeout(timer);
      socket.close();
      resolve(reply);
    }
    socket.once("message", (msg) => finish(msg));
    socket.once("error", (err) => {
      clearTimeout(timer);
      socket.close();
      reject(err);
    });
    socket.send(bytes, port, "127.0.0.1");
  });
}

/** A query in wire form, built by hand so tests control every byte. */
export function buildQuery(name: string, qtype: number, options: { id?: number; rd?: boolean; edns?: number | false } = {}): Buffer {
  const labels = name.replace(/\.$/, "").split(".").filter(Boolean);
  const parts: Buffer[] = [];
  const header = Buffer.alloc(12);
  header.writeUInt16BE(options.id ?? 0x1234, 0);
  header.writeUInt16BE(options.rd === false ? 0 : 0x0100, 2);
  header.writeUInt16BE(1, 4);
  const edns = options.edns === undefined ? false : options.edns;
  header.writeUInt16BE(edns === false ? 0 : 1, 10);
  parts.push(header);
  for (const l of labels) parts.push(Buffer.from([Buffer.byteLength(l)]), Buffer.from(l));
  const tail = Buffer.alloc(5);
  tail.writeUInt16BE(qtype, 1);
  tail.writeUInt16BE(1, 3);
  parts.push(tail);
  if (edns !== false) {
    const opt = Buffer.alloc(11);
    opt.writeUInt16BE(41, 1);
    opt.writeUInt16BE(edns, 3);
    parts.push(opt);
  }
  return Buffer.concat(parts);
}
