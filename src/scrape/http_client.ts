/**
 * A lean HTTP/1.1 client for the scrapers, on `Deno.connect` and
 * `Deno.connectTls`: a GET, its body read whole under a cap. Deno's `fetch`
 * spends about twice the CPU per small GET (Request, Headers and Response
 * objects, streams, hyper; `deno task bench http_client`), and a scraper
 * needs none of what that buys.
 *
 * Connections are kept alive, a few per origin, and closed after an idle
 * timeout by one unref'd timer, so an idle pool never holds the process open.
 */
import { decodeBody, encodedCap, framingOf, readBody } from "./_http_body.ts";
import { quote, readHead, type ResponseHeaders } from "./_http_head.ts";
import { HttpClientError, ResponseTooLarge, Wire } from "./_http_wire.ts";

export { HttpClientError, ResponseTooLarge };
export type { ResponseHeaders };

export interface HttpClientOptions {
  /** Idle connections kept per origin; more are closed as their responses end. Default 8. */
  maxIdlePerOrigin?: number;
  /** An idle connection older than this is closed. Default 4 s (servers often close at 5). */
  idleTimeoutMs?: number;
  /** Extra CA certificates (PEM) for HTTPS, e.g. a test's self-signed one. */
  caCerts?: string[];
}

export interface HttpResponse {
  status: number;
  headers: ResponseHeaders;
  /**
   * The body, decoded from gzip or deflate. Empty for a status outside 2xx: a
   * scraper reports only the status, so such a body is skipped, not kept.
   */
  body: Uint8Array;
  /** What answered, after redirects. */
  url: URL;
}

/** Followed, as fetch does, to http and https only. */
const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 5;
/** The body of an error or a redirect is skipped up to this size; past it the socket is closed. */
const SKIP_BYTES = 64 * 1024;
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const UNSAFE_VALUE = /[\r\n\0]/;
/** The client frames and encodes requests itself: a caller's copy would break that. */
const OWN_HEADERS = new Set([
  "host",
  "accept-encoding",
  "connection",
  "content-length",
  "transfer-encoding",
  "keep-alive",
  "te",
  "upgrade",
]);
const encoder = new TextEncoder();

/** One request, as sent on one connection or, when that one was stale, on a fresh one. */
interface Asked {
  url: URL;
  /** `scheme//host:port`: the pool it is sent from. */
  origin: string;
  request: Uint8Array;
  method: string;
  signal: AbortSignal;
  maxBytes: number;
}

interface Exchanged {
  response: HttpResponse;
  /** Still encoded: decoded after the connection is back in the pool. */
  encoding: string | null;
}

export class HttpClient {
  readonly #maxIdle: number;
  readonly #idleTimeoutMs: number;
  readonly #caCerts?: string[];
  /** Idle connections by origin, most recently used last. */
  readonly #idle = new Map<string, Wire[]>();
  /** Every open connection, idle or in use: what {@link close} closes. */
  readonly #open = new Set<Wire>();
  #sweepTimer?: ReturnType<typeof setTimeout>;
  /**
   * A proxy variable is set: this client does not speak to proxies, so the
   * scrapers use fetch, which does. Read once, when the client is made.
   */
  readonly proxyConfigured = proxyInEnvironment();
  #closed = false;
  #connected = 0;

