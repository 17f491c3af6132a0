/**
 * The queue engine: named queues of async tasks over a priority heap, with
 * workers gated by semaphores (global, per class, per network: any you like),
 * de-duplication by key, an optional prevent-requeue window, a bounded size
 * with an explicit overflow policy, retries with exponential back-off and
 * jitter, and a circuit breaker per key. It runs any async task and knows
 * nothing of bikes.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { CircuitBreaker, Semaphore, TaskQueue } from "./mod.ts";
 *
 * const queue = new TaskQueue("default", 2, {
 *   maxSize: 1000,
 *   overflow: "drop-lowest",
 *   breaker: new CircuitBreaker({ defaults: { failures: 3 } }),
 * });
 * const perHost = new Semaphore("example.org", 1);
 * assert.equal(queue.push({ key: "a", semaphores: [perHost], retries: 2, run: async () => {} }), "queued");
 * assert.equal(queue.push({ key: "a", run: async () => {} }), "duplicate");
 * await queue.idle();
 * await queue.close();
 * ```
 * @module
 */
export { Semaphore } from "./semaphore.ts";
export { PriorityHeap } from "./priority_heap.ts";
export { QueueClosedError, TaskQueue } from "./task_queue.ts";
export type {
  FailureInfo,
  OverflowPolicy,
  PushResult,
  QueueStats,
  Task,
  TaskQueueOptions,
} from "./task_queue.ts";
export { backoffDelayMs } from "./backoff.ts";
export {
  type BreakerSettings,
  type BreakerState,
  CircuitBreaker,
  DEFAULT_BREAKER,
} from "./circuit_breaker.ts";
