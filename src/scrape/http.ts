import { Buffer } from "node:buffer";
import { FeedError } from "./feed_error.ts";
import type { CachedDocument, FeedCache } from "./feed_cache.ts";
import type { ScrapeContext } from "./scraper.ts";
import { parseXml, XmlError } from "./_xml.ts";
import { type HttpClient, ResponseTooLarge } from "./http_client.ts";

/**
 * Turns a parsed body into what the caller uses (checked, indexed). What it
 * returns is what the cache keeps, and what a 304, a fresh entry or a
 * byte-identical body gives back without reading again: it must not be
 * changed by its users.
 */
export interface Reader<T> {
  /** Part of the cache key: one URL read two ways is two entries. */
  readonly name: string;
  /** @throws {FeedError} naming `url`, the field and the value, when the document is not right. */
  read(document: unknown, url: string): T;
  /**
   * Reads the body's bytes itself (faster than JSON.parse, then `read`), or
   * returns undefined to leave the body to them: what it returns, and what it
   * leaves, must be exactly what they make of the body (result or FeedError).
   */
  readBytes?(bytes: Uint8Array, url: string, previous?: Previous<T>): BytesRead<T> | undefined;
  /**
   * What it reads is worth keeping even from a body that changes at every
   * fetch: `readBytes` reads the next body with its help (`previous`).
   */
  readonly keepsDocument?: boolean;
}

/** The body a cache holds for a URL, and what its reader made of it: given to the next {@link Reader.readBytes}. */
export interface Previous<T> {
  readonly body: Uint8Array;
  readonly document: T;
}

/** What {@link Reader.readBytes} read: the document, and its top-level `ttl` (for `"gbfs"` freshness). */
export interface BytesRead<T> {
  document: T;
  ttl: unknown;
}

/** How {@link fetchDocument} reads and keeps one document. */
export interface FetchOptions<T = unknown> {
  /** Parse the body as JSON (default), as XML (an {@link XmlElement} tree) or not at all. */
  as?: "json" | "xml" | "text";
  /**
   * How long the answer is used without asking the server again (with a
   * cache): `"gbfs"` reads the document's GBFS `ttl` (capped by the cache),
   * `"discovery"` the cache's discovery lifetime, a number fixes it in
   * seconds; absent, every call asks (conditionally when it can).
   */
  freshness?: "gbfs" | "discovery" | number;
  /** `<class>::<tag>` of the network asking: decides `changed`. */
  consumer?: string;
  /** What to make of the parsed body; absent, the parsed body itself. */
  read?: Reader<T>;
}

/** A document and whether the asking network has seen this content before. */
export interface FetchedDocument<T = unknown> {
  document: T;
  /** False when the consumer already used this very content (304, or fresh by ttl). */
  changed: boolean;
  /** Records that the consumer used this content: call it once the network is built. */
  seen(): void;
}

const nothingToRecord = () => {};

/**
 * GETs one JSON document and parses it, with the task's signal and a size cap.
 *
 * The body is read as a stream and counted, so a feed that answers with a huge
 * (or endless) body costs at most `ctx.maxBytes` of memory: a Pi has little to
 * spare and one bad feed must not take the other networks down with it.
 * Every failure, whatever its cause, becomes a {@link FeedError} naming the URL.
 */
export async function fetchJson(url: string, ctx: ScrapeContext): Promise<unknown> {
  return (await fetchDocument(url, ctx)).document;
}

/**
 * GETs one document like {@link fetchJson}, and with `ctx.cache` also: skips
 * the request while the document is fresh, asks conditionally (ETag,
 * Last-Modified) so an unchanged one costs a 304 and no body, and shares one
 * request per URL between the networks that ask at the same time.
 */
