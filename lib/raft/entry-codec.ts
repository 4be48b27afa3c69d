/**
 * Encodings of entries for storage, and of the payload of `config` entries.
 * lib/storage's `LogRecord` has no type field, so the entry type rides in
 * the first byte of the stored data.
 *
 * @module
 */
import { StorageCorruptError } from "../util/errors.js";
import type { ConfigEntryData, Entry, EntryType } from "./types.js";

/** The shape lib/storage's LogStore persists. */
export interface EntryRecord {
  index: number;
  term: number;
  data: Uint8Array;
}

const TYPE_TAGS: Record<EntryType, number> = { normal: 0, config: 1, noop: 2 };
const TAG_TYPES: readonly EntryType[] = ["normal", "config", "noop"];

/** Packs an entry for `LogStore.append`: data = [type tag, ...payload]. */
export function entryToRecord(entry: Entry): EntryRecord {
  const data = new Uint8Array(entry.data.length + 1);
  data[0] = TYPE_TAGS[entry.type];
  data.set(entry.data, 1);
  return { index: entry.index, term: entry.term, data };
}

/** Unpacks what {@link entryToRecord} stored; throws StorageCorruptError on an unknown tag. */
export function recordToEntry(record: EntryRecord): Entry {
  const type = record.data.length > 0 ? TAG_TYPES[record.data[0]!] : undefined;
  if (type === undefined) throw new StorageCorruptError(`log record ${record.index} has no valid entry type tag`);
  return { index: record.index, term: record.term, type, data: record.data.subarray(1) };
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Encodes the payload of a `config` entry. JSON keeps it readable in a log dump. */
export function encodeConfigData(config: ConfigEntryData): Uint8Array {
  return encoder.encode(JSON.stringify(config));
}

/** Decodes the payload of a `config` entry; throws StorageCorruptError when it is not one. */
export function decodeConfigData(data: Uint8Array): ConfigEntryData {
  let parsed: unknown;
  try {
    parsed = JSON.parse(decoder.decode(data));
  } catch (err) {
    throw new StorageCorruptError("config entry is not valid JSON", { cause: err });
  }
  const c = parsed as ConfigEntryData;
  if (
    !c ||
    typeof c !== "object" ||
    !Array.isArray(c.voters) ||
    !c.voters.every((v) => typeof v === "string") ||
    !c.change ||
    (c.change.type !== "add" && c.change.type !== "remove") ||
    typeof c.change.node !== "string"
  ) {
    throw new StorageCorruptError("config entry has the wrong shape");
  }
  return c;
}
