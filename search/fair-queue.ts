/**
 * Fair queueing over lanes (one lane per request): each shift takes the next job of the lane that has had the
 * fewest jobs dispatched, ties going to the lane served longest ago. A lane that arrives starts level with
 * the least-served waiting lane, so a one-cell request goes next, before the next job of a 10,000-cell
 * request, and a stream of small requests still leaves the big one every other turn.
 */
interface Lane<T> {
  readonly items: T[];
  served: number;
  /** Dispatch number of the lane's last job; −1 before its first. */
  last: number;
}

export class FairQueue<T> {
  private readonly lanes = new Map<number, Lane<T>>();
  private count = 0;
  private dispatches = 0;

  get size(): number {
    return this.count;
  }

  push(lane: number, item: T): void {
    const l = this.lanes.get(lane);
    if (l) l.items.push(item);
    else {
      let min = Infinity;
      for (const other of this.lanes.values()) min = Math.min(min, other.served);
      this.lanes.set(lane, { items: [item], served: Number.isFinite(min) ? min : 0, last: -1 });
    }
    this.count++;
  }

  /** The next job in turn among the lanes `eligible` allows, or undefined when there is none. */
  shift(eligible: (lane: number) => boolean = () => true): T | undefined {
    let best: [number, Lane<T>] | undefined;
    for (const entry of this.lanes) {
      const l = entry[1];
      if (!eligible(entry[0])) continue;
      if (!best || l.served < best[1].served || (l.served === best[1].served && l.last < best[1].last)) best = entry;
    }
    if (!best) return undefined;
    const [id, l] = best;
    const item = l.items.shift()!;
    l.served++;
    l.last = this.dispatches++;
    if (l.items.length === 0) this.lanes.delete(id);
    this.count--;
    return item;
  }

  /** Removes and returns every queued job. */
  drain(): T[] {
    const all = [...this.lanes.values()].flatMap((l) => l.items);
    this.lanes.clear();
    this.count = 0;
    return all;
  }
}
