import assert from "node:assert/strict";
import { Semaphore, type Task, TaskQueue } from "../../src/queue/mod.ts";

Deno.test("TaskQueue runs 10,000 tasks blocked on one semaphore in priority order, others first", async () => {
  const order: string[] = [];
  const queue = new TaskQueue("q", 8);
  const narrow = new Semaphore("class narrow", 1);
  const blocked: Array<{ key: string; priority: number }> = [];
  for (let i = 0; i < 10_000; i++) blocked.push({ key: `n${i}`, priority: i % 7 });
  for (const { key, priority } of blocked) {
    queue.push({
      key,
      priority,
      semaphores: [narrow],
      run: () => Promise.resolve(void order.push(key)),
    });
  }
  const free: Task[] = Array.from({ length: 20 }, (_, i) => ({
    key: `f${i}`,
    run: () => Promise.resolve(void order.push(`f${i}`)),
  }));
  for (const t of free) queue.push(t);
  await queue.idle();
  assert.equal(order.length, blocked.length + free.length);
  // Only one narrow task at a time, so the free ones never waited behind the narrow ones.
  const lastFree = Math.max(...free.map((t) => order.indexOf(t.key)));
  assert.ok(lastFree < 20 + 8, `a free task ran at ${lastFree}`);
  const narrowOrder = order.filter((key) => key.startsWith("n"));
  // The first one took the permit on push; the rest run best first, FIFO within a priority.
  const expected = [
    blocked[0]!.key,
    ...blocked.slice(1)
      .map((entry, index) => ({ ...entry, index }))
      .sort((a, b) => b.priority - a.priority || a.index - b.index)
      .map((entry) => entry.key),
  ];
  assert.deepEqual(narrowOrder, expected);
  assert.equal(narrow.available, 1);
  await queue.close();
});

Deno.test("TaskQueue passes a freed permit on when the woken task is blocked elsewhere", async () => {
  const order: string[] = [];
  const queue = new TaskQueue("q", 4);
  const shared = new Semaphore("class", 2);
  const netA = new Semaphore("network a", 1);
  const holdA = Promise.withResolvers<void>();
  const holdShared = Promise.withResolvers<void>();
  const started = Promise.withResolvers<void>();
  // a-1 holds netA and one class permit; x holds the other class permit.
  queue.push({ key: "a-1", semaphores: [shared, netA], run: () => holdA.promise });
  queue.push({
    key: "x",
    semaphores: [shared],
    run: () => {
      started.resolve();
      return holdShared.promise;
    },
  });
  await started.promise;
  // a-2 (best) needs netA too; y only needs the class.
  queue.push({
    key: "a-2",
    priority: 9,
    semaphores: [shared, netA],
    run: () => Promise.resolve(void order.push("a-2")),
  });
  queue.push({ key: "y", semaphores: [shared], run: () => Promise.resolve(void order.push("y")) });
  // x frees a class permit: a-2 wakes first but is blocked by netA, so y must get it.
  holdShared.resolve();
  await new Promise((resolve) => setTimeout(resolve, 0));
  assert.deepEqual(order, ["y"]);
  holdA.resolve();
  await queue.idle();
  assert.deepEqual(order, ["y", "a-2"]);
  await queue.close();
});

Deno.test("Semaphore.resize() grows and shrinks the permits and wakes parked tasks", async () => {
  const queue = new TaskQueue("q", 4);
  const semaphore = new Semaphore("s", 1);
  const gates = [0, 1, 2].map(() => Promise.withResolvers<void>());
  const started: string[] = [];
  gates.forEach((gate, i) =>
    queue.push({
      key: `t${i}`,
      semaphores: [semaphore],
      run: () => {
        started.push(`t${i}`);
        return gate.promise;
      },
    })
  );
  await Promise.resolve();
  assert.deepEqual(started, ["t0"]);
  semaphore.resize(3);
  await Promise.resolve();
  assert.deepEqual(started, ["t0", "t1", "t2"]);
  semaphore.resize(1);
  assert.equal(semaphore.available, -2);
  assert.equal(semaphore.tryAcquire(), undefined);
  for (const gate of gates) gate.resolve();
  await queue.idle();
  assert.equal(semaphore.available, 1);
  assert.throws(() => semaphore.resize(0), /semaphore s: max must be a positive integer, got 0/);
  await queue.close();
});

Deno.test("TaskQueue listens to a semaphore only while tasks are parked on it", async () => {
  const queue = new TaskQueue("q", 4);
  const network = new Semaphore("network a", 1);
  const idle = new Semaphore("network b", 1);
  let finishFirst!: () => void;
  const ran: string[] = [];
  queue.push({
    key: "first",
    semaphores: [network, idle],
    run: () => new Promise<void>((resolve) => finishFirst = () => resolve(void ran.push("first"))),
  });
  // The first task holds both permits without waiting: nothing to listen to.
  await Promise.resolve();
  assert.equal(network.listenerCount, 0);
  assert.equal(idle.listenerCount, 0);
  queue.push({
    key: "second",
    semaphores: [network],
    run: () => Promise.resolve(void ran.push("second")),
  });
  // Parked on the network semaphore: the queue listens to it, and to it alone.
  assert.equal(network.listenerCount, 1);
  assert.equal(idle.listenerCount, 0);
  finishFirst();
  await queue.idle();
  assert.deepEqual(ran, ["first", "second"]);
  assert.equal(network.listenerCount, 0);
  // Parked tasks dropped by close() leave no listener behind either.
  const held = network.tryAcquire()!;
  queue.push({ key: "third", semaphores: [network], run: () => Promise.resolve() });
  assert.equal(network.listenerCount, 1);
  await queue.close();
  assert.equal(network.listenerCount, 0);
  held[Symbol.dispose]();
});
