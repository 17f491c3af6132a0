import assert from "node:assert/strict";
import { TaskQueue } from "../../src/queue/mod.ts";

/** Resolves when the signal aborts, with its reason. */
function aborted(signal: AbortSignal): Promise<unknown> {
  return new Promise((resolve) => signal.addEventListener("abort", () => resolve(signal.reason)));
}

Deno.test("TaskQueue times out each running task on its own deadline, from one timer", async () => {
  const errors = new Map<string, unknown>();
  const queue = new TaskQueue("q", 3, { onError: (task, error) => errors.set(task.key, error) });
  const finish = Promise.withResolvers<void>();
  let slowSignal: AbortSignal | undefined;
  queue.push({
    key: "short",
    timeoutMs: 10,
    run: async (signal) => {
      throw await aborted(signal);
    },
  });
  queue.push({
    key: "long",
    timeoutMs: 60_000,
    run: (signal) => {
      slowSignal = signal;
      return finish.promise;
    },
  });
  queue.push({
    key: "none",
    run: async (signal) => {
      assert.equal(signal.aborted, false);
      await finish.promise;
    },
  });
  while (!errors.has("short")) await new Promise((resolve) => setTimeout(resolve, 5));
  const error = errors.get("short");
  assert.ok(error instanceof DOMException);
  assert.equal(error.name, "TimeoutError");
  assert.match(error.message, /task short timed out after 10 ms/);
  // The others are still running, their signals untouched.
  assert.equal(slowSignal?.aborted, false);
  assert.equal(queue.stats().running, 2);
  finish.resolve();
  await queue.idle();
  assert.equal(queue.stats().completed, 2);
  assert.equal(queue.stats().failed, 1);
  // No timer left behind once nothing runs (the test sanitizers would say so too).
  await queue.close();
});
