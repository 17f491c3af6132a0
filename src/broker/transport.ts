/**
 * The byte stream a client connection runs over. `Deno.Conn` (TCP, TLS) satisfies it as is, and a
 * WebSocket listener can hand over an adapter, so the broker never depends on where bytes come from.
 */
export interface Transport {
  /** Reads into `buffer`; resolves with the number of bytes read, or `null` at end of stream. */
  read(buffer: Uint8Array): Promise<number | null>;
  /** Writes some prefix of `bytes`; resolves with how many were written (partial writes allowed). */
  write(bytes: Uint8Array): Promise<number>;
  /** Closes both directions; a pending `read` then rejects or resolves `null`. */
  close(): void;
}
