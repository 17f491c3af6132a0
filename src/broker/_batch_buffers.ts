/**
 * Buffers for the write queues' coalesced batches, reused across connections. A fan-out writes
 * a batch of up to 64 KiB per subscriber per burst; a new one each time is fresh, zero-filled
 * memory (page faults), and memory outside the JS heap that drives V8 to collect garbage sooner
 * the more of it is made. A batch buffer comes back here once every write of it has settled,
 * so no write still reads it. At most 64 spares (4 MiB) are kept, made only by traffic that
 * needed that many at once.
 */

/** The size of every batch buffer: the write queue's coalescing limit. */
export const BATCH_BUFFER_BYTES = 64 * 1024;

const MAX_SPARE_BUFFERS = 64;

const spares: Uint8Array[] = [];

/** A buffer of {@linkcode BATCH_BUFFER_BYTES} to fill; its contents are whatever was left. */
export function takeBatchBuffer(): Uint8Array {
  return spares.pop() ?? new Uint8Array(BATCH_BUFFER_BYTES);
}

/** Gives back a buffer from {@linkcode takeBatchBuffer} that no write reads any more. */
export function giveBackBatchBuffer(buffer: Uint8Array): void {
  if (spares.length < MAX_SPARE_BUFFERS) spares.push(buffer);
}
