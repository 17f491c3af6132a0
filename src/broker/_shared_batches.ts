/**
 * Coalesced write batches that several connections write from. A fan-out queues the same packet
 * objects, in the same order, on every subscriber's connection (one encoded PUBLISH per variant,
 * see outgoing.ts), so the batch one write queue copies those packets into holds exactly what the
 * next queue would copy: the next one writes from it instead. A message to 100 subscribers is then
 * copied into one batch, not 100, and takes one pooled buffer, not 100. A batch is found by its
 * first packet, and only while a write of it is still pending: once the last one settles its
 * buffer goes back to the pool and the batch can no longer be found.
 */
import { giveBackBatchBuffer, takeBatchBuffer } from "./_batch_buffers.ts";

/** A packet in a write queue (see write_queue.ts `QueuedBytes`). */
export type BatchChunk = Uint8Array | {
  readonly byteLength: number;
  writeTo(target: Uint8Array, offset: number): void;
};

/** The bytes of `chunks`, back to back in a pooled buffer, and how many queues write them. */
export class SharedBatch {
  readonly buffer: Uint8Array;
  readonly chunks: readonly BatchChunk[];
  writers = 1;

  constructor(buffer: Uint8Array, chunks: readonly BatchChunk[]) {
    this.buffer = buffer;
    this.chunks = chunks;
  }
}

/** The batches being written, by their first packet; the latest built wins. */
const pending = new Map<BatchChunk, SharedBatch>();

/**
 * A batch being written whose first packets are `chunks[0..count)`, now written by one more
 * queue, or `undefined`. Packets are compared by identity: the same object is the same bytes,
 * since nothing queued is changed (write_queue.ts `push`).
 */
export function shareBatch(chunks: readonly BatchChunk[], count: number): SharedBatch | undefined {
  const batch = pending.get(chunks[0]!);
  if (batch === undefined || batch.chunks.length < count) return undefined;
  for (let i = 1; i < count; i++) if (batch.chunks[i] !== chunks[i]) return undefined;
  batch.writers++;
  return batch;
}

/** Copies `chunks` (together at most a batch buffer) into a new batch others can share. */
export function buildBatch(chunks: readonly BatchChunk[]): SharedBatch {
  const batch = new SharedBatch(takeBatchBuffer(), chunks);
  const buffer = batch.buffer;
  let offset = 0;
  for (const chunk of chunks) {
    if (chunk instanceof Uint8Array) buffer.set(chunk, offset);
    else chunk.writeTo(buffer, offset);
    offset += chunk.byteLength;
  }
  pending.set(chunks[0]!, batch);
  return batch;
}

/** One queue's writes of `batch` have all settled: the last one gives its buffer back. */
export function releaseBatch(batch: SharedBatch): void {
  if (--batch.writers > 0) return;
  const first = batch.chunks[0]!;
  if (pending.get(first) === batch) pending.delete(first);
  giveBackBatchBuffer(batch.buffer);
}
