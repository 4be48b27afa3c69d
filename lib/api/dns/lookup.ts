/**
 * Which catalog object a question names. Pure.
 *
 * Name forms, as Consul's (`[.DC]` is `.DC` or `.DC.dc`):
 * - `NAME.service[.DC].DOMAIN`, `TAG.NAME.service[.DC].DOMAIN`
 * - `_NAME._TAG.service[.DC].DOMAIN` (RFC 2782; `_tcp` in the tag slot means no tag)
 * - `NODE.node[.DC].DOMAIN`
 * - `NAME.query[.DC].DOMAIN` (a prepared query, by name or ID)
 * - `HEX.addr[.DC].DOMAIN` (the SRV target of an instance with its own address)
 *
 * @module
 */
import { asciiLower } from "./encode.js";
import { fromHex } from "./ip.js";

/** A parsed question name. */
export type Lookup =
  /** Not under our domain: REFUSED, as a server without recursion answers. */
  | { kind: "outside" }
  /** The domain itself. */
  | { kind: "apex" }
  /** Under our domain but no form we serve: NXDOMAIN. */
  | { kind: "unknown" }
  | { kind: "service"; service: string; tag: string | undefined; dc: string | undefined }
  | { kind: "node"; node: string; dc: string | undefined }
  | { kind: "query"; name: string; dc: string | undefined }
  | { kind: "addr"; address: Uint8Array; dc: string | undefined };

const KINDS = new Set(["service", "node", "addr", "query"]);

/** The protocol label that RFC 2782 lookups use when they want every instance. */
const RFC2782_ANY_TAG = "tcp";

/** Splits `[...prefix, kind, (dc, ("dc"))?]` into its parts, or undefined when no kind label is found. */
function splitKind(rest: string[]): { prefix: string[]; kind: string; dc: string | undefined } | undefined {
  const low = rest.map(asciiLower);
  const n = low.length;
  if (n >= 4 && low[n - 1] === "dc" && KINDS.has(low[n - 3]!)) {
    return { prefix: rest.slice(0, n - 3), kind: low[n - 3]!, dc: rest[n - 2]! };
  }
  if (n >= 2 && KINDS.has(low[n - 1]!)) return { prefix: rest.slice(0, n - 1), kind: low[n - 1]!, dc: undefined };
  if (n >= 3 && KINDS.has(low[n - 2]!)) return { prefix: rest.slice(0, n - 2), kind: low[n - 2]!, dc: rest[n - 1]! };
  return undefined;
}

function serviceLookup(prefix: string[], dc: string | undefined): Lookup {
  if (prefix.length === 1) return { kind: "service", service: prefix[0]!, tag: undefined, dc };
  if (prefix.length !== 2) return { kind: "unknown" };
  const [first, second] = prefix as [string, string];
  if (first.startsWith("_") && second.startsWith("_") && first.length > 1 && second.length > 1) {
    const tag = second.slice(1);
    return { kind: "service", service: first.slice(1), tag: asciiLower(tag) === RFC2782_ANY_TAG ? undefined : tag, dc };
  }
  return { kind: "service", service: second, tag: first, dc };
}

/**
 * Parses question labels against the domain's labels (lower-case, no root).
 * Keywords and the domain match case-insensitively; names keep their case.
 */
export function parseLookup(labels: readonly string[], domain: readonly string[]): Lookup {
  if (labels.length < domain.length) return { kind: "outside" };
  const cut = labels.length - domain.length;
  for (let i = 0; i < domain.length; i++) if (asciiLower(labels[cut + i]!) !== domain[i]) return { kind: "outside" };
  if (cut === 0) return { kind: "apex" };
  const split = splitKind(labels.slice(0, cut));
  if (!split) return { kind: "unknown" };
  const { prefix, kind, dc } = split;
  if (kind === "service") return serviceLookup(prefix, dc);
  if (prefix.length !== 1) return { kind: "unknown" };
  if (kind === "node") return { kind: "node", node: prefix[0]!, dc };
  if (kind === "query") return { kind: "query", name: prefix[0]!, dc };
  const address = fromHex(prefix[0]!);
  return address ? { kind: "addr", address, dc } : { kind: "unknown" };
}
