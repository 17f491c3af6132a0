/** What the scrape tests share: a context for a scrape, and the check of a FeedError. */
import assert from "node:assert/strict";
import { FeedError } from "../../src/scrape/mod.ts";
import type { HttpClient, ScrapeContext } from "../../src/scrape/mod.ts";

let sharedClient: HttpClient | undefined;

/**
 * From now on, every {@link testContext} in this isolate has `http: client`,
 * as `spoke run` builds its contexts (with_http_client_test.ts runs the
 * scrape tests again this way).
 */
export function useHttpClient(client: HttpClient): void {
  sharedClient = client;
}

/** A context that never aborts on its own (no timer to leak), 16 MiB cap. */
export function testContext(overrides: Partial<ScrapeContext> = {}): ScrapeContext {
  return {
    signal: new AbortController().signal,
    maxBytes: 16 * 1024 * 1024,
    userAgent: "spoke/0.0.0-test",
    ...(sharedClient === undefined ? {} : { http: sharedClient }),
    ...overrides,
  };
}

/**
 * Asserts that `promise` rejects with a FeedError for `url` whose reason
 * matches (a string must match whole), and that the message names both.
 */
export async function rejectsFeed(
  promise: Promise<unknown>,
  url: string,
  reason: RegExp | string,
): Promise<FeedError> {
  let caught: FeedError | undefined;
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof FeedError, `not a FeedError: ${error}`);
    assert.equal(error.url, url);
    if (typeof reason === "string") assert.equal(error.reason, reason);
    else assert.match(error.reason, reason);
    assert.equal(error.message, `feed ${url}: ${error.reason}`);
    caught = error;
    return true;
  });
  return caught!;
}
