/**
 * Builds the policy a resolver's options name.
 *
 * @module
 */
import type { Rng } from "../../util/rng.js";
import type { ResolvedResolverOptions } from "../options.js";
import { LeastRequestPolicy } from "./least-request.js";
import { MaglevPolicy } from "./maglev.js";
import { PeakEwmaPolicy } from "./peak-ewma.js";
import type { Policy } from "./policy.js";
import { RandomPolicy } from "./random.js";
import { RingHashPolicy } from "./ring-hash.js";
import { RoundRobinPolicy } from "./round-robin.js";
import { WeightedPolicy } from "./weighted.js";

/**
 * A new, empty policy of the kind `options.policy` names; the caller must
 * `rebuild` it before the first pick.
 * @param rng - the policy's own random stream (fork it from the resolver's).
 */
export function createPolicy(options: ResolvedResolverOptions, rng: Rng): Policy {
  switch (options.policy) {
    case "round-robin":
      return new RoundRobinPolicy(rng);
    case "random":
      return new RandomPolicy(rng);
    case "weighted":
      return new WeightedPolicy(rng);
    case "least-request":
      return new LeastRequestPolicy(rng, options.choiceCount);
    case "peak-ewma":
      return new PeakEwmaPolicy(rng, options.decayMs);
    case "ring-hash":
      return new RingHashPolicy(rng, options.ringSizeMin, options.ringSizeMax);
    case "maglev":
      return new MaglevPolicy(rng, options.maglevTableSize);
  }
}
