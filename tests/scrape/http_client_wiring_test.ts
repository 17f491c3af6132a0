/** fetchJson() with `ctx.http`: the client carries the GET, its failures become the usual FeedErrors. */
import assert from "node:assert/strict";
import { fetchJson, HttpClient } from "../../src/scrape/mod.ts";
import { rejectsFeed, testContext } from "./_assertions.ts";
import { rawServer } from "./_raw_server.ts";

Deno.test("fetchJson() with an HttpClient reads over one kept-alive connection", async () => {
  await using server = rawServer(async (peer) => {
    while (await peer.request() !== null) {
      await peer.send('HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n{"ttl":1}');
    }
  });
  const http = new HttpClient();
  try {
    for (let i = 0; i < 3; i++) {
      assert.deepEqual(await fetchJson(server.url().href, testContext({ http })), { ttl: 1 });
    }
    assert.equal(server.accepted, 1);
    assert.match(server.requests[0]!, /\r\nUser-Agent: spoke\/0\.0\.0-test\r\n/);
  } finally {
    http.close();
  }
});

Deno.test("fetchJson() with an HttpClient reports its failures as fetch's are", async () => {
  await using server = rawServer(async (peer) => {
    const head = (await peer.request()) ?? "";
    const path = head.split(" ")[1];
    if (path === "/404") await peer.send("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
    if (path === "/big") await peer.send("HTTP/1.1 200 OK\r\nContent-Length: 2000\r\n\r\n");
    if (path === "/garbage") await peer.send("SPDY/9 200 OK\r\n\r\n");
    if (path === "/hang") await peer.request();
  });
  const http = new HttpClient();
  const url = (path: string) => server.url(path).href;
  try {
    await rejectsFeed(fetchJson(url("/404"), testContext({ http })), url("/404"), "HTTP 404");
    await rejectsFeed(
      fetchJson(url("/big"), testContext({ http, maxBytes: 1000 })),
      url("/big"),
      "response over 1000 bytes",
    );
    await rejectsFeed(
      fetchJson(url("/garbage"), testContext({ http })),
      url("/garbage"),
      'network error: invalid status line "SPDY/9 200 OK"',
    );
    await rejectsFeed(
      fetchJson(url("/hang"), testContext({ http, signal: AbortSignal.timeout(50) })),
      url("/hang"),
      "timed out",
    );
    const controller = new AbortController();
    const pending = fetchJson(url("/hang"), testContext({ http, signal: controller.signal }));
    while (server.requests.length < 5) await new Promise((resolve) => setTimeout(resolve, 2));
    controller.abort();
    await rejectsFeed(pending, url("/hang"), "aborted");
  } finally {
    http.close();
  }
});

Deno.test("fetchJson() goes through fetch when a proxy is set in the environment", async () => {
  // The same server is target and proxy: it answers whatever asks, so both routes succeed.
  await using server = rawServer(async (peer) => {
    while (await peer.request() !== null) {
      await peer.send('HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n{"ttl":2}');
    }
  });
  Deno.env.set("HTTP_PROXY", `http://127.0.0.1:${server.port}`);
  let http: HttpClient;
  try {
    http = new HttpClient();
  } finally {
    Deno.env.delete("HTTP_PROXY");
  }
  try {
    assert.equal(http.proxyConfigured, true);
    assert.deepEqual(await fetchJson(server.url().href, testContext({ http })), { ttl: 2 });
    assert.equal(http.connectionsMade, 0);
    assert.equal(new HttpClient().proxyConfigured, false);
  } finally {
    http.close();
  }
});