  constructor(options: HttpClientOptions = {}) {
    this.#maxIdle = options.maxIdlePerOrigin ?? 8;
    this.#idleTimeoutMs = options.idleTimeoutMs ?? 4000;
    if (!Number.isInteger(this.#maxIdle) || this.#maxIdle < 0) {
      throw new RangeError(`maxIdlePerOrigin must be a non-negative integer, got ${this.#maxIdle}`);
    }
    if (!(this.#idleTimeoutMs > 0)) {
      throw new RangeError(`idleTimeoutMs must be positive, got ${this.#idleTimeoutMs}`);
    }
    if (options.caCerts !== undefined) this.#caCerts = options.caCerts;
  }

  /** Connections open now, idle or in use. */
  get openConnections(): number {
    return this.#open.size;
  }

  /** Connections opened since the client was made (to see reuse). */
  get connectionsMade(): number {
    return this.#connected;
  }

  /**
   * GETs `url` with `headers` (plus Host and Accept-Encoding), following up
   * to five redirects. Rejects with the signal's reason when it aborts (the
   * socket is closed at once), {@link ResponseTooLarge} when the decoded body
   * of a 2xx is over `maxBytes` (reading stops there), else
   * {@link HttpClientError} for what the socket or the server did wrong.
   */
  async get(
    url: URL,
    headers: readonly (readonly [string, string])[],
    signal: AbortSignal,
    maxBytes: number,
    method: "GET" | "HEAD" = "GET",
  ): Promise<HttpResponse> {
    let target = url;
    let sent = headers;
    for (let hops = 0;; hops++) {
      signal.throwIfAborted();
      if (this.#closed) throw new HttpClientError("client closed");
      const { response, encoding } = await this.#once({
        url: target,
        origin: `${target.protocol}//${target.host}`,
        request: requestHead(method, target, sent),
        method,
        signal,
        maxBytes,
      });
      if (encoding !== null) response.body = await decodeBody(response.body, encoding, maxBytes);
      const location = REDIRECTS.has(response.status) ? response.headers.get("location") : null;
      if (location === null) return response;
      if (hops === MAX_REDIRECTS) throw new HttpClientError(`more than ${MAX_REDIRECTS} redirects`);
      const next = URL.parse(location, target);
      if (next === null) throw new HttpClientError(`invalid redirect to ${quote(location)}`);
      if (next.protocol !== "http:" && next.protocol !== "https:") {
        throw new HttpClientError(`redirect to unsupported URL scheme ${next.protocol}`);
      }
      // As fetch does: credentials are not handed to another origin.
      if (next.origin !== target.origin) {
        sent = sent.filter(([name]) => name.toLowerCase() !== "authorization");
      }
      target = next;
    }
  }

  /** Closes every connection; a request in flight fails, later ones are refused. */
  close(): void {
    this.#closed = true;
    clearTimeout(this.#sweepTimer);
    this.#sweepTimer = undefined;
    for (const wire of this.#open) wire.close();
    this.#open.clear();
    this.#idle.clear();
  }

  async #once(asked: Asked): Promise<Exchanged> {
    const idle = this.#takeIdle(asked.origin);
    if (idle === undefined) return this.#fresh(asked);
    let exchanged: Exchanged;
    try {
      exchanged = await this.#use(idle, asked);
    } catch (error) {
      // A kept-alive socket the server had closed fails before any byte of an
      // answer: the request never reached it, so it is sent once more, fresh.
      const stale = error instanceof HttpClientError && idle.received === 0;
      if (asked.signal.aborted || !stale) throw error;
      return this.#fresh(asked);
    }
    // A server closing an idle kept-alive connection may write a 408 on it first (RFC 9110
    // §15.5.9): read after our request, it answers the wait, not the request. Asked once more,
    // fresh, as for a socket closed while idle.
    if (exchanged.response.status === 408) {
      this.#discard(idle);
      return this.#fresh(asked);
    }
    return exchanged;
  }

  async #fresh(asked: Asked): Promise<Exchanged> {
    return this.#use(await this.#connect(asked.url, asked.origin, asked.signal), asked);
  }

  async #use(wire: Wire, asked: Asked): Promise<Exchanged> {
    const { signal } = asked;
    // Closing the socket ends the read or write in flight at once.
    const onAbort = () => this.#discard(wire);
    signal.addEventListener("abort", onAbort);
    try {
      // Aborted while the connection was being made, after its own check.
      signal.throwIfAborted();
      const exchanged = await exchange(wire, asked);
      if (exchanged.reusable) this.#release(wire);
      else this.#discard(wire);
      return exchanged;
    } catch (error) {
      this.#discard(wire);
      if (signal.aborted) throw signal.reason;
      throw error;
    } finally {
      signal.removeEventListener("abort", onAbort);
    }
  }

