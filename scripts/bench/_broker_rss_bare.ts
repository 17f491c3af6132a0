/** The floor of broker_rss.ts: a Deno TCP server holding sockets with a 1 KiB read pending each. */
const listener = Deno.listen({ hostname: "127.0.0.1", port: Number(Deno.args[0]) });
for await (const conn of listener) {
  (async () => {
    const buffer = new Uint8Array(1024);
    try {
      while (await conn.read(buffer) !== null);
    } catch {
      // reset by the peer
    }
  })();
}
