/** What the heap needs of a job: when it is due and where it sits. */
export interface DueItem {
  /** Epoch milliseconds, jitter included. */
  due: number;
  /** Position in the heap; -1 when out of it (paused, stopped, or no run left). */
  heapIndex: number;
}

/**
 * A binary min-heap of jobs by due time, with removal from the middle in
 * O(log n) (each job keeps its own index), so pausing or stopping one job of
 * ten thousand is as cheap as firing one.
 */
export class DueHeap<T extends DueItem> {
  #items: T[] = [];

  get size(): number {
    return this.#items.length;
  }

  /** The job due first. */
  peek(): T | undefined {
    return this.#items[0];
  }

  push(item: T): void {
    item.heapIndex = this.#items.length;
    this.#items.push(item);
    this.#up(item.heapIndex);
  }

  /** Takes a job out wherever it is; false when it was not in. */
  remove(item: T): boolean {
    const index = item.heapIndex;
    if (index < 0 || this.#items[index] !== item) return false;
    const last = this.#items.pop()!;
    item.heapIndex = -1;
    if (last !== item) {
      this.#items[index] = last;
      last.heapIndex = index;
      this.#down(index);
      this.#up(last.heapIndex);
    }
    return true;
  }

  /** Puts a job back in order after its due time moved later (the head, just fired). */
  moved(item: T): void {
    this.#down(item.heapIndex);
    this.#up(item.heapIndex);
  }

  /** Empties the heap, marking every job as out of it. */
  clear(): void {
    for (const item of this.#items) item.heapIndex = -1;
    this.#items = [];
  }

  #up(index: number): void {
    const items = this.#items;
    const item = items[index]!;
    while (index > 0) {
      const parentIndex = (index - 1) >> 1;
      const parent = items[parentIndex]!;
      if (parent.due <= item.due) break;
      items[index] = parent;
      parent.heapIndex = index;
      index = parentIndex;
    }
    items[index] = item;
    item.heapIndex = index;
  }

  #down(index: number): void {
    const items = this.#items;
    const length = items.length;
    const item = items[index]!;
    for (;;) {
      const left = 2 * index + 1;
      if (left >= length) break;
      const right = left + 1;
      const child = right < length && items[right]!.due < items[left]!.due ? right : left;
      const next = items[child]!;
      if (next.due >= item.due) break;
      items[index] = next;
      next.heapIndex = index;
      index = child;
    }
    items[index] = item;
    item.heapIndex = index;
  }
}
