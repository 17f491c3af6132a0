/**
 * The young generation's size and no allocation-site pretenuring: the V8 flags that shape Spoke's
 * CPU and memory (see BENCHMARKS.md). The scrape benchmarks run with these alone.
 */
export const SHIPPED_HEAP_FLAGS = "--max-semi-space-size=2,--no-allocation-site-pretenuring";

/** The V8 flags deno.json's tasks and the compiled binary run Spoke with. */
export const SHIPPED_V8_FLAGS = `${SHIPPED_HEAP_FLAGS},--expose-gc`;
