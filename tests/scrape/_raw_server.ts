/**
 * A TCP server on 127.0.0.1 that answers with exactly the bytes a test
 * scripts: for framing a real HTTP server would never send (bad lengths,
 * garbage, tiny writes, a close at the wrong time).
 *
 * ```ts
 * await using server = rawServer(async (peer) => {
 *   await peer.request();
 *   await peer.send("HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok");
 * });
 * ```
 */

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** One accepted connection, as the script sees it. */
export interface Peer {
  /** Which connection this is, from 0 in accept order. */
  readonly index: number;
  /** Reads one request head (up to the blank line); null when the client closed first. */
  request(): Promise<string | null>;
  /** Writes text or bytes, in as many writes as `pieces` says (1 by default). */
  send(data: string | Uint8Array, pieces?: number): Promise<void>;
  close(): void;
}

export interface RawServer extends AsyncDisposable {
  readonly port: number;
  /** `http://127.0.0.1:<port><path>` */
  url(path?: string): URL;
  /** Connections accepted so far. */
  readonly accepted: number;
  /** Every request head read, in order. */
  readonly requests: readonly string[];
  close(): Promise<void>;
}

/** Runs `script` for every connection; the connection is closed when it returns. */
export function rawServer(script: (peer: Peer) => Promise<void>): RawServer {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const conns = new Set<Deno.Conn>();
  const scripts: Promise<void>[] = [];
  const requests: string[] = [];
  let accepted = 0;

  const serve = async (conn: Deno.Conn, index: number) => {
    let pending = new Uint8Array();
    const peer: Peer = {
      index,
      async request() {
        const chunk = new Uint8Array(4096);
        while (true) {
          const text = decoder.decode(pending);
          const end = text.indexOf("\r\n\r\n");
          if (end >= 0) {
            pending = pending.subarray(encoder.encode(text.slice(0, end + 4)).byteLength);
            const head = text.slice(0, end);
            requests.push(head);
            return head;
          }
          const count = await conn.read(chunk).catch(() => null);
          if (count === null) return null;
          const joined = new Uint8Array(pending.byteLength + count);
          joined.set(pending);
          joined.set(chunk.subarray(0, count), pending.byteLength);
          pending = joined;
        }
      },
      async send(data, pieces = 1) {
        const bytes = typeof data === "string" ? encoder.encode(data) : data;
        const size = Math.max(1, Math.ceil(bytes.byteLength / pieces));
        for (let at = 0; at < bytes.byteLength; at += size) {
          await conn.write(bytes.subarray(at, at + size));
          // Separate writes reach the client as separate reads only with a pause between.
          if (pieces > 1) await new Promise((resolve) => setTimeout(resolve, 0));
        }
      },
      close() {
        if (conns.delete(conn)) conn.close();
      },
    };
    try {
      await script(peer);
    } catch {
      // The client went away mid-script (a test that aborts on purpose).
    } finally {
      peer.close();
    }
  };

  const accepting = (async () => {
    for await (const conn of listener) {
      conns.add(conn);
      scripts.push(serve(conn, accepted++));
    }
  })().catch(() => {});

  const close = async () => {
    listener.close();
    for (const conn of conns) conn.close();
    conns.clear();
    // Scripts still running see their connection gone and end.
    await accepting;
    await Promise.all(scripts);
  };
  const port = (listener.addr as Deno.NetAddr).port;
  return {
    port,
    url: (path = "/") => new URL(`http://127.0.0.1:${port}${path}`),
    get accepted() {
      return accepted;
    },
    requests,
    close,
    [Symbol.asyncDispose]: close,
  };
}
