/**
 * The interface every load-balancing policy implements.
 *
 * A policy is a pure, synchronous chooser over the resolver's endpoint table.
 * The resolver rebuilds it whenever the set or the usable subset changes
 * (rare; may allocate) and calls `pick` per request (hot; must not allocate,
 * must not read the clock).
 *
 * @module
 */
import type { Instance } from "../instance.js";

/** What a policy sees of the endpoint table at a rebuild. */
export interface EndpointView {
  /** Every instance, by position. */
  readonly instances: readonly Instance[];
  /** `instanceKey` of each position (stable identity for hashing). */
  readonly keys: readonly string[];
  /** Live in-flight counts by position; the resolver updates them in place between rebuilds. */
  readonly inflight: Float64Array;
  /** Positions the policy may pick from; never empty. Owned by the policy until the next rebuild. */
  readonly usable: Int32Array;
}

/** A load-balancing policy. */
export interface Policy {
  /**
   * Recomputes the policy's state for `view`.
   * @param moved - when the set itself changed, the old position of each new
   *   position (or -1 for a new instance), so per-instance state can follow
   *   it; null when only the usable subset changed.
   */
  rebuild(view: EndpointView, moved: Int32Array | null): void;
  /**
   * Chooses a position among `view.usable`. Synchronous, allocation-free.
   * @param key - request key for hashing policies; others ignore it. Without
   *   one, hashing policies choose a random point.
   */
  pick(key: string | undefined): number;
  /**
   * Completion feedback for the instance at `index`.
   * @param latencyMs - the request's latency, or NaN when not measured.
   * @param nowMs - the resolver's clock at completion.
   */
  complete(index: number, latencyMs: number, nowMs: number): void;
}
