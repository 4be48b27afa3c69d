/** A discrete-event queue: callbacks ordered by simulated time, ties in scheduling order. */
interface Event {
  at: number;
  seq: number;
  fn: () => void;
}

export class EventQueue {
  private heap: Event[] = [];
  private seq = 0;
  /** Current simulated time in ms. */
  now = 0;

  at(time: number, fn: () => void): void {
    this.push({ at: Math.max(time, this.now), seq: this.seq++, fn });
  }

  after(ms: number, fn: () => void): void {
    this.at(this.now + ms, fn);
  }

  /** Runs events until `until` (inclusive) or the queue empties. Bounded by `eventsMax`. */
  runUntil(until: number, eventsMax = 50_000_000): void {
    let n = 0;
    while (this.heap.length > 0 && this.heap[0]!.at <= until) {
      if (++n > eventsMax) throw new Error("simulation exceeded its event bound");
      const e = this.pop();
      this.now = e.at;
      e.fn();
    }
    this.now = Math.max(this.now, until);
  }

  private less(a: Event, b: Event): boolean {
    return a.at < b.at || (a.at === b.at && a.seq < b.seq);
  }

  private push(e: Event): void {
    const h = this.heap;
    h.push(e);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(h[i]!, h[p]!)) break;
      [h[i], h[p]] = [h[p]!, h[i]!];
      i = p;
    }
  }

  private pop(): Event {
    const h = this.heap;
    const top = h[0]!;
    const last = h.pop()!;
    if (h.length > 0) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && this.less(h[l]!, h[m]!)) m = l;
        if (r < h.length && this.less(h[r]!, h[m]!)) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m]!, h[i]!];
        i = m;
      }
    }
    return top;
  }
}
