/**
 * What Spoke remembers of the documents it fetched, shared by every task:
 *
 * - the validators (`ETag`, `Last-Modified`) and the document as read (parsed,
 *   and for the GBFS station feeds checked and indexed), so the next request
 *   is conditional and a 304 costs no body;
 * - the body itself, so a 200 whose body is byte-identical to the last one
 *   (most station_information, every feed without validators that did not
 *   change) reuses what was read instead of parsing and checking it again;
 * - until when a document is fresh (GBFS `ttl`, the discovery file's fixed
 *   lifetime), so a fresh one is not requested at all;
 * - which version each network last used, so a network built only from
 *   documents it has already seen can say "not modified";
 * - the request in flight per URL, so networks that share a document (every
 *   Nextbike city of a domain) fetch it once.
 *
 * Bounded by bytes (the bodies' size on the wire after decompression), least
 * recently used first out: on a Pi, memory is the scarce thing, and an evicted
 * entry only costs one full GET.
 */

/** One remembered document. */
export interface CachedDocument {
  /** The document as its reader made it (the parsed body without one). */
  document: unknown;
  /** The body it was read from, to tell a byte-identical 200; absent: not compared. */
  body?: Uint8Array;
  /**
   * Only the body is held, not what was read from it (it had changed since the
   * fetch before, and has no validators nor freshness): a body equal to it is
   * read again, and then kept whole.
   */
  bodyOnly?: true;
  /** The GBFS `ttl` of the body, seconds (what a 304 renews it for). */
  ttlS?: number;
  etag?: string;
  lastModified?: string;
  /** Epoch ms until which the document is used without asking the server. */
  freshUntil: number;
  /** Bumped at every 200: tells a network whether it has seen this content. */
  version: number;
  /** Decoded body size, what the entry costs. */
  bytes: number;
  /** Consumer (`<class>::<tag>`) → the version it last used. */
  seen: Map<string, number>;
}

/** Limits of a {@link FeedCache}. */
export interface FeedCacheOptions {
  /** Most bytes of bodies held (default 64 MiB). */
  maxBytes?: number;
  /** Longest a GBFS `ttl` is trusted, in seconds (default 300): some feeds announce an hour. */
  maxTtlS?: number;
  /** How long a discovery file (`gbfs.json`) is used before asking again, in seconds (default 3600). */
  discoveryTtlS?: number;
  /** The clock, for tests. */
  now?: () => number;
}

export class FeedCache {
  readonly maxBytes: number;
  readonly maxTtlS: number;
  readonly discoveryTtlS: number;
  readonly now: () => number;
  #entries = new Map<string, CachedDocument>();
  #bytes = 0;
  #inFlight = new Map<string, Promise<unknown>>();
  #identical = 0;

  /** @throws {RangeError} naming the limit when one is not a number in range. */
  constructor(options: FeedCacheOptions = {}) {
    this.maxBytes = limit("maxBytes", options.maxBytes ?? 64 * 1024 * 1024, 1);
    this.maxTtlS = limit("maxTtlS", options.maxTtlS ?? 300, 0);
    this.discoveryTtlS = limit("discoveryTtlS", options.discoveryTtlS ?? 3600, 0);
    this.now = options.now ?? Date.now;
  }

  /** The entry of `key`, marked as recently used. */
  get(key: string): CachedDocument | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    return entry;
  }

  /**
   * Remembers a fresh 200 answer; replaces (and bumps the version of) an older one.
   * @throws {RangeError} when `fields.bytes` is not a size: the budget would stop adding up.
   */
  put(
    key: string,
    fields: Omit<CachedDocument, "version" | "seen">,
  ): CachedDocument {
    if (!Number.isFinite(fields.bytes) || fields.bytes < 0) {
      throw new RangeError(`FeedCache.put(${key}): bytes must be a size >= 0, got ${fields.bytes}`);
    }
    const old = this.#entries.get(key);
    if (old !== undefined) this.#drop(key, old);
    const entry: CachedDocument = {
      ...fields,
      version: (old?.version ?? 0) + 1,
      // Every consumer recorded for the old version is new to this one: a fresh
      // map says the same and lets consumers that are gone (a reload) be forgotten.
      seen: new Map(),
    };
    if (entry.bytes > this.maxBytes) return entry;
    this.#entries.set(key, entry);
    this.#bytes += entry.bytes;
    for (const [oldest, victim] of this.#entries) {
      if (this.#bytes <= this.maxBytes) break;
      this.#drop(oldest, victim);
    }
    return entry;
  }

  /** Whether `consumer` has not used this version yet (always, without a consumer). */
  isNewTo(entry: CachedDocument, consumer: string | undefined): boolean {
    return consumer === undefined || entry.seen.get(consumer) !== entry.version;
  }

  /**
   * Records that `consumer` used this version. Called only once the whole
   * network was built: a scrape that fails half-way must not count the
   * documents it did read as seen, or their news would never be published.
   */
  markSeen(entry: CachedDocument, consumer: string | undefined): void {
    if (consumer !== undefined) entry.seen.set(consumer, entry.version);
  }

  /**
   * Runs `fetch` for `key` unless a run for the same key is in flight, in
   * which case its result is shared.
   */
  shared<T>(key: string, fetch: () => Promise<T>): Promise<T> {
    const pending = this.#inFlight.get(key);
    if (pending !== undefined) return pending as Promise<T>;
    const started = fetch().finally(() => this.#inFlight.delete(key));
    this.#inFlight.set(key, started);
    return started;
  }

  /** Counts a 200 whose body was byte-identical to the one held: read once, used again. */
  countIdentical(): void {
    this.#identical++;
  }

  /** Entries held, their bytes, and how many 200s were byte-identical to the body held. */
  stats(): { entries: number; bytes: number; identical: number } {
    return { entries: this.#entries.size, bytes: this.#bytes, identical: this.#identical };
  }

  #drop(key: string, entry: CachedDocument): void {
    this.#entries.delete(key);
    this.#bytes -= entry.bytes;
  }
}

function limit(name: string, value: number, least: number): number {
  // Infinity is refused too: a cache without a bound is what this class exists to avoid.
  if (!Number.isFinite(value) || value < least) {
    throw new RangeError(`FeedCache: ${name} must be a finite number >= ${least}, got ${value}`);
  }
  return value;
}
