/**
 * A real HTTP feed server for tests: serves recorded feed sets (one folder per
 * set, named as in tests/fixtures/ or config/demo/) on 127.0.0.1 at a free
 * port, at `/<set>/<file>`.
 *
 * `gbfs.json` is rewritten on the way out so that every feed it lists with an
 * absolute URL elsewhere points back here, at `/<set>/<feed name>.json` (the
 * recorded files hold real hosts); relative, local and unparsable URLs are left
 * as they are, for tests that set them on purpose.
 * Per-path overrides answer badly on purpose: a status code, a delay or a hang,
 * raw bytes, other JSON, or a huge body with or without Content-Length.
 * Like a real server, it answers with an `ETag` (the body's SHA-256) and a 304
 * to a matching `If-None-Match`; an override can send `Last-Modified` instead.
 *
 * ```ts
 * await using server = startFeedServer({
 *   overrides: { "gbfs-v2.3-divvy-chicago/station_status.json": { status: 500 } },
 * });
 * const url = server.url("gbfs-v2.3-divvy-chicago");
 * ```
 */

import { waitUntil } from "../_support/wait_until.ts";

/** How one path answers instead of (or on top of) its fixture file. */
export interface FeedOverride {
  /** Answer with this status and a short text body. */
  status?: number;
  /** Wait this long before answering (cut short when the server closes). */
  delayMs?: number;
  /** Never answer: hold the request until the server closes. */
  hang?: boolean;
  /** These raw bytes (or text) as the body. */
  body?: string | Uint8Array<ArrayBuffer>;
  /** This value, as JSON, instead of the fixture file (gbfs.json is still rewritten). */
  json?: unknown;
  /** Stream this many filler bytes (pulled on demand, so a client that stops early stops it). */
  hugeBytes?: number;
  /** With `hugeBytes`: announce the size in Content-Length (else chunked). */
  contentLength?: boolean;
  /** With `hugeBytes`: stop sending after this many bytes and hold the rest until the server closes. */
  stallAfterBytes?: number;
  /** Send the body gzip-compressed, with the compressed size as Content-Length. */
  gzip?: boolean;
  /** Send this `Last-Modified` (and no ETag); a matching `If-Modified-Since` gets a 304. */
  lastModified?: string;
  /** Send no validator at all (no ETag). */
  noValidators?: boolean;
}

export interface FeedServerOptions {
  /** Folders that hold sets, searched in order. Default: tests/fixtures/, config/demo/. */
  roots?: (string | URL)[];
  /** Keyed by `<set>/<file>`. */
  overrides?: Record<string, FeedOverride>;
}

/** One request the server saw. */
export interface SeenRequest {
  path: string;
  userAgent: string | null;
  /** Every request header. */
  headers: Headers;
  /** The status answered. */
  status: number;
  /** Body bytes sent (0 for a 304). */
  bodyBytes: number;
}

export interface FeedServer extends AsyncDisposable {
  /** `http://127.0.0.1:<port>` */
  readonly origin: string;
  /** Every request, in arrival order. */
  readonly requests: readonly SeenRequest[];
  /** The URL of a file of a set; `gbfs.json` by default. */
  url(set: string, file?: string): string;
  /** The most requests the server was answering at once. */
  readonly peakInFlight: number;
  /** Bytes of filler a `hugeBytes` path has produced so far. */
  bytesStreamed(path: string): number;
  /** Per-path overrides, editable while the server runs. */
  readonly overrides: Record<string, FeedOverride>;
  close(): Promise<void>;
}

const defaultRoots = [
  new URL("../fixtures/", import.meta.url),
  new URL("../../config/demo/", import.meta.url),
];

const FILLER_CHUNK = 64 * 1024;

