/**
 * A binary heap ordered by priority (higher first) and, within one priority,
 * by insertion order (FIFO), so equal-priority tasks never starve each other.
 */
export class PriorityHeap<T> {
  #items: Array<{ value: T; priority: number; seq: number }> = [];
  #seq = 0;

  get size(): number {
    return this.#items.length;
  }

  /** Adds a value; `seq` puts a value back at its old place in the FIFO order. */
  push(value: T, priority: number, seq: number = this.#seq++): number {
    this.#items.push({ value, priority, seq });
    this.#up(this.#items.length - 1);
    return seq;
  }

  peek(): T | undefined {
    return this.#items[0]?.value;
  }

  pop(): T | undefined {
    return this.popEntry()?.value;
  }

  /** Removes the top value with the priority and place it was pushed with. */
  popEntry(): { value: T; priority: number; seq: number } | undefined {
    const items = this.#items;
    const top = items[0];
    const last = items.pop();
    if (top === undefined || last === undefined) return undefined;
    if (items.length > 0) {
      items[0] = last;
      this.#down(0);
    }
    return top;
  }

  /** Every value, highest first; for inspection, not for the hot path. */
  toSorted(): T[] {
    return [...this.#items].sort((a, b) => this.#compare(a, b)).map((item) => item.value);
  }

  #compare(a: { priority: number; seq: number }, b: { priority: number; seq: number }): number {
    return b.priority - a.priority || a.seq - b.seq;
  }

  #up(index: number): void {
    const items = this.#items;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (this.#compare(items[index]!, items[parent]!) >= 0) break;
      [items[index], items[parent]] = [items[parent]!, items[index]!];
      index = parent;
    }
  }

  #down(index: number): void {
    const items = this.#items;
    for (;;) {
      const left = 2 * index + 1;
      const right = left + 1;
      let best = index;
      if (left < items.length && this.#compare(items[left]!, items[best]!) < 0) best = left;
      if (right < items.length && this.#compare(items[right]!, items[best]!) < 0) best = right;
      if (best === index) return;
      [items[index], items[best]] = [items[best]!, items[index]!];
      index = best;
    }
  }
}
