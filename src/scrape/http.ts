import { FeedError } from "./feed_error.ts";
import type { CachedDocument, FeedCache } from "./feed_cache.ts";
import type { ScrapeContext } from "./scraper.ts";
import { parseXml, XmlError } from "./_xml.ts";

/** How {@link fetchDocument} reads and keeps one document. */
export interface FetchOptions {
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
}

/** A document and whether the asking network has seen this content before. */
export interface FetchedDocument {
  document: unknown;
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
export async function fetchDocument(
  url: string,
  ctx: ScrapeContext,
  options: FetchOptions = {},
): Promise<FetchedDocument> {
  const target = parseHttpUrl(url);
  const cache = ctx.cache;
  if (cache === undefined) {
    const answer = await request(target, url, ctx, undefined, options);
    return { document: answer.document, changed: true, seen: nothingToRecord };
  }
  const key = cacheKey(url, ctx.headers);
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

function used(cache: FeedCache, entry: CachedDocument, options: FetchOptions): FetchedDocument {
  return {
    document: entry.document,
    changed: cache.isNewTo(entry, options.consumer),
    seen: () => cache.markSeen(entry, options.consumer),
  };
}

async function revalidate(
  cache: FeedCache,
  key: string,
  target: URL,
  url: string,
  ctx: ScrapeContext,
  options: FetchOptions,
): Promise<CachedDocument> {
  const held = cache.get(key);
  const answer = await request(target, url, ctx, held, options);
  const now = cache.now();
  if (answer.notModified) {
    if (held === undefined) {
      throw new FeedError(url, "HTTP 304 to a request that was not conditional");
    }
    held.freshUntil = now + freshnessMs(cache, options, held.document);
    return held;
  }
  const freshMs = freshnessMs(cache, options, answer.document);
  const fields = {
    document: answer.document,
    freshUntil: now + freshMs,
    bytes: answer.bytes,
    ...(answer.etag === undefined ? {} : { etag: answer.etag }),
    ...(answer.lastModified === undefined ? {} : { lastModified: answer.lastModified }),
  };
  // Nothing to revalidate with and nothing fresh: keeping the body would cost
  // memory for nothing (the version still tells the consumer it is new).
  if (fields.etag === undefined && fields.lastModified === undefined && freshMs <= 0) {
    return { ...fields, version: 0, seen: new Map() };
  }
  return cache.put(key, fields);
}

function freshnessMs(cache: FeedCache, options: FetchOptions, document: unknown): number {
  const freshness = options.freshness;
  if (freshness === undefined) return 0;
  if (freshness === "discovery") return cache.discoveryTtlS * 1000;
  if (typeof freshness === "number") return freshness * 1000;
  const ttl = (document as { ttl?: unknown } | null)?.ttl;
  if (typeof ttl !== "number" || !Number.isFinite(ttl) || ttl <= 0) return 0;
  return Math.min(ttl, cache.maxTtlS) * 1000;
}

/** Per-network headers (API keys) may give different answers for one URL. */
function cacheKey(url: string, headers: Readonly<Record<string, string>> | undefined): string {
  if (headers === undefined || Object.keys(headers).length === 0) return url;
  const sorted = Object.keys(headers).sort().map((name) => [name.toLowerCase(), headers[name]]);
  return `${url}\n${JSON.stringify(sorted)}`;
}

const accepted = {
  json: "application/json",
  xml: "application/xml, text/xml",
  text: "*/*",
};

/** Request headers Spoke sets itself; a network's `headers` cannot replace them. */
const ownHeaders = new Set(["user-agent", "accept", "if-none-match", "if-modified-since"]);

/** Whole-buffer decodes keep no state between calls, so one decoder serves every request. */
const utf8 = new TextDecoder("utf-8", { fatal: true });

interface Answer {
  notModified: boolean;
  document: unknown;
  bytes: number;
  etag?: string;
  lastModified?: string;
}

/** One GET under the host's permit, body read and parsed. */
async function request(
  target: URL,
  url: string,
  ctx: ScrapeContext,
  held: CachedDocument | undefined,
  options: FetchOptions,
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
  let response: Response;
  try {
    response = await fetch(target, { signal: ctx.signal, headers });
  } catch (error) {
    throw new FeedError(url, failureReason(error, ctx.signal), { cause: error });
  }
  if (response.status === 304) {
    await discard(response);
    return { notModified: true, document: undefined, bytes: 0 };
  }
  if (!response.ok) {
    await discard(response);
    throw new FeedError(url, `HTTP ${response.status}`);
  }
  if (declaredLength(response) > ctx.maxBytes) {
    await discard(response);
    throw new FeedError(url, `response over ${ctx.maxBytes} bytes`);
  }
  const bytes = await readCapped(url, response, ctx);
  const what = options.as === "xml" ? "XML" : options.as === "text" ? "text" : "JSON";
  let text: string;
  try {
    text = utf8.decode(bytes);
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
  const answer: Answer = { notModified: false, document, bytes: bytes.byteLength };
  const etag = response.headers.get("etag");
  const lastModified = response.headers.get("last-modified");
  if (etag !== null) answer.etag = etag;
  if (lastModified !== null) answer.lastModified = lastModified;
  return answer;
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
 * Reads the body into one buffer, never past `ctx.maxBytes` + 1. With a
 * Content-Length that tells the decoded size, {@link readDeclared} reads it
 * whole; else a BYOB reader fills a buffer of our own, grown by doubling. Deno's default reader hands every chunk out in
 * a fresh 64 KiB buffer: for a 10 KB feed that was 128 KiB of garbage per GET,
 * which glibc kept as RSS that rose in steps through the soak (BENCHMARKS.md).
 */
async function readCapped(
  url: string,
  response: Response,
  ctx: ScrapeContext,
): Promise<Uint8Array> {
  if (response.body === null) return new Uint8Array();
  const declared = declaredLength(response);
  if (declared >= 0) return await readDeclared(url, response, declared, ctx);
  const reader = response.body.getReader({ mode: "byob" });
  const limit = ctx.maxBytes + 1;
  let buffer = new Uint8Array(Math.min(FIRST_READ_BYTES, limit));
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
        await reader.cancel().catch(() => {});
        throw new FeedError(url, `response over ${ctx.maxBytes} bytes`);
      }
      if (done) break;
    }
  } catch (error) {
    if (error instanceof FeedError) throw error;
    await reader.cancel().catch(() => {});
    throw new FeedError(url, failureReason(error, ctx.signal), { cause: error });
  } finally {
    reader.releaseLock();
  }
  return buffer.subarray(0, total);
}

/**
 * Reads a body whose decoded size the Content-Length tells (already checked
 * against the cap) in one native read. The HTTP client holds the body to its
 * Content-Length, so the cap cannot be passed; for a 2 KB feed this costs a
 * third of the CPU of the stream reader above (BENCHMARKS.md, "Scheduler and
 * queue"), and it makes one buffer of the body's size, not 64 KiB chunks.
 */
async function readDeclared(
  url: string,
  response: Response,
  declared: number,
  ctx: ScrapeContext,
): Promise<Uint8Array> {
  let bytes: Uint8Array;
  try {
    bytes = await response.bytes();
  } catch (error) {
    throw new FeedError(url, failureReason(error, ctx.signal), { cause: error });
  }
  // Never expected (the client enforces the framing), and cheap to make sure of.
  if (bytes.byteLength !== declared) {
    throw new FeedError(url, `body of ${bytes.byteLength} bytes, Content-Length ${declared}`);
  }
  return bytes;
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