export async function fetchDocument<T = unknown>(
  url: string,
  ctx: ScrapeContext,
  options: FetchOptions<T> = {},
): Promise<FetchedDocument<T>> {
  const target = parseHttpUrl(url);
  const cache = ctx.cache;
  if (cache === undefined) {
    const answer = await request(target, url, ctx, undefined, options);
    return { document: answer.document as T, changed: true, seen: nothingToRecord };
  }
  const key = cacheKey(url, ctx.headers, options.read);
  const held = cache.get(key);
  if (held !== undefined && held.freshUntil > cache.now()) return used(cache, held, options);
  const refresh = () => revalidate(cache, key, target, url, ctx, options);
  let entry: CachedDocument;
  try {
    entry = await cache.shared(key, refresh);
  } catch (error) {
    // The shared request ran on another task's signal: when that task was
    // cancelled, this one, still alive, asks for itself.
    const othersAbort = error instanceof FeedError && !ctx.signal.aborted &&
      (error.reason === "aborted" || error.reason === "timed out");
    if (!othersAbort) throw error;
    entry = await refresh();
  }
  return used(cache, entry, options);
}

function used<T>(
  cache: FeedCache,
  entry: CachedDocument,
  options: FetchOptions<T>,
): FetchedDocument<T> {
  return {
    document: entry.document as T,
    changed: cache.isNewTo(entry, options.consumer),
    seen: () => cache.markSeen(entry, options.consumer),
  };
}

async function revalidate<T>(
  cache: FeedCache,
  key: string,
  target: URL,
  url: string,
  ctx: ScrapeContext,
  options: FetchOptions<T>,
): Promise<CachedDocument> {
  const held = cache.get(key);
  const answer = await request(target, url, ctx, held, options);
  const now = cache.now();
  if (answer.notModified) {
    if (held === undefined) {
      throw new FeedError(url, "HTTP 304 to a request that was not conditional");
    }
    held.freshUntil = now + freshnessMs(cache, options, held.ttlS);
    return held;
  }
  if (answer.identical) cache.countIdentical();
  const freshMs = freshnessMs(cache, options, answer.ttlS);
  // A document that changed since the last fetch and that neither a 304 nor
  // its freshness can bring back (station_status, mostly) is not kept, only its
  // body: holding the parsed objects until the next scrape would move all of
  // them to V8's old space (RSS up by half in the bench) for a reuse that is
  // unlikely. Kept again as soon as a body repeats.
  const changing = answer.etag === undefined && answer.lastModified === undefined &&
    freshMs <= 0 && held?.body !== undefined && !answer.identical && !answer.repeated &&
    options.read?.keepsDocument !== true;
  // A 200 is news even when its body is the one held (the version moves on):
  // only a 304 or a fresh entry says "not modified", as before bodies were kept.
  const entry = cache.put(key, {
    document: changing ? undefined : answer.document,
    freshUntil: now + freshMs,
    bytes: answer.bytes,
    ...(changing ? { bodyOnly: true } : {}),
    ...(answer.body === undefined ? {} : { body: answer.body }),
    ...(answer.ttlS === undefined ? {} : { ttlS: answer.ttlS }),
    ...(answer.etag === undefined ? {} : { etag: answer.etag }),
    ...(answer.lastModified === undefined ? {} : { lastModified: answer.lastModified }),
  });
  // The caller still gets what was read (version and marks shared with the entry).
  return changing ? { ...entry, document: answer.document } : entry;
}

function freshnessMs<T>(
  cache: FeedCache,
  options: FetchOptions<T>,
  ttlS: number | undefined,
): number {
  const freshness = options.freshness;
  if (freshness === undefined) return 0;
  if (freshness === "discovery") return cache.discoveryTtlS * 1000;
  if (typeof freshness === "number") return freshness * 1000;
  if (ttlS === undefined) return 0;
  return Math.min(ttlS, cache.maxTtlS) * 1000;
}

/** A document's GBFS `ttl`, when it is a usable one. */
function usableTtl(ttl: unknown): number | undefined {
  return typeof ttl === "number" && Number.isFinite(ttl) && ttl > 0 ? ttl : undefined;
}

/**
 * Per-network headers (API keys) may give different answers for one URL; a
 * reader makes a different document of the same body.
 */
function cacheKey(
  url: string,
  headers: Readonly<Record<string, string>> | undefined,
  reader: Reader<unknown> | undefined,
): string {
  const key = reader === undefined ? url : `${url}\n${reader.name}`;
  if (headers === undefined || Object.keys(headers).length === 0) return key;
  const sorted = Object.keys(headers).sort().map((name) => [name.toLowerCase(), headers[name]]);
  return `${key}\n${JSON.stringify(sorted)}`;
}

const accepted = {
  json: "application/json",
  xml: "application/xml, text/xml",
  text: "*/*",
};

