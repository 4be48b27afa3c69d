/**
 * Choosing the address to advertise when a listener binds every interface
 * (0.0.0.0 or ::): peers need one concrete address to reach us at. As Consul
 * and memberlist do, prefer a private IPv4 address of this host.
 *
 * @module
 */
import { networkInterfaces } from "node:os";

/** True for the any-address of either family. */
export function isUnspecifiedHost(host: string): boolean {
  return host === "0.0.0.0" || host === "::" || host === "[::]";
}

/** RFC 1918 private IPv4 ranges, plus RFC 6598 shared space, as memberlist's `IsPrivateIP`. */
function isPrivateIPv4(ip: string): boolean {
  const [a, b] = ip.split(".").map(Number) as [number, number];
  return a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 100 && b >= 64 && b <= 127);
}

/**
 * The address to advertise for a listener bound to `bindHost`: the bind host
 * itself unless it is the any-address; then the first private IPv4 of this
 * host, else its first non-internal IPv4, else 127.0.0.1.
 */
export function defaultAdvertiseHost(bindHost: string): string {
  if (!isUnspecifiedHost(bindHost)) return bindHost;
  const v4: string[] = [];
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (a.family === "IPv4" && !a.internal) v4.push(a.address);
  }
  return v4.find(isPrivateIPv4) ?? v4[0] ?? "127.0.0.1";
}
