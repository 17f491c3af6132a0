import { openLibc } from "../libc.ts";

/**
 * Sleeps to the microsecond without holding the event loop: glibc's
 * `nanosleep` as a nonblocking FFI call, which Deno runs on a thread of its
 * blocking pool and answers by resolving a promise. Deno's own timers keep
 * whole milliseconds and fire 1–2 ms late (BENCHMARKS.md, "Scheduler and
 * queue"); this wakes the loop 0.1–0.4 ms after the time asked for, and the
 * loop serves its sockets all the while (sleeping on the loop's own thread,
 * with `Atomics.wait`, was as precise and held every fetch and MQTT delivery
 * back: queue waits went from 0.3 to 9 ms p99 at 2,000 networks).
 *
 * A sleep cannot be called off: one that is no longer wanted runs out (the
 * scheduler asks for a few milliseconds at most) and its caller ignores it.
 */
export interface KernelSleep extends Disposable {
  /** Resolves `ms` milliseconds (fractions kept) from now, or a little later; never sooner. */
  sleep(ms: number): Promise<void>;
}

const NANOSLEEP = {
  nanosleep: { parameters: ["buffer", "pointer"], result: "i32", nonblocking: true },
} as const;

/** Opens the kernel sleep, or says why there is none (then the scheduler keeps to its timer). */
export function openKernelSleep(): KernelSleep | string {
  const libc = openLibc(NANOSLEEP);
  if (typeof libc === "string") return libc;
  let closed = false;
  let inFlight = 0;
  let whenIdle: (() => void) | undefined;
  const sleep = async (ms: number): Promise<void> => {
    if (closed) throw new Error("kernel sleep: closed");
    if (!(ms > 0)) return;
    const ns = Math.ceil(ms * 1e6);
    // A struct timespec per call: the call reads it on another thread.
    const timespec = new BigInt64Array([BigInt(Math.floor(ns / 1e9)), BigInt(ns % 1e9)]);
    inFlight++;
    try {
      const start = performance.now();
      // A signal (SIGHUP for a reload) cuts a nanosleep short: sleep out the rest.
      while (
        await libc.symbols.nanosleep(new Uint8Array(timespec.buffer), null) !== 0 &&
        performance.now() - start < ms
      ) {
        const rest = Math.ceil((ms - (performance.now() - start)) * 1e6);
        timespec[0] = BigInt(Math.floor(rest / 1e9));
        timespec[1] = BigInt(rest % 1e9);
      }
    } finally {
      if (--inFlight === 0 && closed) whenIdle?.();
    }
  };
  return {
    sleep,
    [Symbol.dispose]() {
      if (closed) return;
      closed = true;
      // The library may close only once no call is running on it.
      if (inFlight === 0) libc.close();
      else whenIdle = () => libc.close();
    },
  };
}
