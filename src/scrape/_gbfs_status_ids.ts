/**
 * station_status' ids as bytes: every station's `station_id`, UTF-8, one after
 * the other in one Uint8Array, with where each ends. The join only compares
 * them with station_information's ids and drops them; as strings they were
 * ~130 KB a scrape of a 2,000-station body (the decoded text and a string cut
 * from it an id), a tenth of what a static scrape allocated, for 2,000
 * comparisons. As bytes they are one copy of ~40 KB, and a string is made only
 * for an id the join must look up or report ({@link statusId}).
 *
 * A number id is kept as the bytes of its string (`String(n)`), as the
 * document path has always read it.
 */

/** The ids of a station_status: station `i`'s are `bytes[ends[i - 1] ?? 0 .. ends[i]]`. */
export interface StatusIds {
  readonly idBytes: Uint8Array;
  readonly idEnds: Int32Array;
}

const encoder = new TextEncoder();
const utf8 = new TextDecoder("utf-8");

/** The ids of the document path (readStatus), as bytes (those after a bad station: ""). */
export function encodeIds(ids: readonly (string | undefined)[]): StatusIds {
  const parts = Array.from({ length: ids.length }, (_, i) => encoder.encode(ids[i] ?? ""));
  const idEnds = new Int32Array(ids.length);
  let end = 0;
  for (let i = 0; i < parts.length; i++) idEnds[i] = end += parts[i]!.length;
  const idBytes = new Uint8Array(end);
  for (let i = 0; i < parts.length; i++) idBytes.set(parts[i]!, i === 0 ? 0 : idEnds[i - 1]!);
  return { idBytes, idEnds };
}

/** Station `i`'s id as a string: for an orphan, a non-ASCII id, a test. */
export function statusId(ids: StatusIds, i: number): string {
  return utf8.decode(ids.idBytes.subarray(i === 0 ? 0 : ids.idEnds[i - 1]!, ids.idEnds[i]!));
}

/** Every id as a string (tests and tools). */
export function statusIds(ids: StatusIds & { readonly count: number }): string[] {
  return Array.from({ length: ids.count }, (_, i) => statusId(ids, i));
}

/**
 * The string `id` is the UTF-8 bytes `from` to `to`, told without decoding
 * them: the same length and the same code units, all ASCII. An id with any
 * other character is never the same here (a U+00C3 U+00A9 string would match
 * the two bytes of "é"): the caller then compares strings.
 */
export function sameId(id: string, bytes: Uint8Array, from: number, to: number): boolean {
  if (id.length !== to - from) return false;
  for (let i = 0; i < id.length; i++) {
    const b = bytes[from + i]!;
    if (id.charCodeAt(i) !== b || b >= 0x80) return false;
  }
  return true;
}
