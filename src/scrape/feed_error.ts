/**
 * The one error of the scrape layer: a feed that could not be fetched, read or
 * understood. It names the URL and says what went wrong in a few words, so a
 * log line or a metric label is enough to act on it.
 */
export class FeedError extends Error {
  /** The URL of the feed document that failed (a sub-feed, not only the entry point). */
  readonly url: string;
  /** What went wrong, short: `HTTP 500`, `timed out`, `data.stations[3].lat must be a number, got "x"`. */
  readonly reason: string;

  constructor(url: string, reason: string, options?: ErrorOptions) {
    super(`feed ${url}: ${reason}`, options);
    this.name = "FeedError";
    this.url = url;
    this.reason = reason;
  }
}
