/** The V8 flags deno.json's tasks and the compiled binary run Spoke with (see BENCHMARKS.md). */
export const SHIPPED_V8_FLAGS =
  "--max-semi-space-size=2,--no-allocation-site-pretenuring,--expose-gc";
