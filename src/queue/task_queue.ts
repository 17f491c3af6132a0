import { getLogger } from "@logtape/logtape";
import { PriorityHeap } from "./priority_heap.ts";
import type { Semaphore } from "./semaphore.ts";

const log = getLogger(["spoke", "queue"]);

/** Any async work the queue can run. The queue knows nothing of what it does. */
export interface Task {
  /** De-duplication key: a task whose key is queued or running is not queued again. */
  key: string;
  /** Higher runs first; FIFO within one priority. */
  priority?: number;
  /** All must have a free permit before the task takes a worker; taken together, released on every path. */
  semaphores?: readonly Semaphore[];
  /** Aborts the task's signal after this long. */
  timeoutMs?: number;
  run(signal: AbortSignal): Promise<void>;
}

/** What became of a push. */
export type PushResult = "queued" | "duplicate" | "closed";

/** Counters of one queue. */
export interface QueueStats {
  name: string;
  workers: number;
  depth: number;
  running: number;
  queued: number;
  completed: number;
  failed: number;
  duplicates: number;
  /** Total milliseconds tasks spent waiting between push and start. */
  waitMsTotal: number;
}

interface Entry {
  task: Task;
  queuedAt: number;
}

/**
 * A named queue with a fixed number of workers over a priority heap.
 *
 * A task whose semaphores are full does not hold a worker: the queue starts
 * the best task that can run now and comes back to the blocked one when a
 * permit is released (no head-of-line blocking).
 */
export class TaskQueue {
  readonly name: string;
  readonly workers: number;
  #heap = new PriorityHeap<Entry>();
  #keys = new Set<string>();
  #running = new Map<Task, AbortController>();
  #watched = new Set<Semaphore>();
  #unwatch: Array<() => void> = [];
  #pumping = false;
  #pumpAgain = false;
  #closed = false;
  #idleWaiters: Array<() => void> = [];
  #stats = { queued: 0, completed: 0, failed: 0, duplicates: 0, waitMsTotal: 0 };
  #onError: (task: Task, error: unknown) => void;

  constructor(
    name: string,
    workers: number,
    options: { onError?: (task: Task, error: unknown) => void } = {},
  ) {
    if (!Number.isInteger(workers) || workers < 1) {
      throw new RangeError(`queue ${name}: workers must be a positive integer, got ${workers}`);
    }
    this.name = name;
    this.workers = workers;
    this.#onError = options.onError ??
      ((task, error) => log.error("task {key} failed: {error}", { key: task.key, error }));
  }

  /** Queues a task unless one with the same key is queued or running. */
  push(task: Task): PushResult {
    if (this.#closed) return "closed";
    if (this.#keys.has(task.key)) {
      this.#stats.duplicates++;
      return "duplicate";
    }
    this.#keys.add(task.key);
    for (const semaphore of task.semaphores ?? []) this.#watch(semaphore);
    this.#heap.push({ task, queuedAt: performance.now() }, task.priority ?? 0);
    this.#stats.queued++;
    this.#pump();
    return "queued";
  }

  /** Whether a task with this key is queued or running. */
  has(key: string): boolean {
    return this.#keys.has(key);
  }

  stats(): QueueStats {
    return {
      name: this.name,
      workers: this.workers,
      depth: this.#heap.size,
      running: this.#running.size,
      ...this.#stats,
    };
  }

  /** Resolves once nothing is queued or running. */
  idle(): Promise<void> {
    if (this.#heap.size === 0 && this.#running.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  /**
   * Stops taking tasks, drops the queued ones, waits for the running ones up
   * to `graceMs`, then aborts what is left and waits for it to settle.
   */
  async close(graceMs = 0): Promise<void> {
    this.#closed = true;
    while (this.#heap.size > 0) {
      const entry = this.#heap.pop();
      if (entry) this.#keys.delete(entry.task.key);
    }
    for (const unwatch of this.#unwatch) unwatch();
    this.#unwatch = [];
    if (this.#running.size > 0 && graceMs > 0) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        this.idle(),
        new Promise<void>((resolve) => timer = setTimeout(resolve, graceMs)),
      ]);
      clearTimeout(timer);
    }
    for (const controller of this.#running.values()) controller.abort(new Error("shutting down"));
    await this.idle();
  }

  #watch(semaphore: Semaphore): void {
    if (this.#watched.has(semaphore)) return;
    this.#watched.add(semaphore);
    this.#unwatch.push(semaphore.onRelease(() => this.#pump()));
  }

  #pump(): void {
    // Releases inside a pump call back into it; run the loop once more instead of recursing.
    if (this.#pumping) {
      this.#pumpAgain = true;
      return;
    }
    this.#pumping = true;
    try {
      do {
        this.#pumpAgain = false;
        this.#startRunnable();
      } while (this.#pumpAgain);
    } finally {
      this.#pumping = false;
    }
  }

  #startRunnable(): void {
    const blocked: Array<{ value: Entry; priority: number; seq: number }> = [];
    while (this.#running.size < this.workers && this.#heap.size > 0) {
      const entry = this.#heap.popEntry()!;
      const permits = acquireAll(entry.value.task.semaphores ?? []);
      if (permits) this.#start(entry.value, permits);
      else blocked.push(entry);
    }
    for (const entry of blocked) this.#heap.push(entry.value, entry.priority, entry.seq);
  }

  #start(entry: Entry, permits: Disposable[]): void {
    const { task } = entry;
    const controller = new AbortController();
    this.#running.set(task, controller);
    this.#stats.waitMsTotal += performance.now() - entry.queuedAt;
    const signal = task.timeoutMs
      ? AbortSignal.any([controller.signal, AbortSignal.timeout(task.timeoutMs)])
      : controller.signal;
    const settle = (failed: boolean) => {
      this.#running.delete(task);
      this.#keys.delete(task.key);
      if (failed) this.#stats.failed++;
      else this.#stats.completed++;
      // Released last, so the wake-up they cause sees this worker free.
      for (const permit of permits.reverse()) permit[Symbol.dispose]();
      this.#pump();
      if (this.#heap.size === 0 && this.#running.size === 0) {
        for (const resolve of this.#idleWaiters.splice(0)) resolve();
      }
    };
    // Started on a microtask so push() returns before the task body runs.
    queueMicrotask(() => {
      let run: Promise<void>;
      try {
        run = task.run(signal);
      } catch (error) {
        run = Promise.reject(error);
      }
      run.then(
        () => settle(false),
        (error) => {
          this.#onError(task, error);
          settle(true);
        },
      );
    });
  }
}

/** Takes one permit of each semaphore, or none at all. */
function acquireAll(semaphores: readonly Semaphore[]): Disposable[] | undefined {
  // Checked before taking any, so a failed attempt releases nothing and wakes no one.
  if (semaphores.some((semaphore) => semaphore.available === 0)) return undefined;
  return semaphores.map((semaphore) => semaphore.tryAcquire()!);
}
