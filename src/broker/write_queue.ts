import type { Transport } from "./transport.ts";
import { BATCH_BUFFER_BYTES } from "./_batch_buffers.ts";
import {
  type BatchChunk,
  buildBatch,
  releaseBatch,
  shareBatch,
  type SharedBatch,
} from "./_shared_batches.ts";

/**
 * Packets smaller than this are gathered into one write: a fan-out or a burst of acks then costs
 * one syscall per batch instead of one per packet.
 */
const COALESCE_BYTES = BATCH_BUFFER_BYTES;

/**
 * What a queue writes: bytes, or a packet that writes its own bytes into a batch (a copy of a
 * shared PUBLISH template with its own packet id), made into bytes only when written.
 */
export type QueuedBytes = BatchChunk;

/** Callbacks of a {@linkcode WriteQueue}. */
export interface WriteQueueEvents {
  /** Bytes that reached the transport. */
  bytesWritten(byteCount: number): void;
  /** The transport failed; the queue is closed and its contents dropped. */
  writeFailed(error: unknown): void;
}

/**
 * A connection's ordered outbox. `push` never waits: the broker hands over bytes and moves on,
 * while one writer per connection drains the queue, finishing partial writes and coalescing
 * small packets. So a slow or dead socket delays only itself; `queuedBytes` tells the owner
 * when to stop feeding it.
 */
export class WriteQueue {
  readonly #transport: Transport;
  readonly #events: WriteQueueEvents;
  #chunks: QueuedBytes[] = [];
  #queuedBytes = 0;
  #writing = false;
  /** The writer has started (`#writing` is set as soon as one is due, on a microtask). */
  #draining = false;
  #closed = false;
  #drainWaiters: (() => void)[] = [];
  /** The batch being written, if it is one (possibly written by other queues too). */
  #batch: SharedBatch | undefined;

  constructor(transport: Transport, events: WriteQueueEvents) {
    this.#transport = transport;
    this.#events = events;
  }

  /** Bytes accepted but not yet written. */
  get queuedBytes(): number {
    return this.#queuedBytes;
  }

  /** Whether the queue refuses further bytes. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Appends `bytes` (not copied: the caller must not change them); false once closed. */
  push(bytes: QueuedBytes): boolean {
    if (this.#closed) return false;
    this.#chunks.push(bytes);
    this.#queuedBytes += bytes.byteLength;
    if (!this.#writing) {
      this.#writing = true;
      // Start on a microtask so every packet produced while handling the current read (one
      // parse of many packets, one route to many subscribers) joins the first write.
      queueMicrotask(() => this.#startDrain());
    }
    return true;
  }

  /**
   * Starts writing what is queued now instead of once the current task's work is done: the
   * caller has a long run of packets still to make (a new subscriber's retained set) and the
   * peer can read the first of them meanwhile. Later pushes join the following writes as usual.
   */
  flush(): void {
    if (this.#writing) this.#startDrain();
  }

  #startDrain(): void {
    if (this.#draining) return;
    this.#draining = true;
    void this.#drain();
  }

  /** Resolves once everything queued so far is written, or the queue is closed. */
  drained(): Promise<void> {
    if (this.#closed || (!this.#writing && this.#chunks.length === 0)) return Promise.resolve();
    return new Promise((resolve) => this.#drainWaiters.push(resolve));
  }

  /** Drops whatever is queued and refuses more; a write in progress finishes on its own. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#chunks = [];
    this.#queuedBytes = 0;
    this.#wakeDrainWaiters();
  }

  async #drain(): Promise<void> {
    try {
      while (!this.#closed && this.#chunks.length > 0) {
        const batch = this.#takeBatch();
        try {
          let offset = 0;
          while (offset < batch.byteLength) {
            // A transport may take only part of the bytes; write the rest before anything else.
            offset += await this.#transport.write(offset === 0 ? batch : batch.subarray(offset));
            if (this.#closed) return;
          }
        } finally {
          // Every write of it has settled: the transport reads it no more.
          if (this.#batch !== undefined) releaseBatch(this.#batch);
          this.#batch = undefined;
        }
        this.#queuedBytes -= batch.byteLength;
        this.#events.bytesWritten(batch.byteLength);
      }
    } catch (error) {
      if (!this.#closed) {
        this.close();
        this.#events.writeFailed(error);
      }
    } finally {
      this.#writing = false;
      this.#draining = false;
      if (this.#closed || this.#chunks.length === 0) this.#wakeDrainWaiters();
    }
  }

  #takeBatch(): Uint8Array {
    const first = this.#chunks[0]!;
    // Bytes written alone are written as they are; a packet in parts goes through a batch even
    // alone, so a message to many subscribers is joined once, in the batch they all share.
    const alone = this.#chunks.length === 1 && first instanceof Uint8Array;
    if (alone || first.byteLength >= COALESCE_BYTES) {
      this.#chunks.shift();
      return asBytes(first);
    }
    let count = 0;
    let total = 0;
    for (const chunk of this.#chunks) {
      if (count > 0 && total + chunk.byteLength > COALESCE_BYTES) break;
      total += chunk.byteLength;
      count++;
    }
    if (count === 1 && first instanceof Uint8Array) {
      this.#chunks.shift();
      return first;
    }
    const shared = shareBatch(this.#chunks, count);
    const taken = this.#chunks.splice(0, count);
    this.#batch = shared ?? buildBatch(taken);
    return this.#batch.buffer.subarray(0, total);
  }

  #wakeDrainWaiters(): void {
    const waiters = this.#drainWaiters;
    this.#drainWaiters = [];
    for (const wake of waiters) wake();
  }
}

function asBytes(chunk: QueuedBytes): Uint8Array {
  if (chunk instanceof Uint8Array) return chunk;
  const bytes = new Uint8Array(chunk.byteLength);
  chunk.writeTo(bytes, 0);
  return bytes;
}
