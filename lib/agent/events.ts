/**
 * User events (Consul's /v1/event): fired by name with an optional payload
 * and node / service / tag filters, spread to every member by gossip, and
 * kept by each agent whose filters match it — the receiver decides, as in
 * Consul. Without gossip (no `bind`) the agent keeps its own events only.
 *
 * On the wire an event is one gossip user event named
 * {@link USER_EVENT_GOSSIP_PREFIX} + name whose payload is the record below
 * in msgpack; gossip de-duplicates and stamps the Lamport time.
 *
 * @module
 */
import { randomUUID } from "node:crypto";
import { Packr } from "msgpackr";
import type { GossipNode } from "../membership/node.js";
import type { UserEvent as GossipUserEvent } from "../membership/node-types.js";
import { USER_EVENT_NAME_LENGTH_MAX as GOSSIP_NAME_LENGTH_MAX, USER_EVENT_PAYLOAD_BYTES_MAX } from "../membership/limits.js";
import { ClosedError, InvalidArgumentError, MalformedPacketError, ValueTooLargeError } from "../util/errors.js";
import type { Logger } from "../util/logger.js";
import type { TimerHandle, Timers } from "../util/timers.js";

/** Events an agent keeps, newest last; older ones are dropped (Consul's event buffer). */
export const USER_EVENTS_KEPT_MAX = 256;

/** Prefix of the gossip event names that carry user events, so other gossip events are never mistaken for them. */
export const USER_EVENT_GOSSIP_PREFIX = "disco-event:";

/** Longest event name: what gossip carries less the prefix. */
export const USER_EVENT_NAME_LENGTH_MAX = GOSSIP_NAME_LENGTH_MAX - USER_EVENT_GOSSIP_PREFIX.length;

/**
 * Largest encoded event (ID, payload, filters): one gossip user event, which
 * rides in a UDP packet. Keep payloads well under it (Consul's advice: < 100 bytes).
 */
export const USER_EVENT_BYTES_MAX = USER_EVENT_PAYLOAD_BYTES_MAX;

/** Version of the event format, as Consul's `UserEvent.Version`. */
const EVENT_VERSION = 1;

/**
 * The index of the first event kept; the list answers 1 while it holds none,
 * so a blocking query on an empty list waits for the first event.
 */
const FIRST_EVENT_INDEX = 2;

/** Filters of an event: regular expressions a receiving agent must match to keep it. */
export interface UserEventFilters {
  /** Matched against the receiving agent's node name. */
  node?: string;
  /** The receiving agent must hold a service whose name matches. */
  service?: string;
  /** With `service`: that service must also carry a matching tag. */
  tag?: string;
}

/** A user event as an agent keeps it (Consul's UserEvent). */
export interface UserEvent {
  /** UUID chosen by the agent that fired it. */
  id: string;
  name: string;
  /** The payload, or undefined when none was given. */
  payload: Buffer | undefined;
  /** The filters ("" when not set). */
  nodeFilter: string;
  serviceFilter: string;
  tagFilter: string;
  version: number;
  /** Lamport time it was fired at: gossip's user-event clock (from 0), or a local count (from 1) without gossip. */
  ltime: number;
}

/** What the receiving side needs of the agent. */
export interface UserEventsOptions {
  /** This agent's node name, for node filters. */
  node: string;
  /** The gossip pool; undefined keeps events on this agent. */
  gossip: GossipNode | undefined;
  /** The services this agent holds, for service and tag filters. */
  localServices: () => Array<{ name: string; tags: readonly string[] }>;
  timers: Timers;
  logger: Logger;
  /** Called with each event this agent keeps. */
  onEvent: (event: UserEvent) => void;
}

const packr = new Packr({ useRecords: false, mapsAsObjects: true, moreTypes: false });

/** The record gossip carries: [version, id (16 bytes), payload | null, node, service, tag]. */
function encodeRecord(e: UserEvent): Uint8Array {
  const id = Buffer.from(e.id.replace(/-/g, ""), "hex");
  return Uint8Array.prototype.slice.call(packr.pack([e.version, id, e.payload ?? null, e.nodeFilter, e.serviceFilter, e.tagFilter]));
}