/** Request headers Spoke sets itself; a network's `headers` cannot replace them. */
const ownHeaders = new Set(["user-agent", "accept", "if-none-match", "if-modified-since"]);

interface Answer {
  notModified: boolean;
  /** The body is the one `held` has: its document is reused, not read again. */
  identical?: boolean;
  /** The body is the one `held` has, but held without its document: read again. */
  repeated?: boolean;
  document: unknown;
  bytes: number;
  /** The body, for a cache to keep (only when asked with one). */
  body?: Uint8Array;
  ttlS?: number;
  etag?: string;
  lastModified?: string;
}

// Whole bodies only (no `stream`), so one decoder of each serves every request.
// The replacing decoder is ten times faster than the fatal one (0.07 against
// 0.7 ms for an 800 KB station_status): bodies are read with it, and only one
// that then holds a U+FFFD (invalid bytes, or a real U+FFFD) is decoded again
// strictly, which tells the two apart.
const utf8 = new TextDecoder("utf-8");
const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

/** The body as text; throws a TypeError when it is not UTF-8. */
function decodeUtf8(bytes: Uint8Array): string {
  const text = utf8.decode(bytes);
  return text.includes("\uFFFD") ? strictUtf8.decode(bytes) : text;
}

/** One GET under the host's permit, body read and parsed (and read, with `options.read`). */
async function request<T>(
  target: URL,
  url: string,
  ctx: ScrapeContext,
  held: CachedDocument | undefined,
  options: FetchOptions<T>,
): Promise<Answer> {
  let permit: Disposable | undefined;
  if (ctx.hosts !== undefined) {
    try {
      permit = await ctx.hosts.acquire(target.host, ctx.signal);
    } catch (error) {
      throw new FeedError(url, failureReason(error, ctx.signal), { cause: error });
    }
  }
  using _permit = permit;
  // A list of pairs: fetch copies it for less than a Headers object or a record.
  const headers: [string, string][] = [
    ["User-Agent", ctx.userAgent],
    ["Accept", accepted[options.as ?? "json"]],
  ];
  if (held?.etag !== undefined) headers.push(["If-None-Match", held.etag]);
  if (held?.lastModified !== undefined) headers.push(["If-Modified-Since", held.lastModified]);
  if (ctx.headers !== undefined) {
    for (const [name, value] of Object.entries(ctx.headers)) {
      // Ours win over a network's own (as Headers.set did).
      if (!ownHeaders.has(name.toLowerCase())) headers.push([name, value]);
    }
  }
  const received = ctx.http !== undefined && !ctx.http.proxyConfigured
    ? await viaClient(ctx.http, target, url, headers, ctx)
    : await viaFetch(target, url, headers, ctx);
  if (received.status === 304) return { notModified: true, document: undefined, bytes: 0 };
  if (received.status < 200 || received.status > 299) {
    throw new FeedError(url, `HTTP ${received.status}`);
  }
  const bytes = received.body;
  const etag = received.headers.get("etag");
  const lastModified = received.headers.get("last-modified");
  const validators = {
    ...(etag === null ? {} : { etag }),
    ...(lastModified === null ? {} : { lastModified }),
  };
  const repeated = held?.body !== undefined && held.body.byteLength === bytes.byteLength &&
    Buffer.compare(held.body, bytes) === 0;
  if (repeated && held.bodyOnly !== true) {
    return {
      notModified: false,
      identical: true,
      document: held.document,
      bytes: held.bytes,
      body: held.body,
      ...(held.ttlS === undefined ? {} : { ttlS: held.ttlS }),
      ...validators,
    };
  }
  // A reader that reads the bytes itself skips the decoding and JSON.parse (or leaves them to us).
  const json = options.as === undefined || options.as === "json";
  const previous = held?.body !== undefined && held.bodyOnly !== true
    ? { body: held.body, document: held.document as T }
    : undefined;
  const quick = json ? options.read?.readBytes?.(bytes, url, previous) : undefined;
  let document: unknown;
  let ttlS: number | undefined;
  if (quick !== undefined) {
    document = quick.document;
    ttlS = usableTtl(quick.ttl);
  } else {
    document = parseBody(bytes, url, options);
    ttlS = json ? usableTtl((document as { ttl?: unknown } | null)?.ttl) : undefined;
    if (options.read !== undefined) document = options.read.read(document, url);
  }
  return {
    notModified: false,
    ...(repeated ? { repeated } : {}),
    document,
    bytes: bytes.byteLength,
    // Kept to tell the next identical body: exactly its bytes, not the spare room read into.
    ...(ctx.cache === undefined ? {} : { body: exact(bytes) }),
    ...(ttlS === undefined ? {} : { ttlS }),
    ...validators,
  };
}

