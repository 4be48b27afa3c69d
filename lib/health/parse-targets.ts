/**
 * Validation of what HTTP and TCP checks probe: URL, method, headers, body,
 * and `host:port` addresses.
 *
 * @module
 */
import { InvalidArgumentError } from "../util/errors.js";
import {
  CHECK_BODY_BYTES_MAX,
  CHECK_HEADER_VALUES_MAX,
  CHECK_HEADERS_COUNT_MAX,
  CHECK_METHOD_LENGTH_MAX,
  CHECK_TARGET_LENGTH_MAX,
} from "./limits.js";
import { isRecord, readString, typeName } from "./parse-fields.js";

// RFC 9110 token: what a method or header name may contain (Node refuses anything else).
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
// Header values may not hold CR, LF, NUL or other controls except tab (Node throws on them).
const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;
/**
 * Headers the check itself manages: framing (length, encoding) comes from the
 * body, and every run opens and closes its own connection.
 */
const MANAGED_HEADERS = new Set(["content-length", "transfer-encoding", "connection"]);

/** Reads an http(s) URL. */
export function readHttpUrl(value: unknown, field: string): URL {
  const text = readString(value, field, CHECK_TARGET_LENGTH_MAX);
  let url: URL;
  try {
    url = new URL(text);
  } catch (err) {
    throw new InvalidArgumentError(field, `is not a URL: ${JSON.stringify(text)}`, { cause: err });
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new InvalidArgumentError(field, `must be an http: or https: URL, got ${url.protocol}`);
  }
  if (url.hostname === "") throw new InvalidArgumentError(field, "has no host");
  return url;
}

/** Reads an HTTP method and returns it upper-cased. */
export function readMethod(value: unknown, field: string): string {
  const method = readString(value, field, CHECK_METHOD_LENGTH_MAX);
  if (!TOKEN.test(method)) throw new InvalidArgumentError(field, `is not a valid HTTP method: ${JSON.stringify(method)}`);
  return method.toUpperCase();
}

/** Reads `{ name: value | value[] }` into lower-cased names with value lists. */
export function readHeaders(value: unknown, field: string): Record<string, string[]> {
  if (!isRecord(value)) throw new InvalidArgumentError(field, `must be an object of header values, got ${typeName(value)}`);
  const entries = Object.entries(value).filter(([, v]) => v !== undefined);
  if (entries.length > CHECK_HEADERS_COUNT_MAX) {
    throw new InvalidArgumentError(field, `has ${entries.length} headers; the limit is ${CHECK_HEADERS_COUNT_MAX}`);
  }
  const headers: Record<string, string[]> = Object.create(null) as Record<string, string[]>;
  for (const [name, raw] of entries) {
    const at = `${field}.${name}`;
    if (!TOKEN.test(name)) throw new InvalidArgumentError(at, "is not a valid header name");
    const lower = name.toLowerCase();
    if (MANAGED_HEADERS.has(lower)) throw new InvalidArgumentError(at, "is set by the check itself");
    const values = Array.isArray(raw) ? raw : [raw];
    if (values.length > CHECK_HEADER_VALUES_MAX) {
      throw new InvalidArgumentError(at, `has ${values.length} values; the limit is ${CHECK_HEADER_VALUES_MAX}`);
    }
    for (const v of values) {
      if (typeof v !== "string") throw new InvalidArgumentError(at, `values must be strings, got ${typeName(v)}`);
      if (!HEADER_VALUE.test(v)) throw new InvalidArgumentError(at, "contains a control character");
    }
    headers[lower] = [...(headers[lower] ?? []), ...(values as string[])];
  }
  return { ...headers };
}

/** Reads a request body string of at most CHECK_BODY_BYTES_MAX bytes. */
export function readBody(value: unknown, field: string): string {
  if (typeof value !== "string") throw new InvalidArgumentError(field, `must be a string, got ${typeName(value)}`);
  const bytes = Buffer.byteLength(value, "utf8");
  if (bytes > CHECK_BODY_BYTES_MAX) {
    throw new InvalidArgumentError(field, `is ${bytes} bytes; the limit is ${CHECK_BODY_BYTES_MAX}`);
  }
  return value;
}

/** Reads `host:port` (IPv6 as `[addr]:port`) into its parts. */
export function readTcpAddress(value: unknown, field: string): { host: string; port: number } {
  const text = readString(value, field, CHECK_TARGET_LENGTH_MAX);
  const m = /^\[([^\]]+)\]:(\d{1,5})$/.exec(text) ?? /^([^:\s[\]]+):(\d{1,5})$/.exec(text);
  if (!m) throw new InvalidArgumentError(field, `must be "host:port" (IPv6 as "[::1]:port"), got ${JSON.stringify(text)}`);
  const port = Number(m[2]);
  if (port < 1 || port > 65_535) throw new InvalidArgumentError(field, `port must be 1-65535, got ${port}`);
  return { host: m[1]!, port };
}

/** Formats a host and port as `host:port`, bracketing IPv6 addresses. */
export function formatHostPort(host: string, port: number): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}
