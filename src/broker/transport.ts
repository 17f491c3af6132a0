/**
 * The byte stream a client connection runs over. `Deno.Conn` (TCP, TLS) satisfies it as is, and a
 * WebSocket listener can hand over an adapter, so the broker never depends on where bytes come from.
 *
 * @example Serve connections accepted by a listener of your own
 * ```ts
 * import { Broker, type Transport } from "./mod.ts";
 *
 * const broker = new Broker();
 * const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
 * const serve = async () => {
 *   for await (const conn of listener) {
 *     const transport: Transport = conn;
 *     void broker.handleConnection(transport);
 *   }
 * };
 * void serve;
 * listener.close();
 * await broker.close();
 * ```
 */
export interface Transport {
  /** Reads into `buffer`; resolves with the number of bytes read, or `null` at end of stream. */
  read(buffer: Uint8Array): Promise<number | null>;
  /**
   * Writes some prefix of `bytes`; resolves with how many were written (partial writes allowed).
   * Once it settles, the caller may reuse `bytes`: a transport that sends later keeps a copy.
   */
  write(bytes: Uint8Array): Promise<number>;
  /** Closes both directions; a pending `read` then rejects or resolves `null`. */
  close(): void;
  /**
   * Closes the writing side only (TCP FIN), when the transport can: the broker then reads on
   * until the peer closes, so its last packet is not lost to a reset.
   */
  closeWrite?(): Promise<void>;
}
