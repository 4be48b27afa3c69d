/**
 * `round-robin`: each usable instance in turn, starting at a random position
 * so that many clients started together do not all hit the same instance
 * first (grpc-js does the same).
 *
 * @module
 */
import type { Rng } from "../../util/rng.js";
import type { EndpointView, Policy } from "./policy.js";

/** Rotates through the usable instances in key order. */
export class RoundRobinPolicy implements Policy {
  private readonly rng: Rng;
  private usable: Int32Array = new Int32Array(0);
  private cursor = -1;

  constructor(rng: Rng) {
    this.rng = rng;
  }

  rebuild(view: EndpointView): void {
    this.usable = view.usable;
    // The start is drawn once; later rebuilds carry on from where the rotation stood.
    this.cursor = this.cursor < 0 ? this.rng.int(view.usable.length) : this.cursor % view.usable.length;
  }

  pick(): number {
    const usable = this.usable;
    let cursor = this.cursor;
    const index = usable[cursor]!;
    if (++cursor === usable.length) cursor = 0;
    this.cursor = cursor;
    return index;
  }

  complete(): void {}
}
