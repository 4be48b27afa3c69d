/** Helpers for driving one SwimCore by hand in unit tests. */
import { ManualClock } from "../../lib/util/clock.js";
import { SeededRng } from "../../lib/util/rng.js";
import { SwimCore, type SwimCoreOptions } from "../../lib/membership/core.js";
import type { Address, AliveMessage, MemberEvent, OutboundPacket, SwimMessage } from "../../lib/membership/types.js";

export interface Harness {
  core: SwimCore;
  clock: ManualClock;
  /** Address of member `name` in these tests. */
  addr(name: string): Address;
  /** Teaches the core that these members are alive (incarnation 0). */
  meet(...names: string[]): void;
  /** Moves the clock to the core's next deadline (at most `capMs` ahead) and ticks. */
  step(capMs?: number): void;
  /** Advances the clock by `ms` in deadline-sized steps, ticking at each. */
  advance(ms: number): void;
  /** Like advance, but every ping the core sends is acked at once (a healthy network); returns the packets. */
  advanceAcking(ms: number): OutboundPacket[];
  /** Events drained by advanceAcking. */
  events: MemberEvent[];
  /** Drains and returns the packets. */
  packets(): OutboundPacket[];
}

export const addrOf = (name: string): Address => ({ address: `10.1.0.${Number(name.replace(/\D/g, "")) || 0}`, port: 7000 + name.length });

export function aliveOf(name: string, incarnation = 0): AliveMessage {
  const a = addrOf(name);
  return { type: "alive", node: name, incarnation, address: a.address, port: a.port, meta: {} };
}

export function harness(extra: Partial<SwimCoreOptions> = {}, seed = 1): Harness {
  const clock = new ManualClock(1_000_000);
  const me = addrOf("self0");
  const core = new SwimCore({ name: "self0", address: me.address, port: me.port, clock, rng: new SeededRng(seed), ...extra });
  const h: Harness = {
    core,
    clock,
    addr: addrOf,
    meet(...names) {
      core.receivePacket(addrOf(names[0]!), names.map((n) => aliveOf(n)));
    },
    step(capMs = 60_000) {
      const next = core.nextDeadlineMs();
      const to = Math.min(next, clock.nowMs() + capMs);
      if (to > clock.nowMs()) clock.advance(to - clock.nowMs());
      core.tick();
    },
    advance(ms) {
      const end = clock.nowMs() + ms;
      while (clock.nowMs() < end) h.step(end - clock.nowMs());
    },
    advanceAcking(ms) {
      const end = clock.nowMs() + ms;
      const all: OutboundPacket[] = [];
      while (clock.nowMs() < end) {
        h.step(end - clock.nowMs());
        const out = core.drain();
        const packets = out.packets;
        h.events.push(...out.events);
        all.push(...packets);
        for (const p of packets) {
          for (const m of p.msgs) if (m.type === "ping") core.receivePacket(p.to, [{ type: "ack", seq: m.seq }]);
        }
      }
      return all;
    },
    events: [],
    packets() {
      return core.drain().packets;
    },
  };
  return h;
}

/** Messages of one type across packets, with their destination. */
export function find<T extends SwimMessage["type"]>(
  packets: OutboundPacket[],
  type: T,
): { to: Address; msg: Extract<SwimMessage, { type: T }> }[] {
  const out: { to: Address; msg: Extract<SwimMessage, { type: T }> }[] = [];
  for (const p of packets) for (const m of p.msgs) if (m.type === type) out.push({ to: p.to, msg: m as Extract<SwimMessage, { type: T }> });
  return out;
}
