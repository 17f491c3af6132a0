/**
 * How `deno task bundle` and `deno task compile` bundle the app, so both ship the same file. It is
 * minified: V8 keeps a script's whole source text in memory and pre-parses all of it, and the
 * minified bundle (1.0 MB against 1.9 MB) holds `spoke broker` with 1,000 clients in about
 * 4 MB less RSS (BENCHMARKS.md, Broker).
 */
export function bundleArgs(output: string): string[] {
  return ["bundle", "--quiet", "--platform", "deno", "--minify", "-o", output, "src/cli/main.ts"];
}
