import assert from "node:assert/strict";
import { createApi } from "../../src/api/mod.ts";
import { summarize } from "../../src/api/live_events.ts";
import { network, sources, station } from "./_sources.ts";

/** Reads whole SSE events (name and parsed data) from a response body. */
function eventReader(body: ReadableStream<Uint8Array>) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buffered = "";
  return {
    async next(): Promise<{ event: string; data: unknown }> {
      while (true) {
        const end = buffered.indexOf("\n\n");
        if (end >= 0) {
          const block = buffered.slice(0, end);
          buffered = buffered.slice(end + 2);
          if (block.startsWith(":")) continue;
          const event = /^event: (.*)$/m.exec(block)?.[1] ?? "message";
          const data = block.split("\n").filter((line) => line.startsWith("data: "))
            .map((line) => line.slice(6)).join("\n");
          return { event, data: JSON.parse(data) };
        }
        const { value, done } = await reader.read();
        if (done) throw new Error("the stream ended");
        buffered += value;
      }
    },
    cancel: () => reader.cancel(),
  };
}

Deno.test("GET /events sends a snapshot, then each change as it happens", async () => {
  const made = sources();
  const app = createApi({ ...made.sources, watch: (listener) => made.store.watch(listener) });
  const response = await app.request("/events");
  assert.equal(response.status, 200);
  assert.equal(response.headers.get("content-type"), "text/event-stream");
  const events = eventReader(response.body!);
  try {
    const first = await events.next();
    assert.equal(first.event, "snapshot");
    assert.deepEqual(first.data, made.store.all().map(summarize));

    const stations = [station("s1", 7, 1), station("s2", 2, null)];
    const state = made.store.put("gbfs", "x", network("x", stations), Date.UTC(2025, 0, 1));
    const second = await events.next();
    assert.equal(second.event, "network");
    assert.deepEqual(second.data, {
      key: "gbfs::x",
      class: "gbfs",
      tag: "x",
      name: network("x").name,
      city: network("x").location.city,
      stations: stations.length,
      bikes: stations.reduce((sum, s) => sum + s.free_bikes, 0),
      docks: stations.reduce((sum, s) => sum + (s.empty_slots ?? 0), 0),
      updatedAt: new Date(state.updatedAt!).toISOString(),
      error: null,
      restored: false,
    });
  } finally {
    await events.cancel();
  }
});

Deno.test("GET /events coalesces changes a slow reader missed to the latest per network", async () => {
  const made = sources();
  const app = createApi({ ...made.sources, watch: (listener) => made.store.watch(listener) });
  const events = eventReader((await app.request("/events")).body!);
  try {
    await events.next(); // the snapshot
    for (let bikes = 1; bikes <= 5; bikes++) {
      made.store.put("gbfs", "x", network("x", [station("s1", bikes, 0)]));
    }
    made.store.fail("gbfs", "y", "boom");
    const received = [await events.next(), await events.next()];
    assert.deepEqual(
      received.map(({ event, data }) => [event, (data as { key: string }).key]),
      [["network", "gbfs::x"], ["network", "gbfs::y"]],
    );
    assert.equal((received[0]!.data as { bikes: number }).bikes, 5);
    assert.equal((received[1]!.data as { error: string }).error, "boom");
  } finally {
    await events.cancel();
  }
});

Deno.test("GET / serves the live page; without a watch source there is none", async () => {
  const made = sources();
  const app = createApi({ ...made.sources, watch: (listener) => made.store.watch(listener) });
  const response = await app.request("/");
  assert.equal(response.status, 200);
  assert.match(response.headers.get("content-type") ?? "", /^text\/html/);
  const html = await response.text();
  assert.match(html, /<meta name="viewport"/);
  assert.match(html, /new EventSource\("events"\)/);
  assert.equal((await createApi(made.sources).request("/")).status, 404);
});

Deno.test("GET /events ends when the server shuts down, so shutdown never waits on a page", async () => {
  const made = sources();
  const closing = new AbortController();
  const app = createApi({
    ...made.sources,
    watch: (listener) => made.store.watch(listener),
    closing: closing.signal,
  });
  const reader = (await app.request("/events")).body!.getReader();
  assert.equal((await reader.read()).done, false); // the snapshot
  const pending = reader.read();
  closing.abort();
  assert.equal((await pending).done, true);
  made.store.put("gbfs", "x", network("x")); // no listener left to call
});