/** The body decoded, and parsed as `options.as` says. */
function parseBody<T>(bytes: Uint8Array, url: string, options: FetchOptions<T>): unknown {
  const what = options.as === "xml" ? "XML" : options.as === "text" ? "text" : "JSON";
  let text: string;
  try {
    text = decodeUtf8(bytes);
  } catch (error) {
    throw new FeedError(url, `invalid ${what}: not UTF-8 text`, { cause: error });
  }
  let document: unknown = text;
  if (options.as === "xml") {
    try {
      document = parseXml(text);
    } catch (error) {
      if (!(error instanceof XmlError)) throw error;
      throw new FeedError(url, `invalid XML: ${error.message}`, { cause: error });
    }
  } else if (options.as !== "text") {
    try {
      document = JSON.parse(text);
    } catch (error) {
      throw new FeedError(url, `invalid JSON: ${short(errorMessage(error))}`, { cause: error });
    }
  }
  return document;
}

/** What {@link request} uses of an answer, whichever client got it: the body only for a 2xx. */
interface Received {
  status: number;
  headers: { get(name: string): string | null };
  body: Uint8Array;
}

const noBody = new Uint8Array();

/** The GET through Spoke's own client (`ctx.http`): its errors become FeedErrors as fetch's do. */
async function viaClient(
  client: HttpClient,
  target: URL,
  url: string,
  headers: [string, string][],
  ctx: ScrapeContext,
): Promise<Received> {
  try {
    return await client.get(target, headers, ctx.signal, ctx.maxBytes);
  } catch (error) {
    if (error instanceof ResponseTooLarge) {
      throw new FeedError(url, `response over ${ctx.maxBytes} bytes`, { cause: error });
    }
    throw new FeedError(url, failureReason(error, ctx.signal), { cause: error });
  }
}

/** The GET through `fetch`, for callers without a client (library users) or behind a proxy. */
async function viaFetch(
  target: URL,
  url: string,
  headers: [string, string][],
  ctx: ScrapeContext,
): Promise<Received> {
  let response: Response;
  try {
    response = await fetch(target, { signal: ctx.signal, headers });
  } catch (error) {
    throw new FeedError(url, failureReason(error, ctx.signal), { cause: error });
  }
  if (!response.ok) {
    await discard(response);
    return { status: response.status, headers: response.headers, body: noBody };
  }
  if (declaredLength(response) > ctx.maxBytes) {
    await discard(response);
    throw new FeedError(url, `response over ${ctx.maxBytes} bytes`);
  }
  return {
    status: response.status,
    headers: response.headers,
    body: await readCapped(url, response, ctx),
  };
}

/** `bytes` on a buffer of its own size, when the one it is on is much larger. */
function exact(bytes: Uint8Array): Uint8Array {
  return bytes.buffer.byteLength - bytes.byteLength > bytes.byteLength / 16 ? bytes.slice() : bytes;
}

function parseHttpUrl(url: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (error) {
    throw new FeedError(url, "invalid URL", { cause: error });
  }
  // fetch() also reads file: and data: URLs; a feed (or a catalog entry) must
  // not make Spoke read local files.
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    throw new FeedError(url, `unsupported URL scheme ${parsed.protocol}`);
  }
  return parsed;
}

/**
 * The Content-Length, when it tells the decoded size. With a Content-Encoding
 * it counts compressed bytes, which says nothing certain about what we will hold.
 */
function declaredLength(response: Response): number {
  const encoding = response.headers.get("content-encoding");
  if (encoding !== null && encoding.toLowerCase() !== "identity") return -1;
  const length = Number(response.headers.get("content-length") ?? "-1");
  return Number.isFinite(length) ? length : -1;
}

/** Where a body of unknown length starts; doubled as it fills. */
const FIRST_READ_BYTES = 16 * 1024;

