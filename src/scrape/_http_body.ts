/**
 * The body of an HTTP/1.x response (RFC 9112 §6): how it is framed, read
 * under a cap, and decoded from gzip or deflate. A cap is checked before
 * bytes are read whenever the framing tells the size (Content-Length, a
 * chunk's size), so a huge body costs a closed socket, not memory.
 */
import { quote, type ResponseHead } from "./_http_head.ts";
import { HttpClientError, ResponseTooLarge, type Wire } from "./_http_wire.ts";

/** How the body ends: no body, after N bytes, after the last chunk, or when the server closes. */
export type Framing =
  | { kind: "none" }
  | { kind: "length"; length: number }
  | { kind: "chunked" }
  | { kind: "close" };

const NO_BODY: Framing = { kind: "none" };
const CHUNKED: Framing = { kind: "chunked" };
const UNTIL_CLOSE: Framing = { kind: "close" };

/** RFC 9112 §6.3, for a client: the order of the rules matters. */
export function framingOf(head: ResponseHead, method: string): Framing {
  const { status, headers } = head;
  if (method === "HEAD" || status < 200 || status === 204 || status === 304) return NO_BODY;
  const transfer = headers.get("transfer-encoding");
  if (transfer !== null) {
    const codings = transfer.toLowerCase().split(",").map((coding) => coding.trim())
      .filter((coding) => coding !== "" && coding !== "identity");
    if (codings.length === 0) return lengthOr(headers.get("content-length"));
    if (codings.length === 1 && codings[0] === "chunked") return CHUNKED;
    throw new HttpClientError(`unsupported Transfer-Encoding ${quote(transfer)}`);
  }
  return lengthOr(headers.get("content-length"));
}

const DIGITS = /^\d{1,15}$/;

function lengthOr(value: string | null): Framing {
  if (value === null) return UNTIL_CLOSE;
  if (DIGITS.test(value)) return lengthFraming(Number(value));
  // Repeated fields arrive joined; identical copies are one length (RFC 9110 §8.6).
  const values = value.split(",").map((part) => part.trim());
  const first = values[0]!;
  if (!DIGITS.test(first)) {
    throw new HttpClientError(`invalid Content-Length ${quote(value)}`);
  }
  if (values.some((other) => other !== first)) {
    throw new HttpClientError(`conflicting Content-Length ${quote(value)}`);
  }
  return lengthFraming(Number(first));
}

function lengthFraming(length: number): Framing {
  return length === 0 ? NO_BODY : { kind: "length", length };
}

/** Where a body of unknown length starts; doubled as it fills. */
const FIRST_BODY_BYTES = 16 * 1024;
/** A chunk at least this long is read straight into the body, past the connection's buffer. */
const DIRECT_READ_BYTES = 4096;
/** A chunk-size line (size and extensions) longer than this is refused. */
const MAX_CHUNK_LINE = 4096;

/**
 * Reads the body framed by `framing`, at most `cap` bytes: one more throws
 * {@link ResponseTooLarge} of `maxBytes` (the cap the caller knows).
 */
export function readBody(
  wire: Wire,
  framing: Framing,
  cap: number,
  maxBytes: number,
): Promise<Uint8Array> {
  switch (framing.kind) {
    case "none":
      return Promise.resolve(new Uint8Array());
    case "length":
      if (framing.length > cap) return Promise.reject(new ResponseTooLarge(maxBytes));
      return readLength(wire, framing.length);
    case "chunked":
      return readChunked(wire, cap, maxBytes);
    case "close":
      return readToEnd(wire, cap, maxBytes);
  }
}

async function readLength(wire: Wire, length: number): Promise<Uint8Array> {
  const body = new Uint8Array(length);
  let at = takeBuffered(wire, body, 0, length);
  // Straight into the body: nothing past it is read (the next response's bytes stay unread).
  while (at < length) {
    const count = await wire.read(body.subarray(at));
    if (count === null) {
      throw new HttpClientError(`connection closed after ${at} of ${length} body bytes`);
    }
    at += count;
  }
  return body;
}

/** Copies up to `count` buffered bytes into `target` at `at`; returns the new end. */
function takeBuffered(wire: Wire, target: Uint8Array, at: number, count: number): number {
  const taken = Math.min(wire.available, count);
  target.set(wire.buffer.subarray(wire.start, wire.start + taken), at);
  wire.start += taken;
  return at + taken;
}

/** A body buffer that grows by doubling, up to `cap` + 1 bytes. */
class GrowingBody {
  bytes: Uint8Array;
  length = 0;
  readonly #limit: number;

