import assert from "node:assert/strict";
import type { Transport } from "../../src/broker/mod.ts";
import { WriteQueue } from "../../src/broker/write_queue.ts";

/** A transport that accepts at most `maxPerWrite` bytes per call and records what it got. */
class SlowTransport implements Transport {
  readonly writes: Uint8Array[] = [];
  readonly maxPerWrite: number;
  failWith: Error | undefined;

  constructor(maxPerWrite: number) {
    this.maxPerWrite = maxPerWrite;
  }

  read(): Promise<number | null> {
    return Promise.resolve(null);
  }

  async write(bytes: Uint8Array): Promise<number> {
    await Promise.resolve();
    if (this.failWith !== undefined) throw this.failWith;
    const taken = bytes.slice(0, this.maxPerWrite);
    this.writes.push(taken);
    return taken.byteLength;
  }

  close(): void {}

  get written(): number[] {
    return this.writes.flatMap((chunk) => [...chunk]);
  }
}

const noEvents = { bytesWritten: () => {}, writeFailed: () => {} };

Deno.test("WriteQueue writes everything in order across partial writes", async () => {
  const transport = new SlowTransport(3);
  let reported = 0;
  const queue = new WriteQueue(transport, {
    bytesWritten: (count) => reported += count,
    writeFailed: () => assert.fail("no error expected"),
  });
  const chunks = [[1, 2, 3, 4, 5], [6], [7, 8, 9, 10, 11, 12, 13]];
  for (const chunk of chunks) queue.push(new Uint8Array(chunk));
  const total = chunks.flat().length;
  assert.equal(queue.queuedBytes, total);
  await queue.drained();
  assert.deepEqual(transport.written, chunks.flat());
  assert.equal(queue.queuedBytes, 0);
  assert.equal(reported, total);
  // Every write call was limited to maxPerWrite bytes, so partial writes really happened.
  assert.ok(transport.writes.every((chunk) => chunk.byteLength <= transport.maxPerWrite));
});

Deno.test("WriteQueue coalesces small packets queued together into one write", async () => {
  const transport = new SlowTransport(Number.MAX_SAFE_INTEGER);
  const queue = new WriteQueue(transport, noEvents);
  const packets = Array.from({ length: 50 }, (_, i) => new Uint8Array([i, i]));
  for (const packet of packets) queue.push(packet);
  await queue.drained();
  assert.equal(transport.writes.length, 1);
  assert.deepEqual(transport.written, packets.flatMap((packet) => [...packet]));
});

Deno.test("WriteQueue reports a failing transport once and refuses more bytes", async () => {
  const transport = new SlowTransport(10);
  transport.failWith = new Error("broken pipe");
  const errors: unknown[] = [];
  const queue = new WriteQueue(transport, {
    bytesWritten: () => {},
    writeFailed: (e) => errors.push(e),
  });
  queue.push(new Uint8Array([1]));
  queue.push(new Uint8Array([2]));
  await queue.drained();
  assert.equal(errors.length, 1);
  assert.equal((errors[0] as Error).message, "broken pipe");
  assert.equal(queue.closed, true);
  assert.equal(queue.push(new Uint8Array([3])), false);
  assert.equal(queue.queuedBytes, 0);
});

Deno.test("WriteQueue.close() drops queued bytes and wakes drained() waiters", async () => {
  const transport = new SlowTransport(1);
  const queue = new WriteQueue(transport, noEvents);
  queue.push(new Uint8Array(100));
  const drained = queue.drained();
  queue.close();
  await drained;
  assert.equal(queue.queuedBytes, 0);
  assert.ok(transport.written.length < 100);
});

/** A chunk that writes itself: its bytes are `value` repeated, the first one marked. */
function selfWriting(value: number, length: number) {
  return {
    byteLength: length,
    writeTo(target: Uint8Array, offset: number): void {
      target.fill(value, offset, offset + length);
      target[offset] = 0xff;
    },
  };
}

Deno.test("WriteQueue writes chunks that write themselves, alone and among bytes, in order", async () => {
  const transport = new SlowTransport(Number.MAX_SAFE_INTEGER);
  const queue = new WriteQueue(transport, noEvents);
  queue.push(selfWriting(7, 3));
  await queue.drained();
  queue.push(new Uint8Array([1, 2]));
  queue.push(selfWriting(9, 4));
  queue.push(new Uint8Array([3]));
  queue.push(selfWriting(5, 2));
  await queue.drained();
  assert.deepEqual(transport.written, [0xff, 7, 7, 1, 2, 0xff, 9, 9, 9, 3, 0xff, 5]);
  // The first alone, the other four in one coalesced write.
  assert.equal(transport.writes.length, 2);
  assert.equal(queue.queuedBytes, 0);
});

/** A transport whose writes wait until released; it keeps the very bytes each write was given. */
class HeldTransport implements Transport {
  readonly given: Uint8Array[] = [];
  #release: (() => void)[] = [];

  read(): Promise<number | null> {
    return Promise.resolve(null);
  }

