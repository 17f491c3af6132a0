import assert from "node:assert/strict";
import { defaultConfig } from "../../src/config/mod.ts";
import { TaskQueue } from "../../src/queue/mod.ts";
import { Spoke } from "../../src/spoke.ts";

/** A task that waits until `gate` opens. */
function gated(key: string, gate: Promise<void>, priority = 0) {
  return { key, priority, run: () => gate };
}

Deno.test("TaskQueue.configure() applies a smaller maxSize to new pushes and keeps what waits", async () => {
  const gate = Promise.withResolvers<void>();
  const queue = new TaskQueue("q", 1, { maxSize: 10 });
  const keys = ["run", "w1", "w2", "w3"];
  for (const key of keys) assert.equal(queue.push(gated(key, gate.promise)), "queued");
  const waiting = keys.length - 1;
  queue.configure({ maxSize: 2 });
  assert.equal(queue.maxSize, 2);
  assert.equal(queue.overflow, "reject");
  // Nothing already queued is lost; the new bound refuses the next push.
  assert.equal(queue.stats().depth, waiting);
  assert.equal(queue.push(gated("w4", gate.promise)), "full");
  assert.equal(queue.stats().rejected, 1);
  gate.resolve();
  await queue.idle();
  assert.equal(queue.stats().completed, keys.length);
  await queue.close();
});

Deno.test("TaskQueue.configure() switching to drop-lowest drops the lowest task already waiting", async () => {
  const gate = Promise.withResolvers<void>();
  const dropped: string[] = [];
  const queue = new TaskQueue("q", 1, { maxSize: 2, onDrop: (task) => dropped.push(task.key) });
  queue.push(gated("running", gate.promise));
  queue.push(gated("low", gate.promise, 1));
  queue.push(gated("mid", gate.promise, 5));
  assert.equal(queue.push(gated("high", gate.promise, 9)), "full");
  queue.configure({ overflow: "drop-lowest" });
  assert.equal(queue.push(gated("high", gate.promise, 9)), "queued");
  assert.deepEqual(dropped, ["low"]);
  // And back: reject again, and unbounded takes anything.
  queue.configure({ overflow: "reject" });
  assert.equal(queue.push(gated("higher", gate.promise, 10)), "full");
  queue.configure({ maxSize: Infinity });
  assert.equal(queue.push(gated("higher", gate.promise, 10)), "queued");
  gate.resolve();
  await queue.idle();
  await queue.close();
});

Deno.test("TaskQueue.configure() refuses a bad maxSize or overflow and changes nothing", async () => {
  const queue = new TaskQueue("q", 1, { maxSize: 5, overflow: "drop-lowest" });
  for (const maxSize of [0, -1, 1.5, Number.NaN]) {
    assert.throws(
      () => queue.configure({ maxSize }),
      /queue q: maxSize must be a positive integer/,
    );
  }
  assert.throws(
    () => queue.configure({ maxSize: 3, overflow: "drop-oldest" as "reject" }),
    /queue q: overflow must be "reject" or "drop-lowest", got "drop-oldest"/,
  );
  assert.equal(queue.maxSize, 5);
  assert.equal(queue.overflow, "drop-lowest");
  await queue.close();
});

Deno.test("Spoke.reload() (what SIGHUP runs) resizes the bound and overflow policy of existing queues", async () => {
  const config = defaultConfig();
  config.mqtt.port = 0;
  config.http.enabled = false;
  config.engine.queue_max_size = 100;
  config.engine.overflow = "reject";
  const spoke = await Spoke.start(config, { networks: [] });
  try {
    const before = spoke.queues.get("default")!;
    assert.equal(before.maxSize, config.engine.queue_max_size);
    const next = defaultConfig();
    next.mqtt.port = 0;
    next.http.enabled = false;
    next.engine.queue_max_size = 7;
    next.engine.overflow = "drop-lowest";
    spoke.reload(next);
    const after = spoke.queues.get("default")!;
    assert.equal(after, before, "the queue is kept, with its tasks");
    assert.equal(after.maxSize, next.engine.queue_max_size);
    assert.equal(after.overflow, next.engine.overflow);
    // 0 means unbounded.
    const unbounded = defaultConfig();
    unbounded.mqtt.port = 0;
    unbounded.http.enabled = false;
    unbounded.engine.queue_max_size = 0;
    spoke.reload(unbounded);
    assert.equal(after.maxSize, Infinity);
  } finally {
    await spoke.stop();
  }
});