  async #connect(url: URL, origin: string, signal: AbortSignal): Promise<Wire> {
    signal.throwIfAborted();
    const hostname = url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname;
    const tls = url.protocol === "https:";
    const port = url.port === "" ? (tls ? 443 : 80) : Number(url.port);
    const connecting: Promise<Deno.Conn> = tls
      ? Deno.connectTls({ hostname, port, ...(this.#caCerts ? { caCerts: this.#caCerts } : {}) })
      : Deno.connect({ hostname, port });
    // Connecting cannot be cancelled: the abort rejects now, the socket is closed when it comes.
    const aborted = Promise.withResolvers<never>();
    const onAbort = () => aborted.reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    let conn: Deno.Conn;
    try {
      conn = await Promise.race([connecting, aborted.promise]);
    } catch (error) {
      if (signal.aborted) {
        connecting.then((late) => late.close(), () => {});
        throw signal.reason;
      }
      throw new HttpClientError(error instanceof Error ? error.message : String(error), {
        cause: error,
      });
    } finally {
      signal.removeEventListener("abort", onAbort);
    }
    const wire = new Wire(conn, origin);
    if (this.#closed) {
      wire.close();
      throw new HttpClientError("client closed");
    }
    this.#open.add(wire);
    this.#connected++;
    return wire;
  }

  #takeIdle(origin: string): Wire | undefined {
    const idle = this.#idle.get(origin);
    if (idle === undefined) return undefined;
    const now = performance.now();
    while (idle.length > 0) {
      const wire = idle.pop()!;
      if (!wire.closed && now - wire.idleSince < this.#idleTimeoutMs) return wire;
      this.#discard(wire);
    }
    return undefined;
  }

  #release(wire: Wire): void {
    let idle = this.#idle.get(wire.origin);
    if (idle === undefined) {
      idle = [];
      this.#idle.set(wire.origin, idle);
    }
    if (this.#closed || idle.length >= this.#maxIdle) return this.#discard(wire);
    wire.idleSince = performance.now();
    idle.push(wire);
    this.#armSweep(this.#idleTimeoutMs);
  }

  #discard(wire: Wire): void {
    wire.close();
    this.#open.delete(wire);
  }

  /** One timer for the whole pool, unref'd: idle sockets never keep the process alive. */
  #armSweep(delayMs: number): void {
    if (this.#sweepTimer !== undefined) return;
    const timer = setTimeout(() => this.#sweep(), delayMs);
    Deno.unrefTimer(timer);
    this.#sweepTimer = timer;
  }

  #sweep(): void {
    this.#sweepTimer = undefined;
    const now = performance.now();
    let oldest = Infinity;
    for (const [origin, idle] of this.#idle) {
      const kept = idle.filter((wire) => {
        if (!wire.closed && now - wire.idleSince < this.#idleTimeoutMs) {
          oldest = Math.min(oldest, wire.idleSince);
          return true;
        }
        this.#discard(wire);
        return false;
      });
      if (kept.length === 0) this.#idle.delete(origin);
      else this.#idle.set(origin, kept);
    }
    if (oldest !== Infinity) {
      this.#armSweep(Math.max(10, oldest + this.#idleTimeoutMs - now));
    }
  }
}

const PROXY_VARIABLES = ["HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"];

function proxyInEnvironment(): boolean {
  try {
    return PROXY_VARIABLES.some((name) =>
      [name, name.toLowerCase()].some((variable) => (Deno.env.get(variable) ?? "") !== "")
    );
  } catch {
    // Not allowed to read them: fetch is, whatever the permissions, so it decides.
    return true;
  }
}

function requestHead(
  method: string,
  url: URL,
  headers: readonly (readonly [string, string])[],
): Uint8Array {
  let head = `${method} ${url.pathname}${url.search} HTTP/1.1\r\nHost: ${url.host}\r\n`;
  for (const [name, value] of headers) {
    if (OWN_HEADERS.has(name.toLowerCase())) continue;
    if (!TOKEN.test(name)) throw new TypeError(`invalid header name ${quote(name)}`);
    if (UNSAFE_VALUE.test(value)) throw new TypeError(`invalid value of header ${name}`);
    head += `${name}: ${value}\r\n`;
  }
  return encoder.encode(`${head}Accept-Encoding: gzip, deflate\r\n\r\n`);
}

/** One request and its response on `wire`; the body still encoded. */
async function exchange(
  wire: Wire,
  { url, request, method, maxBytes }: Asked,
): Promise<Exchanged & { reusable: boolean }> {
  wire.received = 0;
  await wire.write(request);
  let head = await readHead(wire);
  // Interim answers (100 Continue, 103 Early Hints) come before the real one.
  while (head.status < 200) {
    if (head.status === 101) throw new HttpClientError("unexpected 101 Switching Protocols");
    head = await readHead(wire);
  }
  const framing = framingOf(head, method);
  const ok = head.status >= 200 && head.status < 300;
  let encoding = head.headers.get("content-encoding");
  if (encoding !== null && /^\s*(?:identity)?\s*$/i.test(encoding)) encoding = null;
  let body: Uint8Array = new Uint8Array();
  let complete = true;
  if (ok) {
    body = await readBody(
      wire,
      framing,
      encoding === null ? maxBytes : encodedCap(maxBytes),
      maxBytes,
    );
  } else {
    try {
      await readBody(wire, framing, SKIP_BYTES, SKIP_BYTES);
    } catch (error) {
      if (!(error instanceof ResponseTooLarge)) throw error;
      complete = false;
    }
    encoding = null;
  }
  const connection = head.headers.get("connection")?.toLowerCase() ?? "";
  // Anything buffered past the body was not asked for: the stream is out of step, not reused.
  // Nor after both a Transfer-Encoding and a Content-Length (RFC 9112 §6.3: maybe smuggling).
  const reusable = complete && framing.kind !== "close" && head.minor === 1 &&
    !(framing.kind === "chunked" && head.headers.has("content-length")) &&
    !/(?:^|,)\s*close\s*(?:,|$)/.test(connection) && wire.available === 0;
  return {
    response: { status: head.status, headers: head.headers, body, url },
    encoding,
    reusable,
  };
}
