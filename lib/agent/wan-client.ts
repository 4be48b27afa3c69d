/**
 * A client agent's path to other datacenters: it is not a WAN member, so it
 * hands requests naming another datacenter to a server of its own, as
 * Consul's clients do, and keeps the servers' list of datacenters (nearest
 * first) fresh in the background so `datacenters()` can answer at once.
 *
 * @module
 */
import type { ForwardedRequest, ForwardedResponse } from "../api/http/context.js";
import type { Member as GossipMember } from "../membership/types.js";
import { DiscoError, NoPathToDatacenterError } from "../util/errors.js";
import type { Logger } from "../util/logger.js";
import type { TimerHandle, Timers } from "../util/timers.js";
import type { WanAccess } from "./wan-federation.js";
import { blockingWaitOf, WAN_FORWARD_MARGIN_MS, WAN_FORWARD_TIMEOUT_MS, WanUnavailableError, type WanRequest } from "./wan.js";

/** How often a client agent asks a server for the datacenter list. Cheap, and RTT order changes slowly. */
export const WAN_DATACENTERS_REFRESH_MS = 5000;
/** Timeout of that question. */
const DATACENTERS_TIMEOUT_MS = 2000;
/** Most datacenters kept from a server's answer. */
const DATACENTERS_MAX = 256;

/** Options of {@link ClientWan}. */
export interface ClientWanOptions {
  datacenter: string;
  /** Sends a request to a server of this datacenter. */
  request: (body: WanRequest, options: { timeoutMs: number; signal?: AbortSignal }) => Promise<unknown>;
  timers: Timers;
  logger: Logger;
}

/** See the module comment. */
export class ClientWan implements WanAccess {
  private list: string[] | undefined;
  private timer: TimerHandle | undefined;
  private closed = false;
  /** Client agents are not WAN members. */
  readonly address = undefined;

  constructor(private readonly o: ClientWanOptions) {}

  /** Starts refreshing the datacenter list. */
  start(): void {
    const round = (): void => {
      if (this.closed) return;
      this.timer = this.o.timers.after(WAN_DATACENTERS_REFRESH_MS, round);
      void this.refresh();
    };
    round();
  }

  private async refresh(): Promise<void> {
    try {
      const answer = await this.o.request({ t: "wanDatacenters" }, { timeoutMs: DATACENTERS_TIMEOUT_MS });
      if (Array.isArray(answer) && answer.every((d) => typeof d === "string")) {
        const rest = (answer as string[]).filter((d) => d !== this.o.datacenter).slice(0, DATACENTERS_MAX);
        this.list = [this.o.datacenter, ...rest];
      }
    } catch (err) {
      this.o.logger.debug({ component: "wan", err }, "could not fetch the datacenter list from a server");
    }
  }

  /** The servers' list, this datacenter first; only this one until a server has answered. */
  datacenters(): string[] {
    return [...(this.list ?? [this.o.datacenter])];
  }

  /**
   * Hands the request to a server of this datacenter, which forwards it.
   * Bounded like the server's own forward, plus a margin for the extra hop.
   * @throws NoPathToDatacenterError from the server; TimeoutError when no local server answers.
   */
  async forward(dc: string, request: ForwardedRequest, signal?: AbortSignal): Promise<ForwardedResponse> {
    const waitMs = blockingWaitOf(request.url);
    const timeoutMs = (waitMs > 0 ? waitMs + Math.ceil(waitMs / 16) + WAN_FORWARD_MARGIN_MS : WAN_FORWARD_TIMEOUT_MS) + WAN_FORWARD_MARGIN_MS;
    try {
      return (await this.o.request({ t: "dcForward", dc, r: request }, { timeoutMs, signal })) as ForwardedResponse;
    } catch (err) {
      // The server's error crosses the wire as a RemoteError: give SDK callers the typed one back.
      if (err instanceof DiscoError && err.code === "NO_PATH_TO_DC" && !(err instanceof NoPathToDatacenterError)) {
        throw new NoPathToDatacenterError(dc, err.message.replace(/^No path to datacenter "[^"]*":?\s*/, ""));
      }
      throw err;
    }
  }

  /** @throws WanUnavailableError always: only servers are members of the WAN pool. */
  members(): GossipMember[] {
    throw new WanUnavailableError("this is a client agent; only servers are WAN members");
  }

  /** @throws WanUnavailableError always: only servers join the WAN pool. */
  join(): Promise<number> {
    return Promise.reject(new WanUnavailableError("this is a client agent; only servers join the WAN pool"));
  }

  leave(): Promise<void> {
    return Promise.resolve();
  }

  close(): Promise<void> {
    this.closed = true;
    this.timer?.cancel();
    return Promise.resolve();
  }
}
