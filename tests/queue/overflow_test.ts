import assert from "node:assert/strict";
import { type Task, TaskQueue } from "../../src/queue/mod.ts";
import { MetricsRegistry } from "../../src/metrics/mod.ts";

/** A queue whose one worker is held by a task until `release()`. */
function heldQueue(options: ConstructorParameters<typeof TaskQueue>[2]) {
  const queue = new TaskQueue("q", 1, options);
  const gate = Promise.withResolvers<void>();
  const started = Promise.withResolvers<void>();
  queue.push({
    key: "holder",
    run: () => {
      started.resolve();
      return gate.promise;
    },
  });
  return { queue, started: started.promise, release: () => gate.resolve() };
}

function task(key: string, priority: number, ran: string[]): Task {
  return { key, priority, run: () => Promise.resolve(void ran.push(key)) };
}

Deno.test("TaskQueue with overflow reject refuses pushes beyond maxSize and counts them", async () => {
  const ran: string[] = [];
  const metrics = new MetricsRegistry();
  const { queue, started, release } = heldQueue({ maxSize: 2, metrics });
  await started;
  const results = ["a", "b", "c", "d"].map((key, i) => queue.push(task(key, i, ran)));
  assert.deepEqual(results, ["queued", "queued", "full", "full"]);
  assert.equal(queue.stats().depth, 2);
  assert.equal(queue.stats().rejected, 2);
  assert.equal(metrics.value("spoke_queue_rejected_total", { queue: "q" }), 2);
  release();
  await queue.idle();
  assert.deepEqual(ran, ["b", "a"]);
  // The refused keys were never held: they can be pushed again.
  assert.equal(queue.push(task("c", 0, ran)), "queued");
  await queue.idle();
  await queue.close();
});

Deno.test("TaskQueue with drop-lowest pushes out the lowest, newest task for a higher one", async () => {
  const ran: string[] = [];
  const dropped: string[] = [];
  const { queue, started, release } = heldQueue({
    maxSize: 3,
    overflow: "drop-lowest",
    onDrop: (t) => dropped.push(t.key),
  });
  await started;
  const pushes: Array<[string, number]> = [["p1", 1], ["z-old", 0], ["z-new", 0]];
  for (const [key, priority] of pushes) {
    assert.equal(queue.push(task(key, priority, ran)), "queued");
  }
  // Full: a priority-5 task replaces the one that would run last (lowest, then newest).
  const lowestNewest =
    [...pushes].sort((a, b) => a[1] - b[1] || pushes.indexOf(b) - pushes.indexOf(a))[0]![0];
  assert.equal(queue.push(task("p5", 5, ran)), "queued");
  assert.deepEqual(dropped, [lowestNewest]);
  // A newcomer no better than the lowest queued is itself refused.
  assert.equal(queue.push(task("z-late", 0, ran)), "full");
  assert.equal(queue.has(lowestNewest), false);
  assert.deepEqual([queue.stats().dropped, queue.stats().rejected, queue.stats().depth], [1, 1, 3]);
  release();
  await queue.idle();
  assert.deepEqual(ran, ["p5", "p1", "z-old"]);
  await queue.close();
});

Deno.test("new TaskQueue() refuses a bad maxSize or overflow policy", () => {
  assert.throws(
    () => new TaskQueue("q", 1, { maxSize: 0 }),
    /queue q: maxSize must be a positive integer, got 0/,
  );
  assert.throws(
    () => new TaskQueue("q", 1, { overflow: "drop-oldest" as "reject" }),
    /overflow must be "reject" or "drop-lowest", got "drop-oldest"/,
  );
});

Deno.test("TaskQueue refuses a key inside its prevent-requeue window, and only that key", async () => {
  const ran: string[] = [];
  const queue = new TaskQueue("q", 2);
  const once = (key: string, preventRequeueMs: number): Task => ({
    key,
    preventRequeueMs,
    run: () => Promise.resolve(void ran.push(key)),
  });
  queue.push(once("a", 60_000));
  queue.push(once("b", 1));
  await queue.idle();
  assert.equal(queue.push(once("a", 60_000)), "recent");
  assert.equal(queue.stats().recent, 1);
  await new Promise((resolve) => setTimeout(resolve, 5));
  assert.equal(queue.push(once("b", 1)), "queued");
  await queue.idle();
  assert.deepEqual(ran, ["a", "b", "b"]);
  await queue.close();
});

Deno.test("TaskQueue.remove() takes a waiting task out and frees its key", async () => {
  const ran: string[] = [];
  const { queue, started, release } = heldQueue({});
  await started;
  queue.push(task("gone", 0, ran));
  queue.push(task("kept", 0, ran));
  assert.equal(queue.remove("gone"), true);
  assert.equal(queue.remove("gone"), false);
  assert.equal(queue.has("gone"), false);
  release();
  await queue.idle();
  assert.deepEqual(ran, ["kept"]);
  await queue.close();
});
