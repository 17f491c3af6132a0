/** HttpClient's connections: keep-alive, retry of a stale socket, abort, redirects, TLS, idle timeout. */
import assert from "node:assert/strict";
import { createServer, type RequestListener } from "node:http";
import type { AddressInfo } from "node:net";
import zlib from "node:zlib";
import { HttpClient, HttpClientError } from "../../src/scrape/http_client.ts";
import { selfSignedCert } from "../_support/self_signed_cert.ts";
import { rawServer } from "./_raw_server.ts";

const MAX = 1024 * 1024;
const never = () => new AbortController().signal;
const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

/**
 * Runs `use` against a node:http server answering with `handler`, with a
 * fresh client; `connections()` counts the connections the server accepted.
 */
async function withNodeServer(
  handler: RequestListener,
  use: (base: string, client: HttpClient, connections: () => number) => Promise<void>,
): Promise<void> {
  let connections = 0;
  const server = createServer(handler);
  server.on("connection", () => connections++);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const client = new HttpClient();
  try {
    await use(`http://127.0.0.1:${port}`, client, () => connections);
  } finally {
    client.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

Deno.test("HttpClient reuses one kept-alive connection to a node:http server", async () => {
  await withNodeServer((request, response) => {
    response.setHeader("content-type", "application/json");
    response.end(JSON.stringify({ path: request.url }));
  }, async (base, client, connections) => {
    for (let i = 0; i < 20; i++) {
      const response = await client.get(new URL(`${base}/n/${i}`), [], never(), MAX);
      assert.deepEqual(JSON.parse(text(response.body)), { path: `/n/${i}` });
    }
    assert.equal(connections(), 1);
    assert.equal(client.connectionsMade, 1);
  });
});

Deno.test("HttpClient reads a gzip body node:http streams chunked, and reuses the connection", async () => {
  const document = { stations: Array.from({ length: 500 }, (_, i) => ({ id: `s${i}` })) };
  await withNodeServer((_request, response) => {
    response.writeHead(200, { "content-type": "application/json", "content-encoding": "gzip" });
    const gzip = zlib.createGzip();
    gzip.pipe(response);
    const json = JSON.stringify(document);
    // Several writes: several chunks on the wire.
    for (let at = 0; at < json.length; at += 1000) gzip.write(json.slice(at, at + 1000));
    gzip.end();
  }, async (base, client, connections) => {
    for (let i = 0; i < 3; i++) {
      const response = await client.get(new URL(`${base}/`), [], never(), MAX);
      assert.deepEqual(JSON.parse(text(response.body)), document);
    }
    assert.equal(connections(), 1);
  });
});

Deno.test("HttpClient keeps at most maxIdlePerOrigin connections between bursts", async () => {
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    async () => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      return new Response("x".repeat(2000));
    },
  );
  const client = new HttpClient({ maxIdlePerOrigin: 2 });
  const url = new URL(`http://127.0.0.1:${server.addr.port}/feed`);
  try {
    const burst = () =>
      Promise.all(Array.from({ length: 6 }, () => client.get(url, [], never(), MAX)));
    for (const response of await burst()) assert.equal(response.body.byteLength, 2000);
    assert.equal(client.connectionsMade, 6);
    assert.equal(client.openConnections, 2);
    await burst();
    // Two of the six came from the pool.
    assert.equal(client.connectionsMade, 10);
  } finally {
    client.close();
    await server.shutdown();
  }
});

Deno.test("HttpClient sends again, on a new socket, a request whose kept-alive socket the server closed", async () => {
  await using server = rawServer(async (peer) => {
    await peer.request();
    // Keep-alive as far as the client knows, then closed while idle.
    await peer.send(`HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nconn${peer.index}`);
  });
  const client = new HttpClient();
  assert.equal(text((await client.get(server.url(), [], never(), MAX)).body), "conn0");
  assert.equal(client.openConnections, 1);
  // Let the close reach the client's socket.
  await new Promise((resolve) => setTimeout(resolve, 20));
  assert.equal(text((await client.get(server.url(), [], never(), MAX)).body), "conn1");
  assert.equal(server.accepted, 2);
  client.close();
});

