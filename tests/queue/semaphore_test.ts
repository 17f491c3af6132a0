import assert from "node:assert/strict";
import { Semaphore } from "../../src/queue/mod.ts";

Deno.test("Semaphore.tryAcquire() gives at most max permits and `using` releases them", () => {
  const semaphore = new Semaphore("s", 2);
  const a = semaphore.tryAcquire();
  const b = semaphore.tryAcquire();
  assert.ok(a && b);
  assert.equal(semaphore.tryAcquire(), undefined);
  {
    using _permit = a;
    assert.equal(semaphore.available, 0);
  }
  assert.equal(semaphore.available, 1);
  b[Symbol.dispose]();
  b[Symbol.dispose](); // a second release of one permit changes nothing
  assert.equal(semaphore.available, 2);
});

Deno.test("Semaphore.acquire() serves waiters first come first served", async () => {
  const semaphore = new Semaphore("s", 1);
  const first = await semaphore.acquire();
  const order: number[] = [];
  const waiters = [1, 2, 3].map((n) =>
    semaphore.acquire().then((permit) => {
      order.push(n);
      permit[Symbol.dispose]();
    })
  );
  // A waiter takes over the released permit: tryAcquire cannot overtake it.
  first[Symbol.dispose]();
  assert.equal(semaphore.tryAcquire(), undefined);
  await Promise.all(waiters);
  assert.deepEqual(order, [1, 2, 3]);
  assert.equal(semaphore.available, 1);
});

Deno.test("Semaphore.onRelease() is called on every release until unsubscribed", () => {
  const semaphore = new Semaphore("s", 1);
  let calls = 0;
  const off = semaphore.onRelease(() => calls++);
  semaphore.tryAcquire()![Symbol.dispose]();
  off();
  semaphore.tryAcquire()![Symbol.dispose]();
  assert.equal(calls, 1);
});

Deno.test("new Semaphore() refuses a max that is not a positive integer", () => {
  assert.throws(() => new Semaphore("bad", 0), /max must be a positive integer, got 0/);
  assert.throws(() => new Semaphore("bad", 1.5), /got 1.5/);
});