  async write(bytes: Uint8Array): Promise<number> {
    this.given.push(bytes);
    await new Promise<void>((resolve) => this.#release.push(resolve));
    return bytes.byteLength;
  }

  releaseAll(): void {
    for (const release of this.#release.splice(0)) release();
  }

  close(): void {}
}

Deno.test("WriteQueue never reuses a batch's memory while a write of it is pending", async () => {
  const held = new HeldTransport();
  const blocked = new WriteQueue(held, noEvents);
  blocked.push(new Uint8Array([1, 1, 1]));
  blocked.push(new Uint8Array([2, 2, 2]));
  // The coalesced batch is being written (and the transport still reads it) …
  await new Promise((resolve) => setTimeout(resolve, 0));
  assert.equal(held.given.length, 1);
  // … while other queues write many batches of their own.
  for (let round = 0; round < 200; round++) {
    const other = new WriteQueue(new SlowTransport(Number.MAX_SAFE_INTEGER), noEvents);
    other.push(new Uint8Array(100).fill(0xee));
    other.push(new Uint8Array(100).fill(0xee));
    await other.drained();
  }
  assert.deepEqual([...held.given[0]!], [1, 1, 1, 2, 2, 2]);
  held.releaseAll();
  await blocked.drained();
});

Deno.test("WriteQueue writes the same packets queued on two connections from one batch", async () => {
  const packets = [new Uint8Array([1, 1]), new Uint8Array([2, 2, 2]), new Uint8Array([3])];
  const first = new HeldTransport();
  const second = new HeldTransport();
  const queues = [new WriteQueue(first, noEvents), new WriteQueue(second, noEvents)];
  for (const queue of queues) for (const packet of packets) queue.push(packet);
  await new Promise((resolve) => setTimeout(resolve, 0));
  const [a, b] = [first.given[0]!, second.given[0]!];
  assert.deepEqual([...a], [1, 1, 2, 2, 2, 3]);
  assert.deepEqual([...b], [...a]);
  assert.equal(a.buffer, b.buffer, "one batch buffer for both");
  // One write settles; the other still reads the batch while others take batches of their own.
  first.releaseAll();
  await queues[0]!.drained();
  for (let round = 0; round < 200; round++) {
    const other = new WriteQueue(new SlowTransport(Number.MAX_SAFE_INTEGER), noEvents);
    other.push(new Uint8Array(100).fill(0xee));
    other.push(new Uint8Array(100).fill(0xee));
    await other.drained();
  }
  assert.deepEqual([...b], [1, 1, 2, 2, 2, 3]);
  second.releaseAll();
  await queues[1]!.drained();
});

Deno.test("WriteQueue shares a batch only for the very same packets, and a prefix of them", async () => {
  const [x, y, z] = [new Uint8Array([1]), new Uint8Array([2]), new Uint8Array([3])];
  const transports = [new HeldTransport(), new HeldTransport(), new HeldTransport()];
  const queues = transports.map((transport) => new WriteQueue(transport, noEvents));
  for (const packet of [x, y, z]) queues[0]!.push(packet);
  for (const packet of [x, y]) queues[1]!.push(packet);
  // Equal bytes in other objects: not shared (identity is what says nothing changed them).
  for (const packet of [x, new Uint8Array([2]), z]) queues[2]!.push(packet);
  await new Promise((resolve) => setTimeout(resolve, 0));
  const given = transports.map((transport) => transport.given[0]!);
  assert.deepEqual(given.map((bytes) => [...bytes]), [[1, 2, 3], [1, 2], [1, 2, 3]]);
  assert.equal(given[1]!.buffer, given[0]!.buffer);
  assert.notEqual(given[2]!.buffer, given[0]!.buffer);
  for (const transport of transports) transport.releaseAll();
  for (const queue of queues) await queue.drained();
});

Deno.test("WriteQueue keeps a shared batch for the queues still writing it when one fails", async () => {
  const packets = [new Uint8Array(10).fill(4), new Uint8Array(10).fill(5)];
  const failing = new SlowTransport(Number.MAX_SAFE_INTEGER);
  failing.failWith = new Error("connection reset");
  const held = new HeldTransport();
  const errors: unknown[] = [];
  const broken = new WriteQueue(failing, {
    bytesWritten: () => {},
    writeFailed: (e) => errors.push(e),
  });
  const healthy = new WriteQueue(held, noEvents);
  for (const packet of packets) healthy.push(packet);
  for (const packet of packets) broken.push(packet);
  await broken.drained();
  assert.equal(errors.length, 1);
  for (let round = 0; round < 100; round++) {
    const other = new WriteQueue(new SlowTransport(Number.MAX_SAFE_INTEGER), noEvents);
    other.push(new Uint8Array(50).fill(0xee));
    other.push(new Uint8Array(50).fill(0xee));
    await other.drained();
  }
  assert.deepEqual([...held.given[0]!], [...packets[0]!, ...packets[1]!]);
  held.releaseAll();
  await healthy.drained();
});

Deno.test("WriteQueue.flush() starts the write at once; later bytes follow in order, written once", async () => {
  const calls: number[][] = [];
  const transport: Transport = {
    read: () => Promise.resolve(null),
    write: (bytes) => {
      calls.push([...bytes]);
      return Promise.resolve(bytes.byteLength);
    },
    close: () => {},
  };
  const queue = new WriteQueue(transport, noEvents);
  queue.flush(); // nothing queued: nothing to start
  assert.deepEqual(calls, []);
  queue.push(new Uint8Array([1, 2]));
  queue.push(new Uint8Array([3]));
  queue.flush();
  // Written before this task ends, not on the microtask push scheduled.
  assert.deepEqual(calls, [[1, 2, 3]]);
  queue.flush(); // a writer runs already: no second one
  queue.push(new Uint8Array([4]));
  queue.push(new Uint8Array([5, 6]));
  await queue.drained();
  assert.deepEqual(calls, [[1, 2, 3], [4, 5, 6]]);
  assert.equal(queue.queuedBytes, 0);
  // After a close, a flush writes nothing.
  queue.push(new Uint8Array([7]));
  queue.close();
  queue.flush();
  await queue.drained();
  assert.deepEqual(calls.flat(), [1, 2, 3, 4, 5, 6]);
});