  constructor(cap: number) {
    this.#limit = cap + 1;
    this.bytes = new Uint8Array(Math.min(FIRST_BODY_BYTES, this.#limit));
  }

  /** Room for `more` bytes after `length`. */
  reserve(more: number): void {
    const needed = this.length + more;
    if (needed <= this.bytes.byteLength) return;
    let size = this.bytes.byteLength;
    while (size < needed) size *= 2;
    const grown = new Uint8Array(Math.min(size, Math.max(needed, this.#limit)));
    grown.set(this.bytes.subarray(0, this.length));
    this.bytes = grown;
  }

  get whole(): Uint8Array {
    return this.bytes.subarray(0, this.length);
  }
}

async function readChunked(wire: Wire, cap: number, maxBytes: number): Promise<Uint8Array> {
  const body = new GrowingBody(cap);
  while (true) {
    const size = chunkSize(await readLine(wire, MAX_CHUNK_LINE));
    if (size === 0) break;
    if (body.length + size > cap) throw new ResponseTooLarge(maxBytes);
    body.reserve(size);
    const end = body.length + size;
    body.length = takeBuffered(wire, body.bytes, body.length, size);
    while (body.length < end) {
      if (end - body.length >= DIRECT_READ_BYTES) {
        const count = await wire.read(body.bytes.subarray(body.length, end));
        if (count === null) throw closedInChunks();
        body.length += count;
      } else {
        if (!await wire.fill()) throw closedInChunks();
        body.length = takeBuffered(wire, body.bytes, body.length, end - body.length);
      }
    }
    if (await readLine(wire, MAX_CHUNK_LINE) !== "") {
      throw new HttpClientError("chunk longer than its size");
    }
  }
  // Trailer fields (RFC 9112 §7.1.2): read past, not used.
  let trailer = 0;
  while (true) {
    const line = await readLine(wire, MAX_CHUNK_LINE);
    if (line === "") break;
    trailer += line.length;
    if (trailer > MAX_CHUNK_LINE * 16) throw new HttpClientError("chunked trailer too large");
  }
  return body.whole;
}

const CHUNK_SIZE = /^([0-9a-fA-F]{1,12})[ \t]*(?:;.*)?$/;

function chunkSize(line: string): number {
  const matched = CHUNK_SIZE.exec(line);
  if (matched === null) throw new HttpClientError(`invalid chunk size ${quote(line)}`);
  return parseInt(matched[1]!, 16);
}

function closedInChunks(): HttpClientError {
  return new HttpClientError("connection closed in a chunked body");
}

const lineText = new TextDecoder();

/** One line of the chunked framing, without its CRLF (or bare LF). */
async function readLine(wire: Wire, max: number): Promise<string> {
  while (true) {
    const lf = wire.buffer.subarray(wire.start, wire.end).indexOf(0x0a);
    if (lf >= 0) {
      const end = wire.start + lf;
      const line = lineText.decode(
        wire.buffer.subarray(
          wire.start,
          end > wire.start && wire.buffer[end - 1] === 0x0d ? end - 1 : end,
        ),
      );
      wire.start = end + 1;
      return line;
    }
    if (wire.available > max) throw new HttpClientError("chunk-size line too long");
    if (!await wire.fill()) throw closedInChunks();
  }
}

/** A body framed by the end of the connection (no Content-Length, not chunked). */
async function readToEnd(wire: Wire, cap: number, maxBytes: number): Promise<Uint8Array> {
  const body = new GrowingBody(cap);
  body.reserve(wire.available);
  body.length = takeBuffered(wire, body.bytes, 0, wire.available);
  while (true) {
    if (body.length > cap) throw new ResponseTooLarge(maxBytes);
    if (body.length === body.bytes.byteLength) body.reserve(body.length);
    const count = await wire.read(body.bytes.subarray(body.length));
    if (count === null) return body.whole;
    body.length += count;
  }
}

// Loaded on the first compressed body: node:zlib starts Deno's Node `process`
// (about 4.5 MB of RSS), which a process that never decodes one (`spoke broker`,
// or a bundle holding every command's imports) should not pay for.
let zlibModule: Promise<typeof import("node:zlib")> | undefined;

/**
 * The body as sent before its Content-Encoding, at most `maxBytes` (zlib
 * stops there, so a gzip bomb costs the cap, not its expansion).
 */
export async function decodeBody(
  body: Uint8Array,
  encoding: string | null,
  maxBytes: number,
): Promise<Uint8Array> {
  if (encoding === null) return body;
  const coding = encoding.trim().toLowerCase();
  if (coding === "" || coding === "identity") return body;
  if (body.byteLength === 0) return body;
  const zlib = await (zlibModule ??= import("node:zlib"));
  const options = { maxOutputLength: Math.max(1, maxBytes) };
  let decoded: Uint8Array;
  try {
    if (coding === "gzip" || coding === "x-gzip") decoded = zlib.gunzipSync(body, options);
    else if (coding === "deflate") {
      // "deflate" is a zlib stream (RFC 9110 §8.4.1.2); some servers send raw deflate.
      try {
        decoded = zlib.inflateSync(body, options);
      } catch (error) {
        if ((error as { code?: unknown }).code !== "Z_DATA_ERROR") throw error;
        decoded = zlib.inflateRawSync(body, options);
      }
    } else throw new HttpClientError(`unsupported Content-Encoding ${quote(encoding)}`);
  } catch (error) {
    if (error instanceof HttpClientError) throw error;
    if ((error as { code?: unknown }).code === "ERR_BUFFER_TOO_LARGE") {
      throw new ResponseTooLarge(maxBytes);
    }
    throw new HttpClientError(`invalid ${coding} body: ${(error as Error).message}`, {
      cause: error,
    });
  }
  if (decoded.byteLength > maxBytes) throw new ResponseTooLarge(maxBytes);
  return decoded;
}

/**
 * How many encoded bytes are read for a decoded cap: deflate grows
 * incompressible data by a few bytes per 16 KiB block, never by a sixty-fourth.
 */
export function encodedCap(maxBytes: number): number {
  return maxBytes + Math.ceil(maxBytes / 64) + 1024;
}
