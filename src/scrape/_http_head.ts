/**
 * The head of an HTTP/1.x response (RFC 9112 §4–5): status line and header
 * fields, parsed from a {@link Wire}'s buffer. Lenient where servers commonly
 * are sloppy (bare LF line ends, no reason phrase, folded lines), strict where
 * a mistake would frame the body wrongly (Content-Length, Transfer-Encoding).
 */
import { HttpClientError, type Wire } from "./_http_wire.ts";

/** A larger head is refused: a feed has a few headers, a broken or hostile server many. */
export const MAX_HEAD_BYTES = 64 * 1024;

/** Header fields by lower-case name; repeated fields joined with ", " (RFC 9110 §5.3). */
export class ResponseHeaders {
  readonly #fields = new Map<string, string>();

  /** The value of the field `name` (any case), or null. */
  get(name: string): string | null {
    return this.#fields.get(name.toLowerCase()) ?? null;
  }

  has(name: string): boolean {
    return this.#fields.has(name.toLowerCase());
  }

  /** @internal `name` lower-case. */
  add(name: string, value: string): void {
    const held = this.#fields.get(name);
    this.#fields.set(name, held === undefined ? value : `${held}, ${value}`);
  }

  /** @internal `name` lower-case. */
  append(name: string, more: string): void {
    this.#fields.set(name, `${this.#fields.get(name) ?? ""} ${more}`.trim());
  }
}

export interface ResponseHead {
  /** 1 for HTTP/1.1, 0 for HTTP/1.0. */
  minor: number;
  status: number;
  headers: ResponseHeaders;
}

// UTF-8, not Latin-1: four times faster on ASCII (every head we expect); a byte over 0x7f
// in a value is rare and only ever sent back (a validator), where UTF-8 gives it back whole.
const headText = new TextDecoder();
const STATUS_LINE = /^HTTP\/1\.([01]) (\d{3})(?:[ \t].*)?$/;
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/**
 * Reads one head from `wire` and leaves the buffer at the first byte after
 * it. Throws {@link HttpClientError} when the stream ends first, the head is
 * over {@link MAX_HEAD_BYTES} or does not parse.
 */
export async function readHead(wire: Wire): Promise<ResponseHead> {
  skipBlankLines(wire);
  // How far from `wire.start` the blank line was looked for (the buffer may move as it fills).
  let scanned = 0;
  while (true) {
    const end = headEnd(wire.buffer, wire.start + scanned, wire.end);
    if (end >= 0) {
      const text = headText.decode(wire.buffer.subarray(wire.start, end));
      wire.start = end;
      return parseHead(text);
    }
    if (wire.available > MAX_HEAD_BYTES) {
      throw new HttpClientError(`response head over ${MAX_HEAD_BYTES} bytes`);
    }
    // Back up three bytes: the blank line may be split across reads.
    scanned = Math.max(0, wire.available - 3);
    if (!await wire.fill(MAX_HEAD_BYTES + 4)) {
      throw new HttpClientError(
        wire.received === 0
          ? "connection closed before any response"
          : "connection closed in the response head",
      );
    }
    skipBlankLines(wire);
  }
}

/** A client ignores empty lines before a status line (RFC 9112 §2.2): some servers end a body with one more CRLF. */
function skipBlankLines(wire: Wire): void {
  while (wire.start < wire.end) {
    const byte = wire.buffer[wire.start];
    if (byte !== 0x0d && byte !== 0x0a) return;
    wire.start++;
  }
}

/** The index just past the blank line that ends a head (CRLF CRLF, or LF LF), or -1. */
function headEnd(buffer: Uint8Array, from: number, to: number): number {
  for (let i = buffer.indexOf(0x0a, from); i >= 0 && i < to; i = buffer.indexOf(0x0a, i + 1)) {
    if (i + 1 < to && buffer[i + 1] === 0x0a) return i + 2;
    if (i + 2 < to && buffer[i + 1] === 0x0d && buffer[i + 2] === 0x0a) return i + 3;
  }
  return -1;
}

function parseHead(text: string): ResponseHead {
  const lines = text.split(/\r?\n/);
  const statusLine = lines[0] ?? "";
  const matched = STATUS_LINE.exec(statusLine);
  if (matched === null) {
    throw new HttpClientError(`invalid status line ${quote(statusLine)}`);
  }
  const headers = new ResponseHeaders();
  let last: string | undefined;
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    if (line === "") continue;
    const first = line.charCodeAt(0);
    if (first === 0x20 || first === 0x09) {
      // Obsolete line folding (RFC 9112 §5.2): the value goes on, after one space.
      if (last === undefined) throw new HttpClientError(`invalid header line ${quote(line)}`);
      headers.append(last, line.trim());
      continue;
    }
    const colon = line.indexOf(":");
    const name = colon > 0 ? line.slice(0, colon) : "";
    if (!TOKEN.test(name)) throw new HttpClientError(`invalid header line ${quote(line)}`);
    last = name.toLowerCase();
    headers.add(last, line.slice(colon + 1).trim());
  }
  return { minor: Number(matched[1]), status: Number(matched[2]), headers };
}

/** A value from the wire, short and printable, for an error message. */
export function quote(text: string): string {
  return JSON.stringify(text.length > 60 ? `${text.slice(0, 60)}…` : text);
}
