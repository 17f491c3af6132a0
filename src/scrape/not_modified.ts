/**
 * Not a failure: every document a network is made of is unchanged since this
 * network's last scrape (HTTP 304, or still fresh by its GBFS `ttl`), so there
 * is nothing new to publish. Thrown rather than returned so that the
 * {@link Scraper} type stays `Promise<Network>`; a caller without a cache
 * never sees it.
 */
export class NotModified extends Error {
  /** `<class>::<tag>` of the network. */
  readonly key: string;

  constructor(key: string) {
    super(`${key}: not modified`);
    this.name = "NotModified";
    this.key = key;
  }
}
