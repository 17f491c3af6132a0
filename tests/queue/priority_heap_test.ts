import assert from "node:assert/strict";
import { PriorityHeap } from "../../src/queue/mod.ts";

Deno.test("PriorityHeap.pop() returns higher priorities first and FIFO within one", () => {
  const heap = new PriorityHeap<string>();
  const pushed: Array<[string, number]> = [
    ["a", 0],
    ["b", 5],
    ["c", 0],
    ["d", 5],
    ["e", -1],
    ["f", 10],
    ["g", 0],
  ];
  for (const [value, priority] of pushed) heap.push(value, priority);
  const expected = pushed
    .map(([value, priority], order) => ({ value, priority, order }))
    .sort((x, y) => y.priority - x.priority || x.order - y.order)
    .map((item) => item.value);
  const popped: string[] = [];
  while (heap.size > 0) popped.push(heap.pop()!);
  assert.deepEqual(popped, expected);
  assert.equal(heap.pop(), undefined);
});

Deno.test("PriorityHeap.push() with an old seq puts a value back at its place", () => {
  const heap = new PriorityHeap<string>();
  heap.push("first", 1);
  heap.push("second", 1);
  const entry = heap.popEntry()!;
  heap.push("third", 1);
  heap.push(entry.value, entry.priority, entry.seq);
  assert.deepEqual(heap.toSorted(), ["first", "second", "third"]);
});

Deno.test("PriorityHeap keeps order over many random pushes", () => {
  const heap = new PriorityHeap<number>();
  const values = Array.from({ length: 500 }, (_, i) => ({ i, priority: (i * 7919) % 13 }));
  for (const { i, priority } of values) heap.push(i, priority);
  const expected = values.sort((a, b) => b.priority - a.priority || a.i - b.i).map((v) => v.i);
  const popped: number[] = [];
  while (heap.size > 0) popped.push(heap.pop()!);
  assert.deepEqual(popped, expected);
});
