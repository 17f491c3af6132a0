import assert from "node:assert/strict";
import { connectionChurn, startMemoryTrim } from "../../src/cli/memory_trim.ts";
import { connectClient, startBroker } from "../broker/_helpers.ts";
import { ALLOW_FFI_FLAG } from "../../src/libc.ts";

const CHILD = new URL("_memory_trim_child.ts", import.meta.url).pathname;

async function child(flags: string[], args: string[] = []): Promise<Record<string, unknown>> {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-read", ...flags, CHILD, ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(code, 0, new TextDecoder().decode(stderr));
  return JSON.parse(new TextDecoder().decode(stdout));
}

Deno.test("startMemoryTrim() gives freed C heap back to the system", async () => {
  const report = await child([ALLOW_FFI_FLAG], ["pinned"]);
  assert.equal(report.active, true, String(report.reason));
  assert.equal(report.released, true);
  // 64 MiB were freed below a live block; glibc keeps them until a trim.
  const releasedKiB = (report.beforeKiB as number) - (report.afterKiB as number);
  assert.ok(releasedKiB > 48 * 1024, `released only ${releasedKiB} KiB`);
});

Deno.test("startMemoryTrim() trims once a burst on its activity counter is over", async () => {
  const report = await child([ALLOW_FFI_FLAG], ["burst"]);
  assert.equal(report.active, true, String(report.reason));
  // The interval is an hour: only the trim after the burst gave these 64 MiB back.
  const releasedKiB = (report.beforeKiB as number) - (report.afterKiB as number);
  assert.ok(releasedKiB > 48 * 1024, `released only ${releasedKiB} KiB`);
});

Deno.test("connectionChurn() moves when a client connects and when it leaves", async () => {
  await using broker = await startBroker();
  const churn = connectionChurn(broker);
  const before = churn();
  const client = await connectClient(broker, 4);
  const connected = churn();
  assert.notEqual(connected, before);
  await client.endAsync(true);
  await waitFor(() => broker.stats().clientsConnected === 0);
  assert.notEqual(churn(), connected);
  // A socket that sends garbage instead of CONNECT is churn too.
  // Read before the socket opens: the broker may take the garbage before the write resolves.
  const left = churn();
  const bad = await Deno.connect({ hostname: "127.0.0.1", port: broker.port });
  await bad.write(new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff]));
  await waitFor(() => broker.stats().protocolErrors > 0);
  assert.notEqual(churn(), left);
  bad.close();
});

/** Polls `done` until it holds (at most 10 s). */
async function waitFor(done: () => boolean): Promise<void> {
  for (let look = 0; look < 1000 && !done(); look++) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  assert.ok(done(), "still not so after 10 s");
}

Deno.test("startMemoryTrim() shrinks a V8 heap left committed by garbage, given --expose-gc", async () => {
  const report = await child(["--v8-flags=--expose-gc"], ["heap"]);
  assert.equal(report.active, true);
  // No FFI permission here: the C heap part says why, the heap part runs.
  assert.match(String(report.reason), /no permission to load .*--allow-ffi=/);
  assert.ok((report.heldMiB as number) > 64, `the garbage held only ${report.heldMiB} MiB`);
  const shrunk = (report.committedBeforeMiB as number) - (report.committedAfterMiB as number);
  assert.ok(
    shrunk > 48,
    `committed heap went ${report.committedBeforeMiB} → ${report.committedAfterMiB} MiB`,
  );
});

Deno.test("startMemoryTrim() shrinks the heap of garbage made since its last collection, counted as in use", async () => {
  const report = await child(["--v8-flags=--expose-gc"], ["heap-twice"]);
  // In use is nearly all that is committed: only what the last trim learnt as live tells the
  // garbage from what the program holds.
  const inUse = report.inUseMiB as number;
  const committed = report.committedBeforeMiB as number;
  assert.ok(committed - inUse < inUse * 0.2, JSON.stringify(report));
  assert.ok(committed - (report.committedAfterMiB as number) > 48, JSON.stringify(report));
});

Deno.test("startMemoryTrim() does nothing, and says why, without the FFI permission or gc()", async () => {
  const report = await child([]);
  assert.equal(report.active, false);
  assert.match(String(report.reason), /no permission to load .*--allow-ffi=/);
  assert.match(String(report.reason), /--expose-gc/);
  const heap = await child([], ["heap"]);
  // Nothing shrinks it: the garbage's pages stay committed.
  assert.ok((heap.committedAfterMiB as number) > 64, JSON.stringify(heap));
});

Deno.test("startMemoryTrim() refuses an interval that is not a positive number of seconds", () => {
  for (const bad of [0, -30, Number.NaN, Infinity]) {
    assert.throws(() => startMemoryTrim(bad), /interval must be a positive number of seconds, got/);
  }
});
