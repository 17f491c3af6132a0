/**
 * `deno task compile [TARGET…]`: the single-file `spoke` binary for each target
 * (default: this machine's, plus aarch64 Linux for a Raspberry Pi).
 *
 * `deno compile` needs the `denort` runtime of each target. It downloads it,
 * or takes the one in DENORT_BIN (which must match the target). Where neither
 * works this script fails with one sentence saying so.
 *
 * What it compiles is the bundle (`dist/spoke/main.js` and its chunks, the same files
 * `deno task bundle` proves standalone): no npm loader at run time, and each command loads only
 * its own chunks (BENCHMARKS.md, Broker). The chunks are dynamic imports of string literals,
 * which `deno compile` follows; `--include` names the folder as well.
 */
import { ALLOW_FFI_FLAG } from "../src/libc.ts";
import { BUNDLE_DIR, BUNDLE_ENTRY, bundleApp } from "./_bundle_args.ts";

const HOST_TARGET = `${Deno.build.arch}-unknown-linux-gnu`;
const targets = Deno.args.length > 0
  ? Deno.args
  : [...new Set([HOST_TARGET, "aarch64-unknown-linux-gnu"])];

await Deno.mkdir("dist", { recursive: true });
try {
  await bundleApp(BUNDLE_DIR);
} catch (error) {
  console.error(`cannot compile: ${(error as Error).message}`);
  Deno.exit(1);
}
let failed = 0;
for (const target of targets) {
  const output = `dist/spoke-${target}`;
  const { code, stderr } = await new Deno.Command(Deno.execPath(), {
    args: [
      "compile",
      "--target",
      target,
      "--allow-net",
      "--allow-read",
      "--allow-write",
      "--allow-env",
      "--allow-sys",
      // Only glibc, for the C heap trim of src/cli/memory_trim.ts.
      ALLOW_FFI_FLAG,
      // A 2 MiB young generation: the broker's RSS drops by ~50 MB at ≤ 5 % more CPU
      // (BENCHMARKS.md, Broker).
      // No allocation-site pretenuring: a scrape's objects live one scrape, which V8 took for
      // long-lived and made in the old generation, so garbage piled up there until a full
      // collection (a static 2,000-station scrape: scavenges 1 – 2 ms → 0.2 ms, RSS 130 → 77 MB;
      // BENCHMARKS.md, Scrapers).
      // --expose-gc lets the memory trim shrink the V8 heap (src/cli/memory_trim.ts).
      "--v8-flags=--max-semi-space-size=2,--no-allocation-site-pretenuring,--expose-gc",
      // No V8 code cache: a binary that starts once and runs for weeks gains nothing from it,
      // and it would be a file written beside it on the SD card and held in memory (under
      // `deno run`, the cache's mapping was 1.5 MB of the broker's RSS; BENCHMARKS.md, Broker).
      "--no-code-cache",
      "--include",
      BUNDLE_DIR,
      "--output",
      output,
      BUNDLE_ENTRY,
    ],
    stderr: "piped",
  }).output();
  const message = new TextDecoder().decode(stderr);
  if (code === 0) {
    console.log(`built ${output}`);
    continue;
  }
  failed++;
  if (/dns error|download|failed to lookup|error sending request|denort/i.test(message)) {
    console.error(
      `cannot compile for ${target}: deno compile could not download the denort runtime for it ` +
        `(no access to Deno's download server here); set DENORT_BIN to a local denort ${target} binary ` +
        `or run this on a machine that can download it (deno task bundle proves the app meanwhile).`,
    );
  } else {
    console.error(`cannot compile for ${target}:\n${message}`);
  }
}
Deno.exit(failed === 0 ? 0 : 1);
