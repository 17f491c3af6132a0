import { HTTPException } from "hono/http-exception";
import { MAX_HISTORY_ROWS } from "../store/mod.ts";

/** How many history rows a query returns when it does not say. */
export const DEFAULT_HISTORY_LIMIT = 10_000;

const ISO = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;
const EPOCH_SECONDS = /^\d{1,12}(\.\d+)?$/;

function bad(message: string): never {
  throw new HTTPException(400, { message });
}

/** `since` / `until`: an ISO 8601 time (UTC unless it says) or seconds since the epoch; in ms. */
function parseTime(name: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const text = raw.trim();
  let ms = Number.NaN;
  if (EPOCH_SECONDS.test(text)) ms = Math.round(Number(text) * 1000);
  else if (ISO.test(text)) {
    // A date-time without a zone is read as UTC, like a date alone.
    const zoned = /T/.test(text) && !/(Z|[+-]\d{2}:?\d{2})$/.test(text) ? `${text}Z` : text;
    ms = Date.parse(zoned);
  }
  if (!Number.isFinite(ms)) {
    bad(
      `${name} must be an ISO 8601 time (2025-01-29T09:47:38Z) or seconds since the epoch, got "${raw}"`,
    );
  }
  return ms;
}

/** The validated query of `/v2/networks/:tag/history`. */
export interface ParsedHistoryQuery {
  station?: string;
  since?: number;
  until?: number;
  limit: number;
}

/** Reads `station`, `since`, `until` and `limit`; a bad value is a 400 naming it. */
export function parseHistoryQuery(query: Record<string, string>): ParsedHistoryQuery {
  const station = query.station;
  if (station !== undefined && station.trim() === "") bad("station must not be empty");
  const since = parseTime("since", query.since);
  const until = parseTime("until", query.until);
  if (since !== undefined && until !== undefined && since > until) {
    bad(`since (${query.since}) is after until (${query.until})`);
  }
  let limit = DEFAULT_HISTORY_LIMIT;
  if (query.limit !== undefined) {
    limit = /^\d{1,9}$/.test(query.limit) ? Number(query.limit) : Number.NaN;
    if (!(limit >= 1 && limit <= MAX_HISTORY_ROWS)) {
      bad(`limit must be an integer 1..${MAX_HISTORY_ROWS}, got "${query.limit}"`);
    }
  }
  return { station, since, until, limit };
}
