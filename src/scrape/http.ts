import { FeedError } from "./feed_error.ts";
import type { ScrapeContext } from "./scraper.ts";

/**
 * GETs one JSON document and parses it, with the task's signal and a size cap.
 *
 * The body is read as a stream and counted, so a feed that answers with a huge
 * (or endless) body costs at most `ctx.maxBytes` of memory: a Pi has little to
 * spare and one bad feed must not take the other networks down with it.
 * Every failure, whatever its cause, becomes a {@link FeedError} naming the URL.
 */
export async function fetchJson(url: string, ctx: ScrapeContext): Promise<unknown> {
  const target = parseHttpUrl(url);
  let response: Response;
  try {
    response = await fetch(target, {
      signal: ctx.signal,
      headers: { "User-Agent": ctx.userAgent, "Accept": "application/json" },
    });
  } catch (error) {
    throw new FeedError(url, failureReason(error, ctx.signal), { cause: error });
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
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch (error) {
    throw new FeedError(url, "invalid JSON: not UTF-8 text", { cause: error });
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new FeedError(url, `invalid JSON: ${short(errorMessage(error))}`, { cause: error });
  }
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

async function readCapped(
  url: string,
  response: Response,
  ctx: ScrapeContext,
): Promise<Uint8Array> {
  if (response.body === null) return new Uint8Array();
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    while (true) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > ctx.maxBytes) {
        // Dropping the crossing chunk keeps what we hold at or under the cap.
        chunks.length = 0;
        await reader.cancel().catch(() => {});
        throw new FeedError(url, `response over ${ctx.maxBytes} bytes`);
      }
      chunks.push(value);
    }
  } catch (error) {
    if (error instanceof FeedError) throw error;
    await reader.cancel().catch(() => {});
    throw new FeedError(url, failureReason(error, ctx.signal), { cause: error });
  } finally {
    reader.releaseLock();
  }
  if (chunks.length === 1 && chunks[0] !== undefined) return chunks[0];
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
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
