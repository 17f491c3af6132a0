import assert from "node:assert/strict";
import { Semaphore, type Task, TaskQueue } from "../../src/queue/mod.ts";

/** A task that runs until the test lets it finish. */
function gate(key: string, extra: Partial<Task> = {}, log?: string[]) {
  const release = Promise.withResolvers<void>();
  const started = Promise.withResolvers<void>();
  const task: Task = {
    key,
    ...extra,
    run: async () => {
      log?.push(key);
      started.resolve();
      await release.promise;
    },
  };
  return { task, started: started.promise, finish: () => release.resolve() };
}

Deno.test("TaskQueue.push() refuses a key that is queued or running, and counts it", async () => {
  const queue = new TaskQueue("q", 1);
  const a = gate("a");
  assert.equal(queue.push(a.task), "queued");
  await a.started;
  assert.equal(queue.push(gate("a").task), "duplicate");
  a.finish();
  await queue.idle();
  const again = gate("a");
  assert.equal(queue.push(again.task), "queued"); // free again once finished
  again.finish();
  await queue.idle();
  assert.equal(queue.stats().duplicates, 1);
  await queue.close();
});

Deno.test("TaskQueue runs at most `workers` tasks, higher priority first", async () => {
  const order: string[] = [];
  const queue = new TaskQueue("q", 1);
  const blocker = gate("blocker", {}, order);
  queue.push(blocker.task);
  await blocker.started;
  const low = gate("low", { priority: 0 }, order);
  const high = gate("high", { priority: 9 }, order);
  const mid = gate("mid", { priority: 5 }, order);
  for (const g of [low, high, mid]) queue.push(g.task);
  assert.equal(queue.stats().running, 1);
  assert.equal(queue.stats().depth, 3);
  for (const g of [blocker, high, mid, low]) g.finish();
  await queue.idle();
  assert.deepEqual(order, ["blocker", "high", "mid", "low"]);
  await queue.close();
});

Deno.test("TaskQueue does not let a task whose semaphore is full block the next one", async () => {
  const order: string[] = [];
  const queue = new TaskQueue("q", 2);
  const network = new Semaphore("network x", 1);
  const first = gate("x-1", { semaphores: [network] }, order);
  queue.push(first.task);
  await first.started;
  // x-2 waits for the network permit; y must still get the free worker.
  const second = gate("x-2", { semaphores: [network], priority: 9 }, order);
  const other = gate("y", {}, order);
  queue.push(second.task);
  queue.push(other.task);
  await other.started;
  assert.deepEqual(order, ["x-1", "y"]);
  first.finish();
  await second.started;
  assert.deepEqual(order, ["x-1", "y", "x-2"]);
  second.finish();
  other.finish();
  await queue.idle();
  assert.equal(network.available, 1);
  await queue.close();
});

Deno.test("TaskQueue wakes blocked tasks when a semaphore is released by another queue", async () => {
  const shared = new Semaphore("class gbfs", 1);
  const fast = new TaskQueue("fast", 1);
  const slow = new TaskQueue("slow", 1);
  const a = gate("a", { semaphores: [shared] });
  fast.push(a.task);
  await a.started;
  const b = gate("b", { semaphores: [shared] });
  slow.push(b.task);
  assert.equal(slow.stats().running, 0);
  a.finish();
  await b.started;
  b.finish();
  await Promise.all([fast.idle(), slow.idle()]);
  await Promise.all([fast.close(), slow.close()]);
});

Deno.test("TaskQueue aborts a task's signal after timeoutMs and counts the failure", async () => {
  const errors: unknown[] = [];
  const queue = new TaskQueue("q", 1, { onError: (_task, error) => errors.push(error) });
  queue.push({
    key: "slow",
    timeoutMs: 20,
    run: (signal) =>
      new Promise((_, reject) => signal.addEventListener("abort", () => reject(signal.reason))),
  });
  await queue.idle();
  assert.equal(queue.stats().failed, 1);
  assert.equal((errors[0] as DOMException).name, "TimeoutError");
  await queue.close();
});

Deno.test("TaskQueue counts a task that throws synchronously as failed and keeps going", async () => {
  const queue = new TaskQueue("q", 1, { onError: () => {} });
  queue.push({
    key: "bad",
    run: () => {
      throw new Error("boom");
    },
  });
  let ran = false;
  queue.push({ key: "good", run: () => Promise.resolve(void (ran = true)) });
  await queue.idle();
  assert.deepEqual([queue.stats().failed, queue.stats().completed, ran], [1, 1, true]);
  await queue.close();
});

Deno.test("TaskQueue.close() drops queued tasks, aborts running ones and refuses new ones", async () => {
  const queue = new TaskQueue("q", 1, { onError: () => {} });
  let aborted = false;
  const started = Promise.withResolvers<void>();
  queue.push({
    key: "running",
    run: (signal) =>
      new Promise((_, reject) => {
        started.resolve();
        signal.addEventListener("abort", () => {
          aborted = true;
          reject(signal.reason);
        });
      }),
  });
  let queuedRan = false;
  queue.push({ key: "queued", run: () => Promise.resolve(void (queuedRan = true)) });
  await started.promise;
  await queue.close(0);
  assert.equal(aborted, true);
  assert.equal(queuedRan, false);
  assert.equal(queue.push({ key: "late", run: () => Promise.resolve() }), "closed");
});

Deno.test("new TaskQueue() refuses a worker count that is not a positive integer", () => {
  assert.throws(() => new TaskQueue("q", 0), /queue q: workers must be a positive integer, got 0/);
});
