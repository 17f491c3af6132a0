/**
 * `deno task bundle`: bundles the app into `dist/spoke/` (`main.js` and the chunks it imports,
 * minified, one per command; scripts/_bundle_args.ts says why), then
 * proves the bundle stands alone: it runs `spoke selftest` from an empty
 * folder with a fresh DENO_DIR and `--cached-only`, so nothing can come from
 * the source tree or the network. `--no-check` skips the proof.
 *
 * With `--arm64 DENO`, the proof runs again under qemu-aarch64 with that arm64
 * `deno` binary (see scripts/arm64_deno.sh for how to get one from npm).
 */
import { parseArgs } from "node:util";
import { BUNDLE_DIR, bundleApp } from "./_bundle_args.ts";
import { ALLOW_FFI_FLAG } from "../src/libc.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: { "no-check": { type: "boolean" }, arm64: { type: "string" } },
});

const bundle = `${Deno.cwd()}/${BUNDLE_DIR}`;
await Deno.mkdir("dist", { recursive: true });
let size: number;
try {
  size = await bundleApp(bundle);
} catch (error) {
  console.error(`failed: ${(error as Error).message}`);
  Deno.exit(1);
}
console.log(`bundled ${BUNDLE_DIR}/ (${(size / 1024).toFixed(0)} KiB)`);
if (values["no-check"]) Deno.exit(0);

await proveStandalone(Deno.execPath(), [], Deno.build.arch);
if (values.arm64) {
  const qemu = Deno.env.get("QEMU_AARCH64") ?? "qemu-aarch64";
  // The arm64 loader and libc come from Debian's libc6-arm64-cross.
  const ldPrefix = Deno.env.get("QEMU_LD_PREFIX") ?? "/usr/aarch64-linux-gnu";
  await proveStandalone(qemu, [values.arm64], "aarch64 under qemu", { QEMU_LD_PREFIX: ldPrefix });
}

async function proveStandalone(
  command: string,
  prefix: string[],
  label: string,
  env: Record<string, string> = {},
): Promise<void> {
  const emptyDir = await Deno.makeTempDir({ prefix: "spoke-bundle-run-" });
  const denoDir = await Deno.makeTempDir({ prefix: "spoke-fresh-deno-dir-" });
  try {
    await Deno.mkdir(`${emptyDir}/spoke`);
    for await (const entry of Deno.readDir(bundle)) {
      await Deno.copyFile(`${bundle}/${entry.name}`, `${emptyDir}/spoke/${entry.name}`);
    }
    await run(command, [
      ...prefix,
      "run",
      "--cached-only",
      "--no-config",
      "--allow-net",
      "--allow-read",
      "--allow-env",
      "--allow-sys",
      // As the binary holds it: glibc for the memory trim and the scheduler's kernel sleep.
      ALLOW_FFI_FLAG,
      "spoke/main.js",
      "selftest",
    ], { cwd: emptyDir, env: { ...env, DENO_DIR: denoDir } });
    console.log(`the bundle ran selftest standalone (${label})`);
  } finally {
    await Deno.remove(emptyDir, { recursive: true });
    await Deno.remove(denoDir, { recursive: true });
  }
}

async function run(
  command: string,
  args: string[],
  options: { cwd?: string; env?: Record<string, string> } = {},
): Promise<void> {
  const { code } = await new Deno.Command(command, { args, ...options }).spawn().status;
  if (code !== 0) {
    console.error(`failed (exit ${code}): ${command} ${args.join(" ")}`);
    Deno.exit(1);
  }
}
