import assert from "node:assert/strict";
import { FeedCache, fetchDocument, fetchJson, type Reader } from "../../src/scrape/mod.ts";
import { rejectsFeed, testContext as context } from "./_assertions.ts";
import { startFeedServer } from "./_feed_server.ts";
import { fixtureJson } from "./_fixtures.ts";

const SET = "gbfs-v2.3-divvy-chicago";

Deno.test("fetchJson() returns the parsed document and sends the User-Agent", async () => {
  await using server = startFeedServer();
  const url = server.url(SET, "station_status.json");
  const document = await fetchJson(url, context());
  assert.deepEqual(document, await fixtureJson(SET, "station_status.json"));
  assert.equal(server.requests.at(-1)?.userAgent, "spoke/0.0.0-test");
});

Deno.test("fetchJson() reads a gzip-compressed body", async () => {
  const path = `${SET}/station_information.json`;
  await using server = startFeedServer({ overrides: { [path]: { gzip: true } } });
  const document = await fetchJson(server.url(SET, "station_information.json"), context());
  assert.deepEqual(document, await fixtureJson(SET, "station_information.json"));
});

Deno.test("fetchJson() applies the cap to the decompressed bytes (a gzip bomb is refused)", async () => {
  const path = `${SET}/bomb.json`;
  // 8 MiB of spaces gzip to a few KiB: the compressed Content-Length is far under the cap.
  await using server = startFeedServer({
    overrides: { [path]: { hugeBytes: 8 * 1024 * 1024, gzip: true } },
  });
  const url = server.url(SET, "bomb.json");
  await rejectsFeed(
    fetchJson(url, context({ maxBytes: 1024 * 1024 })),
    url,
    "response over 1048576 bytes",
  );
});

Deno.test("fetchJson() reads a body streamed in many chunks (no Content-Length)", async () => {
  const size = 300 * 1024;
  await using server = startFeedServer({
    overrides: { "x/spaces.json": { hugeBytes: size } },
  });
  // 300 KiB of spaces is not JSON: what matters is that all of it was read and counted.
  await rejectsFeed(
    fetchJson(server.url("x", "spaces.json"), context()),
    server.url("x", "spaces.json"),
    /^invalid JSON: /,
  );
  assert.equal(server.bytesStreamed("x/spaces.json"), size);
});

Deno.test("fetchJson() reads whole a body of unknown length many times the first read", async () => {
  // gzip hides the decoded size (the Content-Length counts compressed bytes), so
  // the reader starts small and grows its buffer as the ~200 KiB document arrives.
  const document = {
    data: {
      stations: Array.from({ length: 2000 }, (_, i) => ({ id: `s${i}`, name: `Station ${i}` })),
    },
  };
  const path = "x/big.json";
  await using server = startFeedServer({ overrides: { [path]: { json: document, gzip: true } } });
  const url = server.url("x", "big.json");
  assert.ok(JSON.stringify(document).length > 4 * 16 * 1024);
  assert.deepEqual(await fetchJson(url, context()), document);
  // One byte under the decoded size: refused, though the wire carried far less.
  const size = new TextEncoder().encode(JSON.stringify(document)).byteLength;
  await rejectsFeed(
    fetchJson(url, context({ maxBytes: size - 1 })),
    url,
    new RegExp(`^response over ${size - 1} bytes$`),
  );
});

Deno.test("fetchJson() fails with HTTP 500 on a server error", async () => {
  await using server = startFeedServer({
    overrides: { [`${SET}/station_status.json`]: { status: 500 } },
  });
  const url = server.url(SET, "station_status.json");
  await rejectsFeed(fetchJson(url, context()), url, /^HTTP 500$/);
});

Deno.test("fetchJson() fails with HTTP 404 on a missing document", async () => {
  await using server = startFeedServer();
  const url = server.url(SET, "no_such_feed.json");
  await rejectsFeed(fetchJson(url, context()), url, /^HTTP 404$/);
});

Deno.test("fetchJson() fails with 'timed out' when the server hangs past the signal's timeout", async () => {
  await using server = startFeedServer({ overrides: { [`${SET}/gbfs.json`]: { hang: true } } });
  const url = server.url(SET);
  await rejectsFeed(
    fetchJson(url, context({ signal: AbortSignal.timeout(100) })),
    url,
    /^timed out$/,
  );
});

