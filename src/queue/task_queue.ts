import { getLogger } from "@logtape/logtape";
import type { Counter, Gauge, Histogram, MetricsRegistry } from "../metrics/mod.ts";
import { backoffDelayMs } from "./backoff.ts";
import type { BreakerSettings, CircuitBreaker } from "./circuit_breaker.ts";
import { RankedHeap } from "./_ranked_heap.ts";
import type { Semaphore } from "./semaphore.ts";

const log = getLogger(["spoke", "queue"]);

/** Any async work the queue can run. The queue knows nothing of what it does. */
export interface Task {
  /** De-duplication key: a task whose key is queued, running or waiting to retry is not queued again. */
  key: string;
  /** Higher runs first; FIFO within one priority. */
  priority?: number;
  /**
   * All must have a free permit before the task takes a worker; taken together
   * (all or none, so no order can deadlock), released on every path.
   */
  semaphores?: readonly Semaphore[];
  /** Aborts the task's signal after this long, per attempt. */
  timeoutMs?: number;
  /** Further attempts after a failure (0: none). */
  retries?: number;
  /** Base delay of the first retry; each next one doubles it, with jitter. */
  backoffMs?: number;
  /** The longest delay between two attempts. */
  backoffMaxMs?: number;
  /** After the task settles, pushes of its key are refused for this long. */
  preventRequeueMs?: number;
  /** This task's breaker limits, over the queue breaker's defaults. */
  breaker?: Partial<BreakerSettings>;
  run(signal: AbortSignal): Promise<void>;
}

/**
 * What became of a push: queued; refused because the key is queued or
 * running (`duplicate`), ran too recently (`recent`), its breaker is open
 * (`open`), the queue is full (`full`) or closed (`closed`).
 */
export type PushResult = "queued" | "duplicate" | "recent" | "open" | "full" | "closed";

/** What a full queue does with one more task. */
export type OverflowPolicy = "reject" | "drop-lowest";

/** How a failed attempt went, for `onError`. */
export interface FailureInfo {
  /** 0 for the first run. */
  attempt: number;
  /** Milliseconds until the next attempt, when there is one. */
  retryInMs?: number;
  /** Aborted because the queue closed: not the task's fault. */
  aborted: boolean;
}

export interface TaskQueueOptions {
  /** Called on every failed attempt (default: a log line). */
  onError?: (task: Task, error: unknown, info: FailureInfo) => void;
  /** Called with each queued task the overflow policy pushed out. */
  onDrop?: (task: Task) => void;
  /** Most tasks waiting (not running); default unbounded. */
  maxSize?: number;
  /** When full: refuse the new task (default) or push out the lowest-ranked one. */
  overflow?: OverflowPolicy;
  /** Refuses keys whose breaker is open and records every outcome in it. */
  breaker?: CircuitBreaker;
  /** Where the queue records depth, waits, durations and every count. */
  metrics?: MetricsRegistry;
  /** Jitter source of the retry back-off. */
  random?: () => number;
}

/** Counters of one queue. */
export interface QueueStats {
  name: string;
  workers: number;
  /** Tasks waiting for a worker or a permit. */
  depth: number;
  running: number;
  /** Tasks waiting for their back-off before another attempt. */
  retrying: number;
  /** Most tasks waiting; Infinity when unbounded. */
  maxSize: number;
  queued: number;
  completed: number;
  /** Tasks that failed their last attempt. */
  failed: number;
  /** Retries scheduled. */
  retries: number;
  /** Running tasks aborted by close(). */
  aborted: number;
  duplicates: number;
  /** Pushes refused inside the prevent-requeue window. */
  recent: number;
  /** Pushes refused because the key's breaker is open. */
  open: number;
  /** Pushes refused because the queue was full. */
  rejected: number;
  /** Queued tasks pushed out by drop-lowest. */
  dropped: number;
  /** Total milliseconds tasks spent waiting between push and start. */
  waitMsTotal: number;
}

interface Entry {
  task: Task;
  priority: number;
  seq: number;
  queuedAt: number;
  /** 0 for the first run. */
  attempt: number;
  /** Position in the ready heap or in the parked heap it sits in. */
  rankIndex: number;
  /** Position in the lowest-first heap (drop-lowest only). */
  lowIndex: number;
}