/**
 * Reads the body into one buffer, never past `ctx.maxBytes` + 1: a BYOB reader
 * fills a buffer of our own, sized from a Content-Length that tells the decoded
 * size (one byte more, so the end is seen without growing it), else 16 KiB
 * doubled as it fills. Deno's default reader hands every chunk out in a fresh
 * 64 KiB buffer: for a 10 KB feed that was 128 KiB of garbage per GET, which
 * glibc kept as RSS that rose in steps through the soak; `response.bytes()`,
 * though 0.06 ms cheaper per 2 KB GET, held 70 MiB more RSS in the soak of
 * 2,000 networks (BENCHMARKS.md, soak).
 */
async function readCapped(
  url: string,
  response: Response,
  ctx: ScrapeContext,
): Promise<Uint8Array> {
  if (response.body === null) return new Uint8Array();
  const declared = declaredLength(response);
  let reader: ReadableStreamBYOBReader;
  try {
    reader = response.body.getReader({ mode: "byob" });
  } catch {
    // Not a byte stream (a Response made in JS around a plain stream): read it chunk by chunk.
    return readChunks(url, response.body, ctx);
  }
  const limit = ctx.maxBytes + 1;
  let buffer = new Uint8Array(Math.min(declared >= 0 ? declared + 1 : FIRST_READ_BYTES, limit));
  let total = 0;
  try {
    while (true) {
      if (total === buffer.byteLength) {
        const grown = new Uint8Array(Math.min(buffer.byteLength * 2, limit));
        grown.set(buffer);
        buffer = grown;
      }
      const { done, value } = await reader.read(
        new Uint8Array(buffer.buffer, total, buffer.byteLength - total),
      );
      // The read moved the buffer into `value`; carry on with the moved one.
      if (value !== undefined) {
        buffer = new Uint8Array(value.buffer);
        total += value.byteLength;
      }
      if (total > ctx.maxBytes) {
        // What crossed the cap is not kept.
        buffer = new Uint8Array();
        throw new FeedError(url, `response over ${ctx.maxBytes} bytes`);
      }
      if (done) break;
    }
  } catch (error) {
    await readFailed(url, reader, error, ctx);
  } finally {
    reader.releaseLock();
  }
  return buffer.subarray(0, total);
}

/**
 * What a failed or refused read becomes, for both readers: the stream is cancelled (an unread
 * body holds its connection), and a FeedError says why (over the cap, timed out, broken).
 */
async function readFailed(
  url: string,
  reader: { cancel(): Promise<void> },
  error: unknown,
  ctx: ScrapeContext,
): Promise<never> {
  await reader.cancel().catch(() => {});
  if (error instanceof FeedError) throw error;
  throw new FeedError(url, failureReason(error, ctx.signal), { cause: error });
}

/** The body of a stream that is not a byte stream, with the same cap. */
async function readChunks(
  url: string,
  body: ReadableStream<Uint8Array>,
  ctx: ScrapeContext,
): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = body.getReader();
  try {
    while (true) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > ctx.maxBytes) {
        chunks.length = 0;
        throw new FeedError(url, `response over ${ctx.maxBytes} bytes`);
      }
      chunks.push(value);
    }
  } catch (error) {
    await readFailed(url, reader, error, ctx);
  } finally {
    reader.releaseLock();
  }
  const whole = new Uint8Array(total);
  let at = 0;
  for (const chunk of chunks) {
    whole.set(chunk, at);
    at += chunk.byteLength;
  }
  return whole;
}

/** An unread body holds a connection (and, in tests, a leaked resource): always cancel it. */
async function discard(response: Response): Promise<void> {
  await response.body?.cancel().catch(() => {});
}

function failureReason(error: unknown, signal: AbortSignal): string {
  if (signal.aborted) {
    const reason: unknown = signal.reason;
    return reason instanceof DOMException && reason.name === "TimeoutError"
      ? "timed out"
      : "aborted";
  }
  if (error instanceof DOMException && error.name === "TimeoutError") return "timed out";
  if (error instanceof DOMException && error.name === "AbortError") return "aborted";
  return `network error: ${short(errorMessage(error))}`;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function short(text: string, max = 160): string {
  const line = text.replace(/\s+/g, " ").trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}