function uuidOf(bytes: Uint8Array): string {
  const h = Buffer.from(bytes).toString("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/** @throws MalformedPacketError when the bytes are not an event record. */
function decodeRecord(name: string, bytes: Uint8Array, ltime: number): UserEvent {
  let raw: unknown;
  try {
    raw = packr.unpack(bytes);
  } catch (err) {
    throw new MalformedPacketError("user event: not msgpack", { cause: err });
  }
  if (!Array.isArray(raw) || raw.length !== 6) throw new MalformedPacketError("user event: not a 6-tuple");
  const [version, id, payload, node, service, tag] = raw as unknown[];
  if (typeof version !== "number" || version < EVENT_VERSION) throw new MalformedPacketError("user event: bad version");
  if (!(id instanceof Uint8Array) || id.length !== 16) throw new MalformedPacketError("user event: bad id");
  if (payload !== null && !(payload instanceof Uint8Array)) throw new MalformedPacketError("user event: bad payload");
  if (typeof node !== "string" || typeof service !== "string" || typeof tag !== "string") {
    throw new MalformedPacketError("user event: bad filters");
  }
  return {
    id: uuidOf(id), name, payload: payload === null ? undefined : Buffer.from(payload), nodeFilter: node,
    serviceFilter: service, tagFilter: tag, version, ltime,
  };
}

/** Longest filter pattern accepted; node, service and tag names are far shorter. */
export const USER_EVENT_FILTER_LENGTH_MAX = 256;

/**
 * Why a pattern could take exponential time in a backtracking engine, or
 * undefined. Consul matches filters with Go's RE2, which cannot blow up;
 * JavaScript's engine can, and one event reaches every member. So, as RE2,
 * backreferences and lookarounds are refused, and so is a quantified group
 * that itself holds a quantifier or an alternation (`(a+)+`, `(a|a)*`), the
 * shapes that backtrack exponentially.
 */
export function backtrackingRisk(pattern: string): string | undefined {
  if (/\\[1-9]|\\k<|\(\?<?[=!]/.test(pattern)) return "backreferences and lookarounds are not supported (as in Consul's RE2)";
  const groups: { risky: boolean }[] = [];
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === "\\") {
      i++;
      continue;
    }
    if (inClass) {
      if (c === "]") inClass = false;
      continue;
    }
    if (c === "[") inClass = true;
    else if (c === "(") groups.push({ risky: false });
    else if ((c === "*" || c === "+" || c === "?" || c === "{" || c === "|") && groups.length > 0) {
      // A lone "?" right after "(" opens a group kind ("(?:"), not a quantifier.
      if (!(c === "?" && pattern[i - 1] === "(")) groups[groups.length - 1]!.risky = true;
    } else if (c === ")") {
      const group = groups.pop();
      const next = pattern[i + 1];
      // "?" only makes a group optional (at most one pass), which cannot multiply the paths.
      const quantified = next === "*" || next === "+" || next === "{";
      if (group?.risky && quantified) return "a repeated group may not hold another quantifier or an alternation";
      // What an outer group holds includes this one's quantifiers.
      if (group?.risky && groups.length > 0) groups[groups.length - 1]!.risky = true;
    }
  }
  return undefined;
}

/** A filter as a regular expression (unanchored, as Consul's). @throws InvalidArgumentError naming the field. */
function compile(pattern: string, field: string): RegExp {
  if (pattern.length > USER_EVENT_FILTER_LENGTH_MAX) throw new InvalidArgumentError(field, `is longer than ${USER_EVENT_FILTER_LENGTH_MAX} characters`);
  const risk = backtrackingRisk(pattern);
  if (risk) throw new InvalidArgumentError(field, `is refused: ${risk}`);
  try {
    return new RegExp(pattern);
  } catch (err) {
    throw new InvalidArgumentError(field, `is not a valid regular expression: ${(err as Error).message}`);
  }
}

function optionalString(value: unknown, field: string): string {
  if (value === undefined) return "";
  if (typeof value !== "string") throw new InvalidArgumentError(field, "must be a string");
  return value;
}

/** Fires, receives, keeps and lists the user events of one agent. */
export class UserEvents {
  private readonly kept: Array<{ event: UserEvent; index: number }> = [];
  private lastIndex = FIRST_EVENT_INDEX - 1;
  private localLtime = 0;
  private readonly waiters = new Set<() => void>();
  private firing: { id: string; ltime: number } | undefined;
  private closed = false;
  private readonly onGossip = (e: GossipUserEvent): void => this.receive(e);

  constructor(private readonly o: UserEventsOptions) {
    o.gossip?.on("user-event", this.onGossip);
  }

  /**
   * Fires an event to every member (this one included, if its filters match).
   * @throws InvalidArgumentError naming the bad field (empty or long name, a
   *   filter that is not a regular expression, `tag` without `service`);
   *   ValueTooLargeError when the encoded event exceeds USER_EVENT_BYTES_MAX;
   *   ClosedError after close.
   */
  fire(name: string, payload?: Uint8Array | string, filters: UserEventFilters = {}): UserEvent {
    if (this.closed) throw new ClosedError("agent");
    if (typeof name !== "string" || name.length === 0) throw new InvalidArgumentError("name", "must be a non-empty string");
    if (name.length > USER_EVENT_NAME_LENGTH_MAX) throw new InvalidArgumentError("name", `is longer than ${USER_EVENT_NAME_LENGTH_MAX} characters`);
    if (typeof filters !== "object" || filters === null) throw new InvalidArgumentError("filters", "must be an object");
    const event: UserEvent = {
      id: randomUUID(), name, payload: undefined, version: EVENT_VERSION, ltime: 0,
      nodeFilter: optionalString(filters.node, "filters.node"),
      serviceFilter: optionalString(filters.service, "filters.service"),
      tagFilter: optionalString(filters.tag, "filters.tag"),
    };
    if (event.tagFilter !== "" && event.serviceFilter === "") throw new InvalidArgumentError("filters.tag", "needs a service filter too");
    compile(event.nodeFilter, "filters.node");
    compile(event.serviceFilter, "filters.service");
    compile(event.tagFilter, "filters.tag");
    if (payload !== undefined) {
      if (typeof payload !== "string" && !(payload instanceof Uint8Array)) throw new InvalidArgumentError("payload", "must be bytes or a string");
      if (payload.length > 0) event.payload = Buffer.from(typeof payload === "string" ? Buffer.from(payload, "utf8") : payload);
    }
    const bytes = encodeRecord(event);
    if (bytes.length > USER_EVENT_BYTES_MAX) throw new ValueTooLargeError("user event (payload, ID and filters)", bytes.length, USER_EVENT_BYTES_MAX);
    const gossip = this.o.gossip;
    if (!gossip) {
      event.ltime = ++this.localLtime;
      if (this.matches(event)) this.keep({ ...event });
      return event;
    }
    // Gossip hands the event to this member at once: that delivery tells its Lamport time.
    this.firing = { id: event.id, ltime: 0 };
    try {
      gossip.fireUserEvent(USER_EVENT_GOSSIP_PREFIX + name, bytes);
      event.ltime = this.firing.ltime;
    } finally {
      this.firing = undefined;
    }
    return event;
  }

  /** The kept events, oldest first; only those named `name` when given. */
  list(name?: string): UserEvent[] {
    return this.kept.filter((k) => name === undefined || name === "" || k.event.name === name).map((k) => copy(k.event));
  }

  /**
   * The index of {@link list}`(name)`: that of its newest event, 1 when empty.
   * It grows with every event kept (unlike Consul's, which hashes the event
   * ID), so watch clients that require a rising index work.
   */
  index(name?: string): number {
    for (let i = this.kept.length - 1; i >= 0; i--) {
      const k = this.kept[i]!;
      if (name === undefined || name === "" || k.event.name === name) return k.index;
    }
    return 1;
  }

  /**
   * A blocking read, as Consul's event list: while the index of `list(name)`
   * is `minIndex`, waits for an event that changes it, at most `timeoutMs`
   * (or until `signal` fires or close); resolves with the index then.
   * `minIndex` 0 answers at once.
   */
  wait(name: string | undefined, minIndex: number, timeoutMs: number, signal?: AbortSignal): Promise<number> {
    if (minIndex === 0 || this.closed || signal?.aborted || this.index(name) !== minIndex) return Promise.resolve(this.index(name));
    return new Promise((resolve) => {
      let timer: TimerHandle | undefined;
      const finish = (): void => {
        this.waiters.delete(check);
        timer?.cancel();
        signal?.removeEventListener("abort", finish);
        resolve(this.index(name));
      };
      const check = (): void => {
        if (this.closed || this.index(name) !== minIndex) finish();
      };
      this.waiters.add(check);
      timer = this.o.timers.after(Math.max(0, timeoutMs), finish);
      signal?.addEventListener("abort", finish, { once: true });
    });
  }

  /** Stops listening to gossip and ends pending waits. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.o.gossip?.off("user-event", this.onGossip);
    for (const w of [...this.waiters]) w();
  }

  /** A gossip user event: ours when it has the prefix; kept when its filters match this agent. */
  private receive(e: GossipUserEvent): void {
    if (this.closed || !e.name.startsWith(USER_EVENT_GOSSIP_PREFIX)) return;
    let event: UserEvent;
    try {
      event = decodeRecord(e.name.slice(USER_EVENT_GOSSIP_PREFIX.length), e.payload, e.ltime);
    } catch (err) {
      this.o.logger.debug({ component: "events", err, origin: e.origin }, "dropped a malformed user event");
      return;
    }
    if (this.firing?.id === event.id) this.firing.ltime = e.ltime;
    if (this.matches(event)) this.keep(event);
  }

  /** Whether this agent should keep `e` (Consul's rules; a filter that does not compile matches nothing). */
  private matches(e: UserEvent): boolean {
    try {
      if (e.nodeFilter !== "" && !compile(e.nodeFilter, "node").test(this.o.node)) return false;
      if (e.serviceFilter === "") return true;
      const service = compile(e.serviceFilter, "service");
      const tag = e.tagFilter === "" ? undefined : compile(e.tagFilter, "tag");
      return this.o.localServices().some((s) => service.test(s.name) && (!tag || s.tags.some((t) => tag.test(t))));
    } catch (err) {
      this.o.logger.debug({ component: "events", err, event: e.id }, "user event with a bad filter ignored");
      return false;
    }
  }

  private keep(event: UserEvent): void {
    this.kept.push({ event, index: ++this.lastIndex });
    if (this.kept.length > USER_EVENTS_KEPT_MAX) this.kept.shift();
    try {
      this.o.onEvent(copy(event));
    } catch (err) {
      this.o.logger.error({ component: "events", err }, "a user-event listener threw");
    }
    for (const w of [...this.waiters]) w();
  }
}

function copy(e: UserEvent): UserEvent {
  return { ...e, payload: e.payload && Buffer.from(e.payload) };
}