interface Running {
  controller: AbortController;
  startedAt: number;
  /** performance.now() after which the attempt is aborted; Infinity without a timeout. */
  deadline: number;
  timeoutMs: number;
}

interface QueueMetrics {
  depth: ReturnType<Gauge["labels"]>;
  running: ReturnType<Gauge["labels"]>;
  wait: ReturnType<Histogram["labels"]>;
  duration: ReturnType<Histogram["labels"]>;
  counters: Record<
    | "completed"
    | "failed"
    | "retries"
    | "aborted"
    | "duplicates"
    | "recent"
    | "open"
    | "rejected"
    | "dropped",
    ReturnType<Counter["labels"]>
  >;
}

const bestFirst = (a: Entry, b: Entry) =>
  a.priority > b.priority || (a.priority === b.priority && a.seq < b.seq);
const lowestFirst = (a: Entry, b: Entry) =>
  a.priority < b.priority || (a.priority === b.priority && a.seq > b.seq);
const rankSlot = {
  get: (entry: Entry) => entry.rankIndex,
  set: (entry: Entry, index: number) => void (entry.rankIndex = index),
};
const lowSlot = {
  get: (entry: Entry) => entry.lowIndex,
  set: (entry: Entry, index: number) => void (entry.lowIndex = index),
};

/** The abort reason of tasks still running when close() gives up on them. */
export class QueueClosedError extends Error {
  override name = "QueueClosedError";
}

/**
 * A named queue with a number of workers over a priority heap.
 *
 * A task whose semaphores are full does not hold a worker: it is parked on
 * the semaphore that stopped it, and the queue starts the best task that can
 * run now. A release wakes only as many parked tasks as it freed permits, so
 * ten thousand blocked tasks cost nothing per release beyond a heap step.
 */
