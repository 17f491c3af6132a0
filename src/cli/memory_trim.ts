import { getLogger } from "@logtape/logtape";

const log = getLogger(["spoke", "memory"]);

/**
 * Where glibc lives on the Linux systems Spoke runs on (Debian and Raspberry
 * Pi OS, x86_64 and aarch64). Absolute paths, so the permission can be this
 * narrow: `--allow-ffi=<these>` (a bare "libc.so.6" would be read relative to
 * the working directory).
 */
export const LIBC_PATHS = [
  "/lib/x86_64-linux-gnu/libc.so.6",
  "/lib/aarch64-linux-gnu/libc.so.6",
] as const;

/** The `--allow-ffi` flag that lets {@link startMemoryTrim} work, and nothing else. */
export const ALLOW_FFI_FLAG = `--allow-ffi=${LIBC_PATHS.join(",")}`;

/** Seconds between two trims. */
export const MEMORY_TRIM_INTERVAL_S = 30;

/** A running trim, or why there is none. */
export interface MemoryTrim extends Disposable {
  /** True when glibc was found and the timer runs. */
  readonly active: boolean;
  /** Why it is not active (no permission, no glibc); empty when active. */
  readonly reason: string;
  /** Trims once now; true when glibc gave memory back. False when not active. */
  trimNow(): boolean;
}

/**
 * Gives the C heap's free pages back to the system every `intervalS` seconds
 * with glibc's `malloc_trim(0)`.
 *
 * Why: Deno's native side (the HTTP client and server, TLS, SQLite) allocates
 * and frees in bursts, one round of scrapes a minute, on several threads.
 * glibc keeps what they free in per-thread arenas and gives it back only from
 * the top of each heap, so RSS climbed round after round while the V8 heap
 * stayed flat: a 12-minute soak of 2,000 networks went from 176 to 223 MiB
 * between rounds, and to 168 MiB flat with this trim (BENCHMARKS.md, soak).
 * A trim walks the arenas in well under a millisecond here.
 *
 * Needs `--allow-ffi` for the libc path ({@link ALLOW_FFI_FLAG}); without it,
 * or off glibc, it does nothing and says why once at debug level.
 */
export function startMemoryTrim(intervalS: number = MEMORY_TRIM_INTERVAL_S): MemoryTrim {
  if (!Number.isFinite(intervalS) || intervalS <= 0) {
    throw new RangeError(
      `memory trim: interval must be a positive number of seconds, got ${intervalS}`,
    );
  }
  const opened = openLibc();
  if (typeof opened === "string") {
    log.debug("not trimming the C heap: {reason}", { reason: opened });
    return { active: false, reason: opened, trimNow: () => false, [Symbol.dispose]: () => {} };
  }
  const trimNow = () => opened.symbols.malloc_trim(0n) === 1;
  const timer = setInterval(trimNow, intervalS * 1000);
  // A trim must never be what keeps the process alive.
  Deno.unrefTimer(timer);
  let disposed = false;
  return {
    active: true,
    reason: "",
    trimNow,
    [Symbol.dispose]: () => {
      if (disposed) return;
      disposed = true;
      clearInterval(timer);
      opened.close();
    },
  };
}

type Libc = Deno.DynamicLibrary<{ malloc_trim: { parameters: ["usize"]; result: "i32" } }>;

function openLibc(): Libc | string {
  if (Deno.build.os !== "linux") return `not Linux (${Deno.build.os})`;
  const reasons: string[] = [];
  for (const path of LIBC_PATHS) {
    try {
      return Deno.dlopen(path, { malloc_trim: { parameters: ["usize"], result: "i32" } });
    } catch (error) {
      if (
        error instanceof Deno.errors.NotCapable || error instanceof Deno.errors.PermissionDenied
      ) {
        return `no permission to load ${path} (run with ${ALLOW_FFI_FLAG})`;
      }
      reasons.push(`${path}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  return `no glibc found (${reasons.join("; ")})`;
}
