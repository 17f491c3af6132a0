/**
 * Child of memory_trim_test.ts (the test runner itself has no FFI permission):
 * prints what startMemoryTrim() reports; with `pinned` it first leaves 64 MiB
 * of freed C heap below one live block, which only a trim can give back, and
 * with `heap` a V8 heap grown by garbage, which only a collection gives back;
 * `burst` frees the same C heap after moving an activity counter, and waits
 * for the trim that follows a burst to give it back, without calling it.
 */
import { startMemoryTrim } from "../../src/cli/memory_trim.ts";
import { LIBC_PATHS } from "../../src/libc.ts";

const BLOCK_BYTES = 64n * 1024n;
const rssKiB = () => Math.round(Deno.memoryUsage().rss / 1024);

let bursts = 0;
// A long interval: in `burst` only the trim after the burst may give the heap back.
using trim = startMemoryTrim(3600, () => bursts);
const report: Record<string, unknown> = { active: trim.active, reason: trim.reason };
if (trim.active && (Deno.args[0] === "pinned" || Deno.args[0] === "burst")) {
  const path = LIBC_PATHS.find((candidate) => {
    try {
      Deno.statSync(candidate);
      return true;
    } catch {
      return false;
    }
  })!;
  const libc = Deno.dlopen(path, {
    malloc: { parameters: ["usize"], result: "pointer" },
    free: { parameters: ["pointer"], result: "void" },
    memset: { parameters: ["pointer", "i32", "usize"], result: "pointer" },
  });
  // 64 KiB blocks stay under glibc's mmap threshold, so they come from the heap itself.
  const blocks = Array.from({ length: 1024 }, () => {
    const block = libc.symbols.malloc(BLOCK_BYTES);
    libc.symbols.memset(block, 1, BLOCK_BYTES);
    return block;
  });
  const pin = libc.symbols.malloc(BLOCK_BYTES);
  libc.symbols.memset(pin, 1, BLOCK_BYTES);
  for (const block of blocks) libc.symbols.free(block);
  report.beforeKiB = rssKiB();
  if (Deno.args[0] === "pinned") {
    report.released = trim.trimNow();
  } else {
    bursts++;
    // Polled, not timed: it comes within two looks at the counter on an idle machine.
    for (let look = 0; look < 300 && report.beforeKiB as number - rssKiB() < 48 * 1024; look++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  report.afterKiB = rssKiB();
  libc.symbols.free(pin);
  libc.close();
}
/** 2 million small objects, then dropped: V8 keeps the pages committed until told otherwise. */
function makeGarbage(): number {
  let garbage: Array<{ index: number; text: string }> | undefined = [];
  for (let index = 0; index < 2_000_000; index++) garbage.push({ index, text: `#${index}` });
  const heldMiB = Math.round(Deno.memoryUsage().heapUsed / 2 ** 20);
  garbage = undefined;
  return heldMiB;
}
/** Large arrays, each on pages of its own: in use is then nearly all that is committed. */
function makeLargeGarbage(): number {
  const large = Array.from({ length: 8 }, () => new Array<number>(1e6).fill(0.5));
  const heldMiB = Math.round(Deno.memoryUsage().heapUsed / 2 ** 20);
  return large.length === 8 ? heldMiB : 0;
}
const committedMiB = () => Math.round(Deno.memoryUsage().heapTotal / 2 ** 20);
if (Deno.args[0] === "heap" || Deno.args[0] === "heap-twice") {
  report.heldMiB = makeGarbage();
  // What V8 does between rounds: the garbage collected, its pages kept. Left to V8, whether
  // it had collected by the trim depended on the machine's load (in use then stayed within
  // 20 % of committed on a busy one, and the trim rightly did nothing).
  const gc = (globalThis as { gc?: (options: { type: "major"; execution: "sync" }) => void }).gc;
  if (Deno.args[0] === "heap") gc?.({ type: "major", execution: "sync" });
  if (Deno.args[0] === "heap-twice") {
    // The first trim learns what is live; the garbage made after it counts as in use, since
    // nothing collected it, yet the second trim must still see it as slack.
    trim.trimNow();
    report.heldMiB = makeLargeGarbage();
    report.inUseMiB = Math.round(Deno.memoryUsage().heapUsed / 2 ** 20);
  }
  report.committedBeforeMiB = committedMiB();
  trim.trimNow();
  report.committedAfterMiB = committedMiB();
}
console.log(JSON.stringify(report));