Deno.test("HttpClient sends again, fresh, a request answered 408 on a reused socket, but not on a new one", async () => {
  await using server = rawServer(async (peer) => {
    await peer.request();
    if (peer.index === 0) {
      // Kept alive; then, the connection idle, the server gives up on it with a 408, held
      // open until the next request comes (so that request is sent, and reads the 408).
      await peer.send("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfirst");
      await new Promise((resolve) => setTimeout(resolve, 10));
      await peer.send(
        "HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Length: 0\r\n\r\n",
      );
      await peer.request();
      return;
    }
    if (peer.index === 1) {
      await peer.send("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nagain");
      return;
    }
    // A 408 to a request on a new connection is the answer.
    await peer.send(
      "HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Length: 0\r\n\r\n",
    );
  });
  const client = new HttpClient();
  assert.equal(text((await client.get(server.url(), [], never(), MAX)).body), "first");
  // Let the 408 reach the client's idle socket before it is reused.
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.equal(text((await client.get(server.url(), [], never(), MAX)).body), "again");
  assert.equal(server.accepted, 2);
  client.close();
  const fresh = new HttpClient();
  assert.equal((await fresh.get(server.url(), [], never(), MAX)).status, 408);
  assert.equal(server.accepted, 3);
  fresh.close();
});

Deno.test("HttpClient does not send again on a reused socket that had begun to answer", async () => {
  await using server = rawServer(async (peer) => {
    await peer.request();
    if (peer.index === 0) {
      await peer.send("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
      await peer.request();
    }
    await peer.send("HTTP/1.1 200 OK\r\nContent-Len");
  });
  const client = new HttpClient();
  await client.get(server.url(), [], never(), MAX);
  await assert.rejects(
    client.get(server.url(), [], never(), MAX),
    (error: unknown) =>
      error instanceof HttpClientError &&
      error.message === "connection closed in the response head",
  );
  assert.equal(server.accepted, 1);
  client.close();
});

Deno.test("HttpClient rejects at once with the signal's reason when a server never answers", async () => {
  await using server = rawServer(async (peer) => {
    await peer.request();
    await peer.request(); // holds the connection until the client closes it
  });
  const client = new HttpClient();
  await assert.rejects(
    client.get(server.url(), [], AbortSignal.timeout(50), MAX),
    (error: unknown) => error instanceof DOMException && error.name === "TimeoutError",
  );
  assert.equal(client.openConnections, 0);
  const controller = new AbortController();
  const pending = client.get(server.url(), [], controller.signal, MAX);
  while (server.requests.length < 2) await new Promise((resolve) => setTimeout(resolve, 2));
  const reason = new Error("stop now");
  controller.abort(reason);
  await assert.rejects(pending, (error: unknown) => error === reason);
  assert.equal(client.openConnections, 0);
  // An aborted signal is refused before anything is sent.
  await assert.rejects(client.get(server.url(), [], controller.signal, MAX), (e) => e === reason);
  assert.equal(server.requests.length, 2);
  client.close();
});

Deno.test("HttpClient fails with the socket's error when nothing listens", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  const client = new HttpClient();
  await assert.rejects(
    client.get(new URL(`http://127.0.0.1:${port}/`), [], never(), MAX),
    (error: unknown) => error instanceof HttpClientError && /refused/i.test(error.message),
  );
  client.close();
});

