/**
 * One HTTP/1.1 connection of {@link HttpClient}: the socket and the bytes read
 * from it but not yet parsed. A response is parsed from this buffer; what is
 * left past its end (nothing, with a well-behaved server) stays for the next.
 */

/** A protocol or socket failure of {@link HttpClient}; http.ts reports it as `network error: …`. */
export class HttpClientError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "HttpClientError";
  }
}

/** A body (decoded) past the caller's cap: http.ts reports `response over N bytes`. */
export class ResponseTooLarge extends Error {
  readonly maxBytes: number;

  constructor(maxBytes: number) {
    super(`response over ${maxBytes} bytes`);
    this.name = "ResponseTooLarge";
    this.maxBytes = maxBytes;
  }
}

/** Where reading starts; a response head larger than it grows the buffer (to the head cap). */
const READ_BUFFER_BYTES = 16 * 1024;

export class Wire {
  readonly conn: Deno.Conn;
  /** `scheme//host:port`: the pool this connection goes back to. */
  readonly origin: string;
  buffer = new Uint8Array(READ_BUFFER_BYTES);
  /** The unparsed bytes are `buffer[start, end)`. */
  start = 0;
  end = 0;
  /** Bytes received for the response in progress: 0 tells a server that closed an idle socket. */
  received = 0;
  /** When it went back to the pool (`performance.now()`). */
  idleSince = 0;
  closed = false;

  constructor(conn: Deno.Conn, origin: string) {
    this.conn = conn;
    this.origin = origin;
  }

  get available(): number {
    return this.end - this.start;
  }

  /**
   * Reads more bytes after the unparsed ones, moving them to the front or
   * growing the buffer (up to `maxBuffered`) when there is no room. False at
   * the end of the stream.
   */
  async fill(maxBuffered = this.buffer.byteLength): Promise<boolean> {
    if (this.end === this.buffer.byteLength) {
      if (this.start > 0) {
        this.buffer.copyWithin(0, this.start, this.end);
        this.end -= this.start;
        this.start = 0;
      } else if (this.buffer.byteLength < maxBuffered) {
        const grown = new Uint8Array(Math.min(this.buffer.byteLength * 2, maxBuffered));
        grown.set(this.buffer.subarray(0, this.end));
        this.buffer = grown;
      } else {
        throw new RangeError("read buffer full");
      }
    }
    const count = await this.read(this.buffer.subarray(this.end));
    if (count === null) return false;
    this.end += count;
    return true;
  }

  /** One read from the socket into `target` (past the buffer), counted as received. */
  async read(target: Uint8Array): Promise<number | null> {
    let count: number | null;
    try {
      count = await this.conn.read(target);
    } catch (error) {
      throw new HttpClientError(socketMessage(error), { cause: error });
    }
    if (count !== null) this.received += count;
    return count;
  }

  async write(bytes: Uint8Array): Promise<void> {
    try {
      let at = 0;
      while (at < bytes.byteLength) at += await this.conn.write(bytes.subarray(at));
    } catch (error) {
      throw new HttpClientError(socketMessage(error), { cause: error });
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      this.conn.close();
    } catch {
      // Already closed by Deno (a failed TLS handshake does).
    }
  }
}

function socketMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
