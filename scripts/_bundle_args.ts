/**
 * How `deno task bundle` and `deno task compile` bundle the app, so both ship the same files:
 * `dist/spoke/main.js` and the chunks it imports, one per command and one per part they share.
 *
 * - Minified: V8 keeps a script's whole source text in memory and pre-parses all of it (the
 *   1.0 MB bundle held `spoke broker` with 1,000 clients in about 4 MB less RSS than the 1.9 MB
 *   one; BENCHMARKS.md, Broker).
 * - Split by command (`--code-splitting`): every command is a dynamic `import()` of
 *   src/cli/main.ts, and a chunk's `node:` imports load only with it. In one file every
 *   `node:` module the app uses anywhere (http, net, tls, stream, zlib, sqlite…) loads at start,
 *   and several of them start Deno's Node `process`: about 4.5 MB for `spoke broker`, which
 *   needs none of them.
 * - The bundler's CommonJS shim (`createRequire` from `node:module`, made at load) is made on its
 *   first `require` instead: making it also starts that `process`, and only `spoke sub` and an
 *   external broker (MQTT.js, CommonJS) ever call it.
 */
export const BUNDLE_DIR = "dist/spoke";
export const BUNDLE_ENTRY = `${BUNDLE_DIR}/main.js`;

/** The arguments of `deno bundle` that write the app into `outdir`. */
function bundleArgs(outdir: string): string[] {
  return [
    "bundle",
    "--quiet",
    "--platform",
    "deno",
    "--minify",
    "--code-splitting",
    "--outdir",
    outdir,
    "src/cli/main.ts",
  ];
}

// What the bundler writes at the top of a chunk that holds CommonJS code.
const EAGER_REQUIRE =
  /import\{createRequire as __deno_internal_createRequire\} from "node:module";var ([\w$]+)=__deno_internal_createRequire\(import\.meta\.url\);/;

/**
 * Bundles the app into `outdir` (emptied first) and makes each chunk's CommonJS `require` lazy.
 * Returns the bundle's size in bytes; throws when `deno bundle` fails or its output is not the
 * shape this expects (so a bundler change is seen, not shipped).
 */
export async function bundleApp(outdir: string = BUNDLE_DIR): Promise<number> {
  await Deno.remove(outdir, { recursive: true }).catch((error) => {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  });
  const { success } = await new Deno.Command(Deno.execPath(), { args: bundleArgs(outdir) })
    .spawn().status;
  if (!success) throw new Error("deno bundle of src/cli/main.ts failed (see above)");
  let size = 0;
  let shims = 0;
  for await (const entry of Deno.readDir(outdir)) {
    if (!entry.isFile || !entry.name.endsWith(".js")) continue;
    const file = `${outdir}/${entry.name}`;
    const text = await Deno.readTextFile(file);
    const lazy = text.replace(EAGER_REQUIRE, (_, name: string) => {
      shims++;
      return `var ${name}=(id)=>(${name}=globalThis.process.getBuiltinModule("node:module").createRequire(import.meta.url))(id);`;
    });
    if (lazy.includes("__deno_internal_createRequire")) {
      throw new Error(`${file}: the bundler's require shim has a shape this script does not know`);
    }
    if (lazy !== text) await Deno.writeTextFile(file, lazy);
    size += new TextEncoder().encode(lazy).byteLength;
  }
  if (shims === 0) throw new Error(`${outdir}: no CommonJS require shim found to make lazy`);
  return size;
}