Deno.test("fetchJson() fails with 'aborted' when the caller aborts", async () => {
  await using server = startFeedServer({ overrides: { [`${SET}/gbfs.json`]: { hang: true } } });
  const url = server.url(SET);
  const controller = new AbortController();
  const pending = fetchJson(url, context({ signal: controller.signal }));
  // Abort once the server holds the request, so the abort cancels a request in flight.
  while (server.requests.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
  controller.abort();
  await rejectsFeed(pending, url, /^aborted$/);
});

Deno.test("fetchJson() fails with 'timed out' when a body of known length stops half-way", async () => {
  const path = "x/stalled.json";
  await using server = startFeedServer({
    overrides: { [path]: { hugeBytes: 4096, contentLength: true, stallAfterBytes: 1000 } },
  });
  const url = server.url("x", "stalled.json");
  await rejectsFeed(
    fetchJson(url, context({ signal: AbortSignal.timeout(200) })),
    url,
    /^timed out$/,
  );
  assert.equal(server.bytesStreamed(path), 1000);
});

Deno.test("fetchJson() fails with 'network error' when the body ends before its Content-Length", async () => {
  // Deno.serve keeps its own framing, so this server is a raw socket.
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const served = (async () => {
    const conn = await listener.accept();
    const request = new Uint8Array(4096);
    await conn.read(request);
    await conn.write(
      new TextEncoder().encode('HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\n{"ttl":'),
    );
    conn.close();
  })();
  const url = `http://127.0.0.1:${listener.addr.port}/short.json`;
  try {
    await rejectsFeed(fetchJson(url, context()), url, /^network error: /);
  } finally {
    await served;
    listener.close();
  }
});

Deno.test("fetchJson() fails with 'invalid JSON' on garbage", async () => {
  await using server = startFeedServer({
    overrides: { [`${SET}/gbfs.json`]: { body: "<html>oops</html>" } },
  });
  const url = server.url(SET);
  await rejectsFeed(fetchJson(url, context()), url, /^invalid JSON: /);
});

Deno.test("fetchJson() fails with 'invalid JSON' on bytes that are not UTF-8", async () => {
  await using server = startFeedServer({
    overrides: { [`${SET}/gbfs.json`]: { body: new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]) } },
  });
  const url = server.url(SET);
  await rejectsFeed(fetchJson(url, context()), url, /^invalid JSON: not UTF-8/);
});

Deno.test("fetchJson() refuses a bad byte deep in a long body that is otherwise ASCII", async () => {
  const bytes = new TextEncoder().encode(JSON.stringify({ name: "x".repeat(100_000) }));
  bytes[50_000] = 0xc3; // a lead byte with no continuation
  await using server = startFeedServer({ overrides: { [`${SET}/gbfs.json`]: { body: bytes } } });
  const url = server.url(SET);
  await rejectsFeed(fetchJson(url, context()), url, /^invalid JSON: not UTF-8/);
});

Deno.test("fetchJson() keeps a real U+FFFD (valid UTF-8) and other non-ASCII text", async () => {
  const document = { name: "Caf\u00e9 \uFFFD \u{1F6B2}", ok: true };
  await using server = startFeedServer({
    overrides: { [`${SET}/gbfs.json`]: { body: JSON.stringify(document) } },
  });
  assert.deepEqual(await fetchJson(server.url(SET), context()), document);
});

Deno.test("fetchJson() refuses a body over the cap from its Content-Length", async () => {
  const path = `${SET}/big.json`;
  await using server = startFeedServer({
    overrides: { [path]: { hugeBytes: 4 * 1024 * 1024, contentLength: true } },
  });
  const url = server.url(SET, "big.json");
  await rejectsFeed(fetchJson(url, context({ maxBytes: 1000 })), url, /^response over 1000 bytes$/);
});

Deno.test("fetchJson() stops reading a chunked body once it passes the cap", async () => {
  const path = `${SET}/endless.json`;
  const total = 256 * 1024 * 1024;
  await using server = startFeedServer({ overrides: { [path]: { hugeBytes: total } } });
  const url = server.url(SET, "endless.json");
  const cap = 1024 * 1024;
  await rejectsFeed(
    fetchJson(url, context({ maxBytes: cap })),
    url,
    new RegExp(`^response over ${cap} bytes$`),
  );
  // The server produces filler only as it is pulled: a reader that stopped at the cap
  // leaves most of it unproduced (whatever sits in socket buffers aside).
  assert.ok(server.bytesStreamed(path) < total / 2, `streamed ${server.bytesStreamed(path)}`);
});

