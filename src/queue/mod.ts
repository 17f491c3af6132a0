/**
 * The queue engine: named queues of async tasks over a priority heap, with
 * workers gated by semaphores and de-duplication by key. It runs any async
 * task and knows nothing of bikes.
 *
 * @example
 * ```ts
 * import { Semaphore, TaskQueue } from "./mod.ts";
 * const queue = new TaskQueue("default", 2);
 * const perHost = new Semaphore("example.org", 1);
 * queue.push({ key: "a", semaphores: [perHost], run: async () => {} });
 * await queue.idle();
 * ```
 * @module
 */
export { Semaphore } from "./semaphore.ts";
export { PriorityHeap } from "./priority_heap.ts";
export { TaskQueue } from "./task_queue.ts";
export type { PushResult, QueueStats, Task } from "./task_queue.ts";