Deno.test("HttpClient follows a chain of redirects and reports where it ended", async () => {
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (request) => {
    const url = new URL(request.url);
    const hop = Number(url.searchParams.get("hop") ?? "0");
    const codes = [301, 302, 303, 307, 308];
    if (url.pathname === "/loop") return Response.redirect(new URL("/loop", url), 302);
    if (url.pathname === "/file") {
      return new Response(null, { status: 302, headers: { location: "file:///etc/passwd" } });
    }
    if (url.pathname === "/nowhere") return new Response("moved", { status: 301 });
    if (hop < codes.length) {
      return new Response("moved", {
        status: codes[hop]!,
        headers: { location: `/chain?hop=${hop + 1}` },
      });
    }
    return new Response(`end ${request.headers.get("x-key")}`);
  });
  const base = `http://127.0.0.1:${server.addr.port}`;
  const client = new HttpClient();
  try {
    const end = await client.get(new URL(`${base}/chain`), [["X-Key", "k"]], never(), MAX);
    assert.equal(end.status, 200);
    assert.equal(text(end.body), "end k");
    assert.equal(end.url.href, `${base}/chain?hop=5`);
    await assert.rejects(
      client.get(new URL(`${base}/loop`), [], never(), MAX),
      (error: unknown) =>
        error instanceof HttpClientError && error.message === "more than 5 redirects",
    );
    await assert.rejects(
      client.get(new URL(`${base}/file`), [], never(), MAX),
      (error: unknown) =>
        error instanceof HttpClientError &&
        error.message === "redirect to unsupported URL scheme file:",
    );
    // A redirect with no Location is an answer like any other.
    assert.equal((await client.get(new URL(`${base}/nowhere`), [], never(), MAX)).status, 301);
    // Every hop went over the one kept-alive connection.
    assert.equal(client.connectionsMade, 1);
  } finally {
    client.close();
    await server.shutdown();
  }
});

Deno.test("HttpClient speaks HTTPS to a server with a certificate it is given to trust", async () => {
  await using cert = await selfSignedCert();
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, cert: cert.cert, key: cert.key, onListen: () => {} },
    () => new Response('{"tls":true}'),
  );
  const url = new URL(`https://127.0.0.1:${server.addr.port}/feed.json`);
  const trusting = new HttpClient({ caCerts: [cert.cert] });
  const plain = new HttpClient();
  try {
    for (let i = 0; i < 3; i++) {
      assert.equal(text((await trusting.get(url, [], never(), MAX)).body), '{"tls":true}');
    }
    assert.equal(trusting.connectionsMade, 1);
    await assert.rejects(plain.get(url, [], never(), MAX), HttpClientError);
  } finally {
    trusting.close();
    plain.close();
    await server.shutdown();
  }
});

Deno.test("HttpClient closes idle connections after its idle timeout", async () => {
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    () => new Response("ok"),
  );
  const client = new HttpClient({ idleTimeoutMs: 30 });
  try {
    await client.get(new URL(`http://127.0.0.1:${server.addr.port}/`), [], never(), MAX);
    assert.equal(client.openConnections, 1);
    while (client.openConnections > 0) await new Promise((resolve) => setTimeout(resolve, 10));
  } finally {
    client.close();
    await server.shutdown();
  }
});

Deno.test("HttpClient.close() ends a request in flight and refuses new ones", async () => {
  await using server = rawServer(async (peer) => {
    await peer.request();
    await peer.request();
  });
  const client = new HttpClient();
  const pending = client.get(server.url(), [], never(), MAX);
  while (server.requests.length < 1) await new Promise((resolve) => setTimeout(resolve, 2));
  client.close();
  await assert.rejects(pending, HttpClientError);
  await assert.rejects(client.get(server.url(), [], never(), MAX), /client closed/);
});

Deno.test("new HttpClient() refuses bad options", () => {
  assert.throws(() => new HttpClient({ maxIdlePerOrigin: -1 }), RangeError);
  assert.throws(() => new HttpClient({ maxIdlePerOrigin: 1.5 }), RangeError);
  assert.throws(() => new HttpClient({ idleTimeoutMs: 0 }), RangeError);
  assert.throws(() => new HttpClient({ idleTimeoutMs: Number.NaN }), RangeError);
});