export function startFeedServer(options: FeedServerOptions = {}): FeedServer {
  const roots = (options.roots ?? defaultRoots).map((root) => {
    const url = root instanceof URL ? root : new URL(`file://${root}`);
    return url.href.endsWith("/") ? url : new URL(`${url.href}/`);
  });
  const overrides = { ...options.overrides };
  const requests: SeenRequest[] = [];
  const streamed = new Map<string, number>();
  const closing = new AbortController();
  let inFlight = 0;
  let peakInFlight = 0;

  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    async (request) => {
      const path = decodeURIComponent(new URL(request.url).pathname).replace(/^\/+/, "");
      const seen: SeenRequest = {
        path,
        userAgent: request.headers.get("user-agent"),
        headers: request.headers,
        status: 0,
        bodyBytes: 0,
      };
      requests.push(seen);
      inFlight++;
      peakInFlight = Math.max(peakInFlight, inFlight);
      let response: Response;
      try {
        response = await validated(request, path, await answer(path), seen);
      } finally {
        inFlight--;
      }
      if (!overrides[path]?.gzip || response.body === null) return response;
      const compressed = await new Response(
        response.body.pipeThrough(new CompressionStream("gzip")),
      ).arrayBuffer();
      const headers = new Headers(response.headers);
      headers.set("content-encoding", "gzip");
      headers.set("content-length", String(compressed.byteLength));
      return new Response(compressed, { status: response.status, headers });
    },
  );
  const origin = `http://127.0.0.1:${server.addr.port}`;

  /** Adds a validator to a plain 200 and answers a matching conditional request with a 304. */
  async function validated(
    request: Request,
    path: string,
    response: Response,
    seen: SeenRequest,
  ): Promise<Response> {
    const override = overrides[path] ?? {};
    seen.status = response.status;
    const plain = response.status === 200 && override.hugeBytes === undefined &&
      override.hang === undefined && !override.noValidators;
    if (!plain) return response;
    const body = new Uint8Array(await response.arrayBuffer());
    const headers = new Headers(response.headers);
    let unchanged: boolean;
    if (override.lastModified !== undefined) {
      headers.set("last-modified", override.lastModified);
      unchanged = request.headers.get("if-modified-since") === override.lastModified;
    } else {
      const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", body));
      const etag = `"${
        Array.from(digest.slice(0, 8), (b) => b.toString(16).padStart(2, "0")).join("")
      }"`;
      headers.set("etag", etag);
      unchanged = request.headers.get("if-none-match") === etag;
    }
    if (unchanged) {
      seen.status = 304;
      return new Response(null, { status: 304, headers });
    }
    seen.bodyBytes = body.byteLength;
    return new Response(body, { status: 200, headers });
  }

  async function answer(path: string): Promise<Response> {
    const override = overrides[path] ?? {};
    // Held requests end when the server closes. (Not on request.signal: reading it makes
    // Deno 2 warn about its legacy abort-on-success behaviour.)
    if (override.hang) {
      await waitUntil(closing.signal, Infinity);
      return new Response("gone", { status: 503 });
    }
    if (override.delayMs !== undefined) await waitUntil(closing.signal, override.delayMs);
    if (override.status !== undefined) {
      return new Response(`status ${override.status}`, { status: override.status });
    }
    if (override.body !== undefined) {
      return new Response(override.body, { headers: { "content-type": "application/json" } });
    }
    if (override.hugeBytes !== undefined) return huge(path, override);

    let document: unknown;
    if (override.json !== undefined) document = override.json;
    else {
      const file = await findFile(path);
      if (file === undefined) return new Response("not found", { status: 404 });
      if (!path.endsWith("/gbfs.json")) {
        return new Response(await Deno.readFile(file), { headers: contentType(path) });
      }
      document = JSON.parse(await Deno.readTextFile(file));
    }
    if (path.endsWith("/gbfs.json")) document = rewriteDiscovery(document, path);
    return Response.json(document);
  }

  function huge(path: string, override: FeedOverride): Response {
    const total = override.hugeBytes ?? 0;
    streamed.set(path, 0);
    const filler = new Uint8Array(FILLER_CHUNK).fill(0x20);
    const stallAt = override.stallAfterBytes ?? Infinity;
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        const sent = streamed.get(path) ?? 0;
        if (sent >= stallAt) {
          await waitUntil(closing.signal, Infinity);
          return controller.close();
        }
        const size = Math.min(FILLER_CHUNK, total - sent, stallAt - sent);
        if (size <= 0) return controller.close();
        streamed.set(path, sent + size);
        controller.enqueue(filler.slice(0, size));
      },
    });
    const headers: Record<string, string> = { "content-type": "application/octet-stream" };
    if (override.contentLength) headers["content-length"] = String(total);
    return new Response(body, { headers });
  }

  async function findFile(path: string): Promise<URL | undefined> {
    if (path.split("/").includes("..")) return undefined;
    for (const root of roots) {
      const file = new URL(path, root);
      try {
        if ((await Deno.stat(file)).isFile) return file;
      } catch {
        // not in this root
      }
    }
    return undefined;
  }

  /** Points every listed feed at this server, by feed name: `/<set>/<name>.json`. */
  function rewriteDiscovery(document: unknown, path: string): unknown {
    const set = path.slice(0, path.lastIndexOf("/"));
    const rewrite = (feeds: unknown) => {
      if (!Array.isArray(feeds)) return;
      for (const feed of feeds) {
        if (typeof feed !== "object" || feed === null || !("name" in feed && "url" in feed)) {
          continue;
        }
        // Relative URLs, URLs already here and broken URLs are the test's own choice.
        const url = String(feed.url);
        if (URL.canParse(url) && new URL(url).origin !== origin) {
          (feed as { url: unknown }).url = `${origin}/${set}/${String(feed.name)}.json`;
        }
      }
    };
    const data = (document as { data?: unknown } | null)?.data;
    if (typeof data !== "object" || data === null) return document;
    if ("feeds" in data) rewrite(data.feeds);
    else {
      for (const language of Object.values(data)) {
        rewrite((language as { feeds?: unknown } | null)?.feeds);
      }
    }
    return document;
  }

  const close = async () => {
    closing.abort();
    await server.shutdown();
  };

  return {
    origin,
    requests,
    overrides,
    url: (set, file = "gbfs.json") => `${origin}/${set}/${file}`,
    bytesStreamed: (path) => streamed.get(path) ?? 0,
    get peakInFlight() {
      return peakInFlight;
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}

function contentType(path: string): HeadersInit {
  return { "content-type": path.endsWith(".xml") ? "application/xml" : "application/json" };
}
