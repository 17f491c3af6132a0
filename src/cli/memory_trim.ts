import { getLogger } from "@logtape/logtape";
import type { BrokerStats } from "../broker/mod.ts";
import { openLibc } from "../libc.ts";

const log = getLogger(["spoke", "memory"]);

const MALLOC_TRIM = { malloc_trim: { parameters: ["usize"], result: "i32" } } as const;

/** Seconds between two trims. */
export const MEMORY_TRIM_INTERVAL_S = 30;

/** How often a trim given an activity counter looks at it for a burst that has ended. */
export const MEMORY_TRIM_SETTLE_MS = 1000;

/**
 * A count that moves with work that churns the C heap (a broker's connections
 * opened and closed); only whether it moved is read.
 */
export type ActivityCounter = () => number;

/** A broker's connections opened and closed (accepted, refused or broken off), as a counter. */
export function connectionChurn(broker: { stats(): BrokerStats }): ActivityCounter {
  return () => {
    const { clientsTotal, clientsConnected, refusedConnections, protocolErrors } = broker.stats();
    return 2 * clientsTotal - clientsConnected + refusedConnections + protocolErrors;
  };
}

/** A running trim, or why there is none. */
export interface MemoryTrim extends Disposable {
  /** True when the timer runs: glibc was found, or V8's gc() is exposed, or both. */
  readonly active: boolean;
  /** What is not trimmed and why (no permission, no glibc, no gc()); empty when both run. */
  readonly reason: string;
  /** Trims once now; true when glibc gave memory back. */
  trimNow(): boolean;
}

/**
 * Committed V8 heap beyond what is in use that makes a trim also shrink the
 * heap: more than this share of the heap in use, and more than
 * {@link HEAP_SLACK_MIN_BYTES}.
 */
export const HEAP_SLACK_RATIO = 0.2;
export const HEAP_SLACK_MIN_BYTES = 16 * 2 ** 20;

/** V8's `gc()`, there when the process runs with `--v8-flags=--expose-gc`. */
type ExposedGc = (options: { type: "major"; execution: "sync"; flavor: "last-resort" }) => void;

/**
 * Gives memory back to the system every `intervalS` seconds, in two ways.
 *
 * The C heap: glibc's `malloc_trim(0)`. Deno's native side (the HTTP client
 * and server, TLS, SQLite) allocates and frees in bursts, one round of scrapes
 * a minute, on several threads; glibc keeps what they free in per-thread
 * arenas and gives it back only from the top of each heap, so RSS climbed
 * round after round while the V8 heap stayed flat: a 12-minute soak of 2,000
 * networks went from 176 to 223 MiB between rounds, and stayed at 168 MiB with
 * this trim (BENCHMARKS.md, soak). A trim walks the arenas in well under a
 * millisecond. Needs `--allow-ffi` for the libc path (`ALLOW_FFI_FLAG` of src/libc.ts).
 *
 * The V8 heap: after some twenty rounds V8 stops shrinking its heap between
 * rounds and keeps 30 MiB more committed than it uses, or leaves a round's
 * garbage uncollected until the next round. When the committed heap exceeds
 * what is live (in use after the last such collection, or now if less) by
 * {@link HEAP_SLACK_RATIO} and {@link HEAP_SLACK_MIN_BYTES}, the trim runs one
 * memory-reducing full collection (V8's `gc()` with the last-resort flavour, which compacts and
 * releases pages). Needs `--v8-flags=--expose-gc`; the check itself is one
 * `Deno.memoryUsage()`, and between rounds the collection finds little to do.
 *
 * With an `activity` counter, a burst also gets its trim once it is over: the
 * counter is read every {@link MEMORY_TRIM_SETTLE_MS}, and a trim runs when it
 * moved and then held still for one look. 1,000 clients connecting to
 * `spoke broker` left about 7.5 MB of freed C heap (Deno's per-connection
 * buffers) in glibc's arenas, 11 % of the process, for up to the 30 s of the
 * interval (BENCHMARKS.md, Broker).
 *
 * Without the permission or the flag, or off glibc, that part does nothing
 * and says why once at debug level.
 */
export function startMemoryTrim(
  intervalS: number = MEMORY_TRIM_INTERVAL_S,
  activity?: ActivityCounter,
): MemoryTrim {
  if (!Number.isFinite(intervalS) || intervalS <= 0) {
    throw new RangeError(
      `memory trim: interval must be a positive number of seconds, got ${intervalS}`,
    );
  }
  const opened = openLibc(MALLOC_TRIM);
  const gc = (globalThis as { gc?: unknown }).gc;
  const shrinkHeap = typeof gc === "function" ? gc as ExposedGc : undefined;
  if (typeof opened === "string") {
    log.debug("not trimming the C heap: {reason}", { reason: opened });
  }
  if (!shrinkHeap) log.debug("not shrinking the V8 heap: run with --v8-flags=--expose-gc");
  const reasons = [
    ...(typeof opened === "string" ? [opened] : []),
    ...(shrinkHeap ? [] : ["no gc() (run with --v8-flags=--expose-gc)"]),
  ];
  const libc = typeof opened === "string" ? undefined : opened;
  // The heap in use right after the last collection here: what is live. "In use" read later
  // also counts the garbage of the last round, which V8 may not collect for a minute.
  let liveBytes = Infinity;
  const trimNow = () => {
    if (shrinkHeap) {
      const { heapUsed, heapTotal } = Deno.memoryUsage();
      const inUse = Math.min(liveBytes, heapUsed);
      const slack = heapTotal - inUse;
      if (slack > HEAP_SLACK_MIN_BYTES && slack > inUse * HEAP_SLACK_RATIO) {
        shrinkHeap({ type: "major", execution: "sync", flavor: "last-resort" });
        liveBytes = Deno.memoryUsage().heapUsed;
      }
    }
    // After the collection: what it freed natively is given back in the same trim.
    return libc?.symbols.malloc_trim(0n) === 1;
  };
  if (!libc && !shrinkHeap) {
    return {
      active: false,
      reason: reasons.join("; "),
      trimNow: () => false,
      [Symbol.dispose]: () => {},
    };
  }
  const timers = [setInterval(trimNow, intervalS * 1000)];
  if (activity) timers.push(setInterval(afterBursts(activity, trimNow), MEMORY_TRIM_SETTLE_MS));
  // A trim must never be what keeps the process alive.
  for (const timer of timers) Deno.unrefTimer(timer);
  let disposed = false;
  return {
    active: true,
    reason: reasons.join("; "),
    trimNow,
    [Symbol.dispose]: () => {
      if (disposed) return;
      disposed = true;
      for (const timer of timers) clearInterval(timer);
      libc?.close();
    },
  };
}

/** A look at `activity` that calls `trim` when the count moved at the last look and not since. */
function afterBursts(activity: ActivityCounter, trim: () => void): () => void {
  let seen = activity();
  let moved = false;
  return () => {
    const now = activity();
    if (now !== seen) {
      seen = now;
      moved = true;
    } else if (moved) {
      moved = false;
      trim();
    }
  };
}
