/**
 * Hand-written checks of the fields Spoke reads from the per-station and
 * per-vehicle arrays of GBFS (1.x, 2.x, 3.x). They replace valibot on the hot
 * path: a 2,000-station feed is read without one intermediate object, and the
 * path of a field (`data.stations[3].lat`) is only spelled out when it is
 * wrong. The wording is the one {@link parseFeed} gives for the small
 * documents: `data.stations[3].num_bikes_available must be a number, got "x"`.
 *
 * Each reader takes the value, and where it sits as (list, index, field), and
 * returns the value normalised (see `_gbfs_schemas.ts` for what the versions
 * spell differently) or throws a {@link FeedError} naming the URL.
 */
import { FeedError } from "./feed_error.ts";
import { showValue } from "./_parse_feed.ts";

/** `data.stations`, `data.bikes`, …: the array a record is in. */
export type List = string;

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/** `.name` or `["odd key"]`, as the path of a field is written. */
export function key(name: string): string {
  return IDENTIFIER.test(name) ? `.${name}` : `[${JSON.stringify(name)}]`;
}

/**
 * `data.stations[3].lat`; `more` goes after the field (`[0].text`). A
 * negative index is a field of the document itself: `at("", -1, "last_updated")`.
 */
export function at(list: List, index: number, field?: string, more = ""): string {
  let path = index < 0 ? list : `${list}[${index}]`;
  if (field !== undefined) path = path === "" ? field : path + key(field);
  return path + more;
}

/** `<path> <wanted>, got <value>`, or `<path> is missing` when there is no value. */
export function invalid(url: string, path: string, wanted: string, value: unknown): FeedError {
  return new FeedError(
    url,
    value === undefined ? `${path} is missing` : `${path} ${wanted}, got ${showValue(value)}`,
  );
}

/** A JSON object (not an array): what each entry of a station or vehicle list must be. */
export function recordAt(
  value: unknown,
  url: string,
  list: List,
  index: number,
): Record<string, unknown> {
  if (typeof value === "object" && value !== null && !Array.isArray(value)) {
    return value as Record<string, unknown>;
  }
  throw invalid(url, at(list, index), "must be an object", value);
}

/** Ids: the spec says string, some feeds send numbers. */
export function id(value: unknown, url: string, list: List, index: number, field: string): string {
  if (typeof value === "string") return value;
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  throw invalid(url, at(list, index, field), "must be a string or a number", value);
}

export function optionalId(
  value: unknown,
  url: string,
  list: List,
  index: number,
  field: string,
): string | undefined {
  return value == null ? undefined : id(value, url, list, index, field);
}

/** A count or a coordinate: a finite number (JSON's `1e999` is Infinity, and no count). */
export function number(
  value: unknown,
  url: string,
  list: List,
  index: number,
  field: string,
): number {
  if (typeof value === "number" && Number.isFinite(value)) return value;
  throw invalid(
    url,
    at(list, index, field),
    typeof value === "number" ? "must be a finite number" : "must be a number",
    value,
  );
}

export function optionalNumber(
  value: unknown,
  url: string,
  list: List,
  index: number,
  field: string,
): number | undefined {
  return value == null ? undefined : number(value, url, list, index, field);
}

export function optionalString(
  value: unknown,
  url: string,
  list: List,
  index: number,
  field: string,
): string | undefined {
  if (value == null) return undefined;
  if (typeof value === "string") return value;
  throw invalid(url, at(list, index, field), "must be a string", value);
}

/** The spec says boolean; many 2.x feeds send 0/1. */
export function flag(
  value: unknown,
  url: string,
  list: List,
  index: number,
  field: string,
): boolean {
  if (typeof value === "boolean") return value;
  if (typeof value === "number" && !Number.isNaN(value)) return value !== 0;
  throw invalid(url, at(list, index, field), "must be a boolean or a number", value);
}

export function optionalFlag(
  value: unknown,
  url: string,
  list: List,
  index: number,
  field: string,
): boolean | undefined {
  return value == null ? undefined : flag(value, url, list, index, field);
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

/** A Date holds ±8.64e12 s; past that toISOString() would throw far from the feed. */
export const MAX_POSIX_S = 8.64e12;

/** 2.x POSIX seconds or 3.x RFC 3339 → POSIX seconds (fractions kept); undefined when absent. */
export function optionalTime(
  value: unknown,
  url: string,
  list: List,
  index: number,
  field: string,
): number | undefined {
  if (value == null) return undefined;
  if (typeof value === "number") {
    if (Math.abs(value) < MAX_POSIX_S) return value;
    throw invalid(url, at(list, index, field), "must be POSIX seconds", value);
  }
  if (typeof value === "string") {
    const ms = RFC3339.test(value) ? Date.parse(value) : NaN;
    if (!Number.isNaN(ms)) return ms / 1000;
    throw invalid(url, at(list, index, field), "must be an RFC 3339 date-time", value);
  }
  throw invalid(url, at(list, index, field), "must be a number or a string", value);
}

/** 2.x plain string or 3.x localized `[{text, language}]` → the English text, else the first. */
export function text(
  value: unknown,
  url: string,
  list: List,
  index: number,
  field: string,
): string {
  if (typeof value === "string") return value;
  if (!Array.isArray(value)) {
    throw invalid(url, at(list, index, field), "must be a string or an array", value);
  }
  if (value.length === 0) {
    throw invalid(url, at(list, index, field), "must hold at least one translation", value);
  }
  let english: string | undefined;
  for (let i = 0; i < value.length; i++) {
    const translation: unknown = value[i];
    if (typeof translation !== "object" || translation === null || Array.isArray(translation)) {
      throw invalid(url, at(list, index, field, `[${i}]`), "must be an object", translation);
    }
    const { text, language } = translation as Record<string, unknown>;
    if (typeof text !== "string") {
      throw invalid(url, at(list, index, field, `[${i}].text`), "must be a string", text);
    }
    if (typeof language !== "string") {
      throw invalid(url, at(list, index, field, `[${i}].language`), "must be a string", language);
    }
    if (english === undefined && language.toLowerCase().startsWith("en")) english = text;
  }
  return english ?? (value[0] as { text: string }).text;
}
