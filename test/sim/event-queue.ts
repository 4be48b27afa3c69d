import { TimedHeap } from "./timed-heap.js";

/** A discrete-event queue: callbacks ordered by simulated time, ties in scheduling order. */
interface Event {
  at: number;
  seq: number;
  fn: () => void;
}

export class EventQueue {
  private heap = new TimedHeap<Event>();
  private seq = 0;
  /** Current simulated time in ms. */
  now = 0;

  at(time: number, fn: () => void): void {
    this.heap.push({ at: Math.max(time, this.now), seq: this.seq++, fn });
  }

  after(ms: number, fn: () => void): void {
    this.at(this.now + ms, fn);
  }

  /** Runs events until `until` (inclusive) or the queue empties. Bounded by `eventsMax`. */
  runUntil(until: number, eventsMax = 50_000_000): void {
    let n = 0;
    while (this.heap.size > 0 && this.heap.peek()!.at <= until) {
      if (++n > eventsMax) throw new Error("simulation exceeded its event bound");
      const e = this.heap.pop();
      this.now = e.at;
      e.fn();
    }
    this.now = Math.max(this.now, until);
  }
}