export class TaskQueue {
  readonly name: string;
  #workers: number;
  #maxSize: number;
  #overflow: OverflowPolicy;
  #ready = new RankedHeap<Entry>(bestFirst, rankSlot);
  /** Tasks blocked by a semaphore, by the semaphore, best first. */
  #parked = new Map<Semaphore, RankedHeap<Entry>>();
  /** Semaphores released since the last pump. */
  #released = new Set<Semaphore>();
  #lowest?: RankedHeap<Entry>;
  #depth = 0;
  #seq = 0;
  #keys = new Set<string>();
  /** Key → epoch ms until which a push is refused. */
  #recent = new Map<string, number>();
  #running = new Map<Entry, Running>();
  #retryTimers = new Map<Entry, ReturnType<typeof setTimeout>>();
  /**
   * One timer for the timeouts of every running task, armed for the earliest
   * deadline. A timeout signal per task (AbortSignal.timeout, joined with the
   * queue's own by AbortSignal.any) cost a timer that outlived the task by its
   * whole timeout and a dependent signal per run.
   */
  #deadlineTimer: ReturnType<typeof setTimeout> | undefined;
  #deadlineAt = Infinity;
  /**
   * Release listeners, only on the semaphores that have tasks parked: a
   * listener on every network's semaphore (10,000 of them, each with its
   * closures) cost about 0.5 KB of heap per network for nothing while nothing waits.
   */
  #watched = new Map<Semaphore, () => void>();
  #pumping = false;
  #pumpAgain = false;
  #closed = false;
  #idleWaiters: Array<() => void> = [];
  #stats = {
    queued: 0,
    completed: 0,
    failed: 0,
    retries: 0,
    aborted: 0,
    duplicates: 0,
    recent: 0,
    open: 0,
    rejected: 0,
    dropped: 0,
    waitMsTotal: 0,
  };
  #onError: (task: Task, error: unknown, info: FailureInfo) => void;
  #onDrop?: (task: Task) => void;
  #breaker?: CircuitBreaker;
  #metrics?: QueueMetrics;
  #random: () => number;

  constructor(name: string, workers: number, options: TaskQueueOptions = {}) {
    checkWorkers(name, workers);
    const maxSize = checkMaxSize(name, options.maxSize ?? Infinity);
    const overflow = checkOverflow(name, options.overflow ?? "reject");
    this.name = name;
    this.#workers = workers;
    this.#maxSize = maxSize;
    this.#overflow = overflow;
    this.#syncLowest();
    this.#onError = options.onError ??
      ((task, error, info) =>
        log.error("task {key} failed (attempt {attempt}): {error}", {
          key: task.key,
          attempt: info.attempt + 1,
          error,
        }));
    this.#onDrop = options.onDrop;
    this.#breaker = options.breaker;
    this.#random = options.random ?? Math.random;
    if (options.metrics) this.#metrics = queueMetrics(options.metrics, name);
  }

  get workers(): number {
    return this.#workers;
  }

  /** Changes the number of workers; running tasks above a lower count finish first. */
  resize(workers: number): void {
    checkWorkers(this.name, workers);
    this.#workers = workers;
    this.#pump();
  }

  /** Most tasks waiting; Infinity when unbounded. */
  get maxSize(): number {
    return this.#maxSize;
  }

  get overflow(): OverflowPolicy {
    return this.#overflow;
  }

  /**
   * Changes the most tasks waiting and the overflow policy (a reloaded
   * config); what is left out keeps its value. Tasks already waiting above a
   * smaller size stay queued (nothing is lost); new pushes meet the new limit.
   * Bad values throw a RangeError and change nothing.
   */
  configure(options: { maxSize?: number; overflow?: OverflowPolicy }): void {
    const maxSize = checkMaxSize(this.name, options.maxSize ?? this.#maxSize);
    const overflow = checkOverflow(this.name, options.overflow ?? this.#overflow);
    this.#maxSize = maxSize;
    this.#overflow = overflow;
    this.#syncLowest();
  }

  /**
   * Queues a task unless its key is queued, running, waiting to retry or
   * inside its prevent-requeue window, its breaker is open, or the queue is
   * full (then the overflow policy decides).
   */
  push(task: Task): PushResult {
    if (this.#closed) return "closed";
    const { key } = task;
    if (this.#keys.has(key)) return this.#count("duplicates", "duplicate");
    const until = this.#recent.get(key);
    if (until !== undefined) {
      if (until > Date.now()) return this.#count("recent", "recent");
      this.#recent.delete(key);
    }
    if (this.#breaker && !this.#breaker.allow(key)) return this.#count("open", "open");
    const priority = task.priority ?? 0;
    if (this.#depth >= this.#maxSize) {
      const lowest = this.#lowest?.peek();
      // Equal priority: the newcomer is the one that would run last, so it goes.
      if (!lowest || lowest.priority >= priority) return this.#count("rejected", "full");
      this.#discard(lowest);
      this.#keys.delete(lowest.task.key);
      this.#count("dropped", "queued");
      this.#onDrop?.(lowest.task);
    }
    this.#keys.add(key);
    this.#enqueue({
      task,
      priority,
      seq: this.#seq++,
      queuedAt: performance.now(),
      attempt: 0,
      rankIndex: -1,
      lowIndex: -1,
    });
    this.#stats.queued++;
    this.#pump();
    return "queued";
  }

  /** Whether a task with this key is queued, running or waiting to retry. */
  has(key: string): boolean {
    return this.#keys.has(key);
  }

  /** Takes a waiting task out (its network left the plan); true when one was waiting. */
  remove(key: string): boolean {
    for (const entry of this.#waiting()) {
      if (entry.task.key !== key) continue;
      this.#discard(entry);
      this.#keys.delete(key);
      this.#checkIdle();
      return true;
    }
    for (const [entry, timer] of this.#retryTimers) {
      if (entry.task.key !== key) continue;
      clearTimeout(timer);
      this.#retryTimers.delete(entry);
      this.#keys.delete(key);
      this.#checkIdle();
      return true;
    }
    return false;
  }

  stats(): QueueStats {
    return {
      name: this.name,
      workers: this.#workers,
      depth: this.#depth,
      running: this.#running.size,
      retrying: this.#retryTimers.size,
      maxSize: this.#maxSize,
      ...this.#stats,
    };
  }

  /** Resolves once nothing is queued, running or waiting to retry. */
  idle(): Promise<void> {
    if (this.#isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  /**
   * Stops taking tasks, drops the queued ones and pending retries, waits for
   * the running ones up to `graceMs`, then aborts what is left (with a
   * {@link QueueClosedError}) and waits for it to settle.
   */
  async close(graceMs = 0): Promise<void> {
    this.#closed = true;
    for (const entry of [...this.#waiting()]) this.#discard(entry);
    for (const [entry, timer] of this.#retryTimers) {
      clearTimeout(timer);
      this.#keys.delete(entry.task.key);
    }
    this.#retryTimers.clear();
    for (const [semaphore, unwatch] of this.#watched) {
      unwatch();
      this.#watched.delete(semaphore);
    }
    this.#checkIdle();
    if (this.#running.size > 0 && graceMs > 0) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        this.idle(),
        new Promise<void>((resolve) => timer = setTimeout(resolve, graceMs)),
      ]);
      clearTimeout(timer);
    }
    for (const { controller } of this.#running.values()) {
      controller.abort(new QueueClosedError(`queue ${this.name} closed`));
    }
    await this.idle();
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Keeps the lowest-first heap exactly when drop-lowest has a bound to enforce. */
  #syncLowest(): void {
    const wanted = this.#overflow === "drop-lowest" && this.#maxSize !== Infinity;
    if (wanted && !this.#lowest) {
      this.#lowest = new RankedHeap<Entry>(lowestFirst, lowSlot);
      for (const entry of this.#waiting()) this.#lowest.push(entry);
    } else if (!wanted && this.#lowest) {
      this.#lowest.clear();
      this.#lowest = undefined;
    }
  }

  #count(counter: keyof QueueMetrics["counters"], result: PushResult): PushResult {
    this.#stats[counter]++;
    this.#metrics?.counters[counter].inc();
    return result;
  }

  *#waiting(): Generator<Entry> {
    yield* this.#ready.values();
    for (const heap of this.#parked.values()) yield* heap.values();
  }

  #enqueue(entry: Entry): void {
    this.#ready.push(entry);
    this.#lowest?.push(entry);
    this.#depth++;
    this.#metrics?.depth.set(this.#depth);
  }

  /** Takes a waiting entry out of whichever heap holds it. */
  #discard(entry: Entry): void {
    if (!this.#ready.remove(entry)) {
      for (const [semaphore, heap] of this.#parked) {
        if (!heap.remove(entry)) continue;
        if (heap.size === 0) this.#unpark(semaphore);
        break;
      }
    }
    this.#lowest?.remove(entry);
    this.#depth--;
    this.#metrics?.depth.set(this.#depth);
  }

  /** No task waits on this semaphore any more: stop listening to it. */
  #unpark(semaphore: Semaphore): void {
    this.#parked.delete(semaphore);
    this.#released.delete(semaphore);
    this.#watched.get(semaphore)?.();
    this.#watched.delete(semaphore);
  }

  #watch(semaphore: Semaphore): void {
    if (this.#watched.has(semaphore)) return;
    this.#watched.set(
      semaphore,
      semaphore.onRelease(() => {
        if (!this.#parked.has(semaphore)) return;
        this.#released.add(semaphore);
        this.#pump();
      }),
    );
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
    while (this.#running.size < this.#workers) {
      this.#wakeParked();
      const entry = this.#ready.pop();
      if (!entry) return;
      const semaphores = entry.task.semaphores ?? [];
      const blocker = semaphores.find((semaphore) => semaphore.available <= 0);
      if (!blocker) {
        this.#lowest?.remove(entry);
        this.#depth--;
        this.#metrics?.depth.set(this.#depth);
        this.#start(entry, semaphores.map((semaphore) => semaphore.tryAcquire()!));
        continue;
      }
      this.#park(entry, blocker);
      // It may have been woken by a permit it now leaves free: let the next one have it.
      for (const semaphore of semaphores) {
        if (semaphore !== blocker && semaphore.available > 0 && this.#parked.has(semaphore)) {
          this.#released.add(semaphore);
        }
      }
    }
  }

  /** Moves back to the ready heap as many parked tasks as each released semaphore has permits. */
  #wakeParked(): void {
    for (const semaphore of this.#released) {
      this.#released.delete(semaphore);
      const heap = this.#parked.get(semaphore);
      if (!heap) continue;
      for (let free = semaphore.available; free > 0 && heap.size > 0; free--) {
        this.#ready.push(heap.pop()!);
      }
      if (heap.size === 0) this.#unpark(semaphore);
    }
  }

  #park(entry: Entry, semaphore: Semaphore): void {
    let heap = this.#parked.get(semaphore);
    if (!heap) {
      heap = new RankedHeap<Entry>(bestFirst, rankSlot);
      this.#parked.set(semaphore, heap);
      this.#watch(semaphore);
    }
    heap.push(entry);
  }

  #start(entry: Entry, permits: Disposable[]): void {
    const { task } = entry;
    const controller = new AbortController();
    const startedAt = performance.now();
    const timeoutMs = task.timeoutMs ?? 0;
    const deadline = timeoutMs > 0 ? startedAt + timeoutMs : Infinity;
    this.#running.set(entry, { controller, startedAt, deadline, timeoutMs });
    if (deadline < this.#deadlineAt) this.#armDeadline(deadline);
    const waitMs = startedAt - entry.queuedAt;
    this.#stats.waitMsTotal += waitMs;
    this.#metrics?.wait.observe(waitMs / 1000);
    this.#metrics?.running.set(this.#running.size);
    const { signal } = controller;
    // Started on a microtask so push() returns before the task body runs.
    queueMicrotask(() => {
      let run: Promise<void>;
      try {
        run = task.run(signal);
      } catch (error) {
        run = Promise.reject(error);
      }
      run.then(
        () => this.#settle(entry, permits, undefined),
        (error) => this.#settle(entry, permits, { error }),
      );
    });
  }

  #settle(entry: Entry, permits: Disposable[], failure: { error: unknown } | undefined): void {
    const { task } = entry;
    const running = this.#running.get(entry)!;
    this.#running.delete(entry);
    if (this.#running.size === 0) this.#disarmDeadline();
    this.#metrics?.running.set(this.#running.size);
    this.#metrics?.duration.observe((performance.now() - running.startedAt) / 1000);
    const aborted = running.controller.signal.aborted &&
      running.controller.signal.reason instanceof QueueClosedError;
    let retryInMs: number | undefined;
    if (!failure) {
      this.#count("completed", "queued");
      this.#breaker?.success(task.key);
    } else if (aborted) {
      this.#count("aborted", "queued");
    } else if (!this.#closed && entry.attempt < (task.retries ?? 0)) {
      retryInMs = backoffDelayMs(
        entry.attempt + 1,
        task.backoffMs ?? 1000,
        task.backoffMaxMs,
        this.#random,
      );
      this.#count("retries", "queued");
    } else {
      this.#count("failed", "queued");
      this.#breaker?.failure(task.key, task.breaker);
    }
    if (failure) this.#onError(task, failure.error, { attempt: entry.attempt, retryInMs, aborted });
    if (retryInMs === undefined) {
      this.#keys.delete(task.key);
      if (task.preventRequeueMs && task.preventRequeueMs > 0) {
        this.#recent.set(task.key, Date.now() + task.preventRequeueMs);
      }
    } else {
      this.#scheduleRetry(entry, retryInMs);
    }
    // Released last, so the wake-up they cause sees this worker free.
    for (const permit of permits.reverse()) permit[Symbol.dispose]();
    this.#pump();
    this.#checkIdle();
  }

  #armDeadline(deadline: number): void {
    this.#disarmDeadline();
    this.#deadlineAt = deadline;
    this.#deadlineTimer = setTimeout(
      () => this.#abortOverdue(),
      Math.max(0, Math.ceil(deadline - performance.now())),
    );
  }

  #disarmDeadline(): void {
    if (this.#deadlineTimer !== undefined) clearTimeout(this.#deadlineTimer);
    this.#deadlineTimer = undefined;
    this.#deadlineAt = Infinity;
  }

  /** Aborts the attempts past their deadline (as AbortSignal.timeout would), then waits for the next. */
  #abortOverdue(): void {
    this.#deadlineTimer = undefined;
    this.#deadlineAt = Infinity;
    const now = performance.now();
    let next = Infinity;
    for (const [entry, running] of this.#running) {
      if (running.controller.signal.aborted) continue;
      if (running.deadline <= now) {
        running.controller.abort(
          new DOMException(
            `task ${entry.task.key} timed out after ${running.timeoutMs} ms`,
            "TimeoutError",
          ),
        );
      } else if (running.deadline < next) next = running.deadline;
    }
    if (next < Infinity) this.#armDeadline(next);
  }

  #scheduleRetry(entry: Entry, delayMs: number): void {
    const timer = setTimeout(() => {
      this.#retryTimers.delete(entry);
      if (this.#closed) return;
      entry.attempt++;
      entry.seq = this.#seq++;
      entry.queuedAt = performance.now();
      this.#enqueue(entry);
      this.#pump();
    }, delayMs);
    this.#retryTimers.set(entry, timer);
  }

  #isIdle(): boolean {
    return this.#depth === 0 && this.#running.size === 0 && this.#retryTimers.size === 0;
  }

  #checkIdle(): void {
    if (!this.#isIdle()) return;
    for (const resolve of this.#idleWaiters.splice(0)) resolve();
  }
}

