/**
 * IP address text to bytes and back, for A/AAAA data and Consul's
 * `<hex>.addr.<dc>.<domain>` names. Pure.
 *
 * @module
 */

/** Bytes of a dotted-quad IPv4 address, or undefined when `text` is not one. */
export function ipv4Bytes(text: string): Uint8Array | undefined {
  const parts = text.split(".");
  if (parts.length !== 4) return undefined;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const p = parts[i]!;
    // Leading zeros are refused: some parsers read them as octal.
    if (!/^(0|[1-9][0-9]{0,2})$/.test(p)) return undefined;
    const n = Number(p);
    if (n > 255) return undefined;
    out[i] = n;
  }
  return out;
}

/** Longest IPv6 text form (eight groups written as six plus a dotted quad), as INET6_ADDRSTRLEN - 1. */
const IPV6_TEXT_LENGTH_MAX = 45;

/** Bytes of an IPv6 address (with `::` and a trailing dotted quad allowed, no zone), or undefined. */
export function ipv6Bytes(text: string): Uint8Array | undefined {
  if (text.length === 0 || text.length > IPV6_TEXT_LENGTH_MAX || text.includes("%")) return undefined;
  let head = text;
  let v4: Uint8Array | undefined;
  const lastColon = text.lastIndexOf(":");
  if (lastColon >= 0 && text.includes(".", lastColon)) {
    v4 = ipv4Bytes(text.slice(lastColon + 1));
    if (!v4) return undefined;
    head = text.slice(0, lastColon + 1) + "0:0"; // two placeholder groups, overwritten below
  }
  const halves = head.split("::");
  if (halves.length > 2) return undefined;
  const parse = (s: string): number[] | undefined => {
    if (s === "") return [];
    const groups = s.split(":");
    const out: number[] = [];
    for (const g of groups) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
      out.push(parseInt(g, 16));
    }
    return out;
  };
  const left = parse(halves[0]!);
  const right = halves.length === 2 ? parse(halves[1]!) : [];
  if (!left || !right) return undefined;
  const groups = left.length + right.length;
  if (halves.length === 2 ? groups > 7 : groups !== 8) return undefined;
  const all = [...left, ...new Array<number>(8 - groups).fill(0), ...right];
  const out = new Uint8Array(16);
  for (let i = 0; i < 8; i++) {
    out[i * 2] = all[i]! >> 8;
    out[i * 2 + 1] = all[i]! & 0xff;
  }
  if (v4) out.set(v4, 12);
  return out;
}

/** The bytes of an IP address of either family, or undefined for a host name or garbage. */
export function ipBytes(text: string): Uint8Array | undefined {
  return ipv4Bytes(text) ?? ipv6Bytes(text);
}

/** Lower-case hex of the bytes: the first label of an `.addr.` name. */
export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString("hex");
}

/** The bytes an `.addr.` label names: 8 hex digits (IPv4) or 32 (IPv6); else undefined. */
export function fromHex(label: string): Uint8Array | undefined {
  if ((label.length !== 8 && label.length !== 32) || !/^[0-9a-fA-F]+$/.test(label)) return undefined;
  return new Uint8Array(Buffer.from(label, "hex"));
}
