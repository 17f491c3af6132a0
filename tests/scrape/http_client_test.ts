/** HttpClient's framing, against a raw TCP server that sends exactly the bytes scripted. */
import assert from "node:assert/strict";
import zlib from "node:zlib";
import { HttpClient, HttpClientError, ResponseTooLarge } from "../../src/scrape/http_client.ts";
import { type Peer, rawServer } from "./_raw_server.ts";

const MAX = 1024 * 1024;
const never = () => new AbortController().signal;
const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

/** One GET on a fresh client against a server that answers every request with `answer`. */
async function getOnce(answer: (peer: Peer) => Promise<void>, maxBytes = MAX) {
  await using server = rawServer(async (peer) => {
    await peer.request();
    await answer(peer);
  });
  const client = new HttpClient();
  try {
    return await client.get(server.url("/feed.json"), [], never(), maxBytes);
  } finally {
    client.close();
  }
}

async function rejectsClient(promise: Promise<unknown>, message: RegExp): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof HttpClientError, `not an HttpClientError: ${error}`);
    assert.match(error.message, message);
    return true;
  });
}

Deno.test("HttpClient.get() sends a GET with Host, the headers given and Accept-Encoding", async () => {
  await using server = rawServer(async (peer) => {
    await peer.request();
    await peer.send("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
  });
  const client = new HttpClient();
  const response = await client.get(
    server.url("/a/b.json?x=1&y=%20"),
    [["User-Agent", "spoke/test"], ["Accept-Encoding", "br"], ["X-Api-Key", "k"]],
    never(),
    MAX,
  );
  client.close();
  assert.equal(response.status, 200);
  assert.equal(new TextDecoder().decode(response.body), "ok");
  const lines = server.requests[0]!.split("\r\n");
  assert.equal(lines[0], "GET /a/b.json?x=1&y=%20 HTTP/1.1");
  assert.ok(lines.includes(`Host: 127.0.0.1:${server.port}`));
  assert.ok(lines.includes("User-Agent: spoke/test"));
  assert.ok(lines.includes("X-Api-Key: k"));
  // The caller's Accept-Encoding is dropped: the client decodes only what it asks for.
  assert.deepEqual(lines.filter((line) => /^accept-encoding:/i.test(line)), [
    "Accept-Encoding: gzip, deflate",
  ]);
});

Deno.test("HttpClient.get() refuses a header value with a line break (no injection)", async () => {
  const client = new HttpClient();
  await assert.rejects(
    client.get(new URL("http://127.0.0.1:9/"), [["X-Key", "a\r\nEvil: 1"]], never(), MAX),
    TypeError,
  );
  await assert.rejects(
    client.get(new URL("http://127.0.0.1:9/"), [["Bad Name", "a"]], never(), MAX),
    TypeError,
  );
  client.close();
});

Deno.test("HttpClient.get() reads a chunked body with extensions and trailers, written a few bytes at a time", async () => {
  const wire = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" +
    "5;name=value\r\nhello\r\n" +
    '1 ; quoted="x;y"\r\n,\r\n' +
    "6\r\n world\r\n" +
    "0\r\nExpires: never\r\nX-Trailer: 1\r\n\r\n";
  const response = await getOnce((peer) => peer.send(wire, wire.length));
  assert.equal(new TextDecoder().decode(response.body), "hello, world");
});

Deno.test("HttpClient.get() reads a large chunked body in chunks bigger than its buffer", async () => {
  const chunk = new Uint8Array(40_000).fill(0x61);
  const head = new TextEncoder().encode("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
  const size = new TextEncoder().encode(`${chunk.byteLength.toString(16)}\r\n`);
  const end = new TextEncoder().encode("\r\n0\r\n\r\n");
  const response = await getOnce(async (peer) => {
    await peer.send(head);
    for (let i = 0; i < 3; i++) {
      await peer.send(size);
      await peer.send(chunk, 7);
      await peer.send(i === 2 ? end : new TextEncoder().encode("\r\n"));
    }
  });
  assert.equal(response.body.byteLength, 3 * chunk.byteLength);
  assert.ok(response.body.every((byte) => byte === 0x61));
});

Deno.test("HttpClient.get() fails on a chunked body cut short", async () => {
  await rejectsClient(
    getOnce((peer) =>
      peer.send("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10\r\nonly a few")
    ),
    /^connection closed in a chunked body$/,
  );
});

Deno.test("HttpClient.get() fails on an invalid chunk size", async () => {
  for (const size of ["zz", "-1", "", "1234567890abcdef"]) {
    await rejectsClient(
      getOnce((peer) =>
        peer.send(
          `HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n${size}\r\nabc\r\n0\r\n\r\n`,
        )
      ),
      /^invalid chunk size /,
    );
  }
});

Deno.test("HttpClient.get() fails on a chunk longer than its size", async () => {
  await rejectsClient(
    getOnce((peer) =>
      peer.send("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabcd\r\n0\r\n\r\n")
    ),
    /^chunk longer than its size$/,
  );
});

Deno.test("HttpClient.get() fails when the body ends before its Content-Length", async () => {
  await rejectsClient(
    getOnce((peer) => peer.send('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{"ttl":')),
    /^connection closed after 7 of 100 body bytes$/,
  );
});

Deno.test("HttpClient.get() keeps Content-Length bytes of a longer body and does not reuse the socket", async () => {
  await using server = rawServer(async (peer) => {
    await peer.request();
    await peer.send("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokEXTRA");
    await peer.request();
  });
  const client = new HttpClient();
  const first = await client.get(server.url(), [], never(), MAX);
  assert.equal(new TextDecoder().decode(first.body), "ok");
  assert.equal(client.openConnections, 0);
  client.close();
});

Deno.test("HttpClient.get() fails on an invalid or conflicting Content-Length", async () => {
  for (
    const [header, message] of [
      ["Content-Length: abc", /^invalid Content-Length "abc"$/],
      ["Content-Length: -5", /^invalid Content-Length/],
      ["Content-Length: 1e3", /^invalid Content-Length/],
      ["Content-Length: 3\r\nContent-Length: 4", /^conflicting Content-Length "3, 4"$/],
    ] as const
  ) {
    await rejectsClient(
      getOnce((peer) => peer.send(`HTTP/1.1 200 OK\r\n${header}\r\n\r\nabcd`)),
      message,
    );
  }
  // Identical copies are one length.
  const same = await getOnce((peer) =>
    peer.send("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nok")
  );
  assert.equal(new TextDecoder().decode(same.body), "ok");
});

Deno.test("HttpClient.get() fails on a garbage status line", async () => {
  for (
    const line of ["garbage", "HTTP/2 200 OK", "HTTP/1.1 20 OK", "ICY 200 OK", "HTTP/1.1 200OK"]
  ) {
    await rejectsClient(
      getOnce((peer) => peer.send(`${line}\r\nContent-Length: 0\r\n\r\n`)),
      /^invalid status line /,
    );
  }
});

Deno.test("HttpClient.get() fails on a header line without a name", async () => {
  await rejectsClient(
    getOnce((peer) => peer.send("HTTP/1.1 200 OK\r\n: nameless\r\n\r\n")),
    /^invalid header line /,
  );
  await rejectsClient(
    getOnce((peer) => peer.send("HTTP/1.1 200 OK\r\nno colon here\r\n\r\n")),
    /^invalid header line /,
  );
});

Deno.test("HttpClient.get() refuses a response head over 64 KiB", async () => {
  const huge = `X-Filler: ${"a".repeat(70 * 1024)}\r\n`;
  await rejectsClient(
    getOnce((peer) => peer.send(`HTTP/1.1 200 OK\r\n${huge}Content-Length: 0\r\n\r\n`)),
    /^response head over 65536 bytes$/,
  );
});

Deno.test("HttpClient.get() fails when the server closes in the head or before it", async () => {
  await rejectsClient(
    getOnce((peer) => peer.send("HTTP/1.1 200 OK\r\nContent-Le")),
    /^connection closed in the response head$/,
  );
  await rejectsClient(getOnce(() => Promise.resolve()), /^connection closed before any response$/);
});

Deno.test("HttpClient.get() reads headers case-insensitively, joins repeats, unfolds folded lines, takes bare LF", async () => {
  const response = await getOnce((peer) =>
    peer.send(
      'HTTP/1.1 200\nETag: "v1"\nX-Many: a\nx-many: b\nX-Folded: first\n  second\nContent-Length: 2\n\nok',
    )
  );
  assert.equal(response.headers.get("etag"), '"v1"');
  assert.equal(response.headers.get("ETAG"), '"v1"');
  assert.equal(response.headers.get("x-many"), "a, b");
  assert.equal(response.headers.get("x-folded"), "first second");
  assert.equal(response.headers.get("last-modified"), null);
  assert.equal(new TextDecoder().decode(response.body), "ok");
});

Deno.test("HttpClient.get() skips 100 Continue and 103 Early Hints before the answer", async () => {
  const response = await getOnce((peer) =>
    peer.send(
      "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n" +
        "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\ndone",
      9,
    )
  );
  assert.equal(response.status, 200);
  assert.equal(new TextDecoder().decode(response.body), "done");
});

Deno.test("HttpClient.get() reads a body framed by the end of the connection, and does not reuse it", async () => {
  await using server = rawServer(async (peer) => {
    await peer.request();
    await peer.send("HTTP/1.1 200 OK\r\n\r\nuntil the end", 4);
  });
  const client = new HttpClient();
  const response = await client.get(server.url(), [], never(), MAX);
  assert.equal(new TextDecoder().decode(response.body), "until the end");
  assert.equal(client.openConnections, 0);
  client.close();
});

Deno.test("HttpClient.get() gives no body for 204 and 304, and reuses the socket", async () => {
  await using server = rawServer(async (peer) => {
    await peer.request();
    await peer.send("HTTP/1.1 204 No Content\r\n\r\n");
    await peer.request();
    await peer.send('HTTP/1.1 304 Not Modified\r\nETag: "x"\r\nContent-Length: 10\r\n\r\n');
    await peer.request();
    await peer.send("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n!");
  });
  const client = new HttpClient();
  assert.equal((await client.get(server.url(), [], never(), MAX)).status, 204);
  const notModified = await client.get(server.url(), [], never(), MAX);
  assert.equal(notModified.status, 304);
  assert.equal(notModified.body.byteLength, 0);
  assert.equal((await client.get(server.url(), [], never(), MAX)).body.byteLength, 1);
  assert.equal(server.accepted, 1);
  client.close();
});

Deno.test("HttpClient.get() does not reuse after Connection: close, an HTTP/1.0 answer or two framings", async () => {
  for (
    const answer of [
      "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok",
      "HTTP/1.1 200 OK\r\nConnection: keep-alive, Close\r\nContent-Length: 2\r\n\r\nok",
      "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok",
      // Both framings: chunked wins, and the socket is not trusted after it.
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 9\r\n\r\n2\r\nok\r\n0\r\n\r\n",
    ]
  ) {
    await using server = rawServer(async (peer) => {
      await peer.request();
      await peer.send(answer);
      await peer.request();
    });
    const client = new HttpClient();
    assert.equal(text((await client.get(server.url(), [], never(), MAX)).body), "ok");
    assert.equal(client.openConnections, 0, answer);
    client.close();
  }
});

Deno.test("HttpClient.get() returns an error status with its body skipped", async () => {
  await using server = rawServer(async (peer) => {
    await peer.request();
    await peer.send("HTTP/1.1 503 Busy\r\nContent-Length: 9\r\n\r\ntoo busy!");
    await peer.request();
    await peer.send(
      "HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nnot\r\n0\r\n\r\n",
    );
  });
  const client = new HttpClient();
  const busy = await client.get(server.url(), [], never(), MAX);
  assert.equal(busy.status, 503);
  assert.equal(busy.body.byteLength, 0);
  assert.equal((await client.get(server.url(), [], never(), MAX)).status, 404);
  assert.equal(server.accepted, 1);
  client.close();
});

Deno.test("HttpClient.get() refuses a Content-Length over the cap before reading the body", async () => {
  await using server = rawServer(async (peer) => {
    await peer.request();
    await peer.send("HTTP/1.1 200 OK\r\nContent-Length: 5000000000\r\n\r\n");
    await peer.request();
  });
  const client = new HttpClient();
  await assert.rejects(client.get(server.url(), [], never(), 1000), ResponseTooLarge);
  assert.equal(client.openConnections, 0);
  client.close();
});

Deno.test("HttpClient.get() refuses a chunk that would pass the cap, and a body of unknown length past it", async () => {
  await assert.rejects(
    getOnce(
      (peer) => peer.send("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3e8\r\n"),
      999,
    ),
    (error: unknown) => error instanceof ResponseTooLarge && error.maxBytes === 999,
  );
  await assert.rejects(
    getOnce((peer) => peer.send(`HTTP/1.1 200 OK\r\n\r\n${"x".repeat(1000)}`), 999),
    ResponseTooLarge,
  );
  const exact = await getOnce(
    (peer) => peer.send(`HTTP/1.1 200 OK\r\n\r\n${"x".repeat(999)}`),
    999,
  );
  assert.equal(exact.body.byteLength, 999);
});

Deno.test("HttpClient.get() decodes gzip and deflate (zlib and raw) bodies", async () => {
  const text = JSON.stringify({ stations: Array.from({ length: 200 }, (_, i) => `s${i}`) });
  const plain = new TextEncoder().encode(text);
  for (
    const [coding, bytes] of [
      ["gzip", zlib.gzipSync(plain)],
      ["x-gzip", zlib.gzipSync(plain)],
      ["deflate", zlib.deflateSync(plain)],
      ["Deflate", zlib.deflateRawSync(plain)],
    ] as const
  ) {
    const response = await getOnce(async (peer) => {
      await peer.send(
        `HTTP/1.1 200 OK\r\nContent-Encoding: ${coding}\r\nContent-Length: ${bytes.byteLength}\r\n\r\n`,
      );
      await peer.send(bytes, 3);
    });
    assert.equal(new TextDecoder().decode(response.body), text, coding);
  }
});

Deno.test("HttpClient.get() fails on a corrupt or unknown encoding", async () => {
  await rejectsClient(
    getOnce((peer) =>
      peer.send("HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: 4\r\n\r\nnope")
    ),
    /^invalid gzip body: /,
  );
  await rejectsClient(
    getOnce((peer) =>
      peer.send("HTTP/1.1 200 OK\r\nContent-Encoding: br\r\nContent-Length: 4\r\n\r\nnope")
    ),
    /^unsupported Content-Encoding "br"$/,
  );
  await rejectsClient(
    getOnce((peer) =>
      peer.send("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n")
    ),
    /^unsupported Transfer-Encoding /,
  );
});

Deno.test("HttpClient.get() refuses a gzip bomb: the cap counts decoded bytes", async () => {
  const bomb = zlib.gzipSync(new Uint8Array(8 * 1024 * 1024));
  assert.ok(bomb.byteLength < 64 * 1024);
  await assert.rejects(
    getOnce(async (peer) => {
      await peer.send(
        `HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: ${bomb.byteLength}\r\n\r\n`,
      );
      await peer.send(bomb);
    }, 1024 * 1024),
    (error: unknown) => error instanceof ResponseTooLarge && error.maxBytes === 1024 * 1024,
  );
});