function checkMaxSize(name: string, maxSize: number): number {
  if (maxSize !== Infinity && (!Number.isInteger(maxSize) || maxSize < 1)) {
    throw new RangeError(`queue ${name}: maxSize must be a positive integer, got ${maxSize}`);
  }
  return maxSize;
}

function checkOverflow(name: string, overflow: unknown): OverflowPolicy {
  if (overflow !== "reject" && overflow !== "drop-lowest") {
    throw new RangeError(
      `queue ${name}: overflow must be "reject" or "drop-lowest", got ${JSON.stringify(overflow)}`,
    );
  }
  return overflow;
}

function checkWorkers(name: string, workers: number): void {
  if (!Number.isInteger(workers) || workers < 1) {
    throw new RangeError(`queue ${name}: workers must be a positive integer, got ${workers}`);
  }
}

function queueMetrics(metrics: MetricsRegistry, name: string): QueueMetrics {
  const labels = { queue: name };
  const counter = (metric: string, help: string) => metrics.counter(metric, help).labels(labels);
  return {
    depth: metrics.gauge("spoke_queue_depth", "Tasks waiting in each queue.").labels(labels),
    running: metrics.gauge("spoke_queue_running", "Tasks running in each queue.").labels(labels),
    wait: metrics.histogram(
      "spoke_queue_wait_seconds",
      "Time from push (or retry) to start, per queue.",
    ).labels(labels),
    duration: metrics.histogram(
      "spoke_task_duration_seconds",
      "Run time of each attempt, per queue.",
    ).labels(labels),
    counters: {
      completed: counter("spoke_queue_completed_total", "Tasks that finished well."),
      failed: counter("spoke_queue_failed_total", "Tasks that failed their last attempt."),
      retries: counter("spoke_queue_retries_total", "Retries scheduled after a failed attempt."),
      aborted: counter("spoke_queue_aborted_total", "Running tasks aborted at shutdown."),
      duplicates: counter(
        "spoke_queue_skipped_total",
        "Pushes skipped because the same key was queued, running or retrying.",
      ),
      recent: counter(
        "spoke_queue_requeue_refused_total",
        "Pushes refused inside the prevent-requeue window.",
      ),
      open: counter(
        "spoke_queue_breaker_refused_total",
        "Pushes refused because the key's circuit breaker was open.",
      ),
      rejected: counter("spoke_queue_rejected_total", "Pushes refused because the queue was full."),
      dropped: counter(
        "spoke_queue_dropped_total",
        "Queued tasks pushed out by a higher-priority one (drop-lowest).",
      ),
    },
  };
}
