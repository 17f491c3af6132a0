/**
 * A binary heap over any comparator whose items can be removed from the
 * middle in O(log n): each item keeps its own position through `slot`. One
 * item may sit in several heaps at once (the queue keeps every waiting task in
 * a "best first" heap and in a "lowest first" heap for drop-lowest), so each
 * heap names the field it writes.
 */
export class RankedHeap<T> {
  #items: T[] = [];
  #before: (a: T, b: T) => boolean;
  #slot: { get(item: T): number; set(item: T, index: number): void };

  /**
   * @param before true when `a` must come out before `b`.
   * @param slot where an item keeps its index in this heap (-1 when out of it).
   */
  constructor(
    before: (a: T, b: T) => boolean,
    slot: { get(item: T): number; set(item: T, index: number): void },
  ) {
    this.#before = before;
    this.#slot = slot;
  }

  get size(): number {
    return this.#items.length;
  }

  peek(): T | undefined {
    return this.#items[0];
  }

  push(item: T): void {
    this.#items.push(item);
    this.#slot.set(item, this.#items.length - 1);
    this.#up(this.#items.length - 1);
  }

  pop(): T | undefined {
    const top = this.#items[0];
    if (top !== undefined) this.#removeAt(0);
    return top;
  }

  /** Takes an item out wherever it is; false when it is not in this heap. */
  remove(item: T): boolean {
    const index = this.#slot.get(item);
    if (index < 0 || this.#items[index] !== item) return false;
    this.#removeAt(index);
    return true;
  }

  /** Every item in no particular order; for inspection and teardown. */
  values(): readonly T[] {
    return this.#items;
  }

  /** Empties the heap, marking every item as out of it. */
  clear(): T[] {
    const items = this.#items;
    this.#items = [];
    for (const item of items) this.#slot.set(item, -1);
    return items;
  }

  #removeAt(index: number): void {
    const items = this.#items;
    const removed = items[index]!;
    const last = items.pop()!;
    this.#slot.set(removed, -1);
    if (index === items.length) return;
    items[index] = last;
    this.#slot.set(last, index);
    this.#up(index);
    this.#down(this.#slot.get(last));
  }

  #up(index: number): void {
    const items = this.#items;
    const item = items[index]!;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      const above = items[parent]!;
      if (!this.#before(item, above)) break;
      items[index] = above;
      this.#slot.set(above, index);
      index = parent;
    }
    items[index] = item;
    this.#slot.set(item, index);
  }

  #down(index: number): void {
    const items = this.#items;
    const item = items[index]!;
    const length = items.length;
    for (;;) {
      const left = 2 * index + 1;
      if (left >= length) break;
      const right = left + 1;
      let child = left;
      if (right < length && this.#before(items[right]!, items[left]!)) child = right;
      const below = items[child]!;
      if (!this.#before(below, item)) break;
      items[index] = below;
      this.#slot.set(below, index);
      index = child;
    }
    items[index] = item;
    this.#slot.set(item, index);
  }
}
