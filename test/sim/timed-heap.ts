/** Something scheduled at a simulated time; `seq` breaks ties in scheduling order. */
export interface Timed {
  at: number;
  seq: number;
}

/** A binary min-heap of timed items: earliest first, ties in scheduling order. Shared by the simulators' clocks. */
export class TimedHeap<T extends Timed> {
  private readonly h: T[] = [];

  get size(): number {
    return this.h.length;
  }

  /** The earliest item, without removing it. */
  peek(): T | undefined {
    return this.h[0];
  }

  push(item: T): void {
    const h = this.h;
    h.push(item);
    for (let i = h.length - 1; i > 0;) {
      const parent = (i - 1) >> 1;
      if (!less(h[i]!, h[parent]!)) break;
      [h[i], h[parent]] = [h[parent]!, h[i]!];
      i = parent;
    }
  }

  /** Removes and returns the earliest item (the heap must not be empty). */
  pop(): T {
    const h = this.h;
    const top = h[0]!;
    const last = h.pop()!;
    if (h.length > 0) {
      h[0] = last;
      for (let i = 0; ;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && less(h[l]!, h[m]!)) m = l;
        if (r < h.length && less(h[r]!, h[m]!)) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m]!, h[i]!];
        i = m;
      }
    }
    return top;
  }
}

function less(a: Timed, b: Timed): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}