Deno.test("fetchJson() accepts a body of exactly the cap, and not one byte more", async () => {
  await using server = startFeedServer();
  const url = server.url(SET, "system_information.json");
  const exact = (await Deno.readFile(
    new URL(`../../config/demo/${SET}/system_information.json`, import.meta.url),
  )).byteLength;
  const document = await fetchJson(url, context({ maxBytes: exact }));
  assert.deepEqual(document, await fixtureJson(SET, "system_information.json"));
  await rejectsFeed(
    fetchJson(url, context({ maxBytes: exact - 1 })),
    url,
    new RegExp(`^response over ${exact - 1} bytes$`),
  );
});

Deno.test("fetchJson() fails with 'network error' when nothing listens", async () => {
  const server = startFeedServer();
  const url = server.url(SET);
  await server.close();
  await rejectsFeed(fetchJson(url, context()), url, /^network error: /);
});

Deno.test("fetchJson() refuses URLs that are not http(s) or not URLs", async () => {
  await rejectsFeed(
    fetchJson("file:///etc/passwd", context()),
    "file:///etc/passwd",
    /^unsupported URL scheme file:$/,
  );
  await rejectsFeed(fetchJson("not a url", context()), "not a url", /^invalid URL$/);
});

Deno.test("fetchJson() sends a network's headers, but its own User-Agent and Accept win", async () => {
  await using server = startFeedServer();
  const url = server.url(SET, "station_status.json");
  await fetchJson(
    url,
    context({
      headers: { "X-Api-Key": "k-1", "user-agent": "spoofed/1", ACCEPT: "text/html" },
    }),
  );
  const seen = server.requests.at(-1)!.headers;
  assert.equal(seen.get("x-api-key"), "k-1");
  assert.equal(seen.get("user-agent"), "spoke/0.0.0-test");
  assert.equal(seen.get("accept"), "application/json");
});

/** A reader whose readBytes reads a body that starts with `{"fast"` and leaves any other. */
function fastOrSlow(seen: string[]): Reader<string> {
  const decoder = new TextDecoder();
  return {
    name: "test/fast-or-slow",
    read: (document) => {
      seen.push("read");
      return `slow ${JSON.stringify(document)}`;
    },
    readBytes: (bytes) => {
      seen.push("readBytes");
      const text = decoder.decode(bytes);
      return text.startsWith('{"fast"') ? { document: "fast", ttl: 30 } : undefined;
    },
  };
}

Deno.test("fetchDocument() takes what a reader's readBytes read, with its ttl, and skips JSON.parse and read", async () => {
  await using server = startFeedServer({
    overrides: { "x/a.json": { body: '{"fast": 1} not JSON' } },
  });
  const url = server.url("x", "a.json");
  let now = 1_700_000_000_000;
  const cache = new FeedCache({ now: () => now });
  const seen: string[] = [];
  const options = { read: fastOrSlow(seen), freshness: "gbfs" as const };
  const fetched = await fetchDocument(url, context({ cache }), options);
  assert.equal(fetched.document, "fast");
  assert.deepEqual(seen, ["readBytes"]);
  // Fresh for the 30 s readBytes found: not asked again within them, asked after.
  now += 29_000;
  await fetchDocument(url, context({ cache }), options);
  assert.equal(server.requests.length, 1);
  now += 2_000;
  await fetchDocument(url, context({ cache }), options);
  assert.equal(server.requests.length, 2);
});

Deno.test("fetchDocument() parses and reads a body the reader's readBytes leaves, and fails as without it", async () => {
  await using server = startFeedServer({
    overrides: {
      "x/slow.json": { body: '{"slow": 1}' },
      "x/bad.json": { body: "{oops" },
      "x/bytes.json": { body: new Uint8Array([0x7b, 0xff, 0x7d]) },
    },
  });
  const seen: string[] = [];
  const read = fastOrSlow(seen);
  const slow = await fetchDocument(server.url("x", "slow.json"), context(), { read });
  assert.equal(slow.document, 'slow {"slow":1}');
  assert.deepEqual(seen, ["readBytes", "read"]);
  const bad = server.url("x", "bad.json");
  await rejectsFeed(fetchDocument(bad, context(), { read }), bad, /^invalid JSON: /);
  const bytes = server.url("x", "bytes.json");
  await rejectsFeed(fetchDocument(bytes, context(), { read }), bytes, /^invalid JSON: not UTF-8/);
  // readBytes is for JSON bodies only.
  seen.length = 0;
  await fetchDocument(server.url("x", "slow.json"), context(), { read, as: "text" });
  assert.deepEqual(seen, ["read"]);
});
