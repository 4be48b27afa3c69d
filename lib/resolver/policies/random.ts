/**
 * `random`: a uniformly random usable instance per pick (Envoy's `RANDOM`).
 * Needs no state and no feedback; spreads well when clients are many.
 *
 * @module
 */
import type { Rng } from "../../util/rng.js";
import type { EndpointView, Policy } from "./policy.js";

/** Picks uniformly at random. */
export class RandomPolicy implements Policy {
  private readonly rng: Rng;
  private usable: Int32Array = new Int32Array(0);

  constructor(rng: Rng) {
    this.rng = rng;
  }

  rebuild(view: EndpointView): void {
    this.usable = view.usable;
  }

  pick(): number {
    return this.usable[this.rng.int(this.usable.length)]!;
  }

  complete(): void {}
}
