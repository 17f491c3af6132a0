import { Semaphore } from "../queue/mod.ts";

/**
 * At most `maxPerHost` requests in flight to one host, whatever the number of
 * workers: a catalog with 80 networks on one operator's server must not look
 * like an attack to it. One FIFO semaphore per host, made on first use.
 */
export class HostLimiter {
  readonly maxPerHost: number;
  #byHost = new Map<string, Semaphore>();

  constructor(maxPerHost: number) {
    if (!Number.isInteger(maxPerHost) || maxPerHost < 1) {
      throw new RangeError(`maxPerHost must be a positive integer, got ${maxPerHost}`);
    }
    this.maxPerHost = maxPerHost;
  }

  /**
   * Waits for a permit of `host` (`hostname:port`). When `signal` aborts
   * first, rejects with its reason, and a permit granted later is given back
   * at once.
   */
  acquire(host: string, signal: AbortSignal): Promise<Disposable> {
    let semaphore = this.#byHost.get(host);
    if (semaphore === undefined) {
      semaphore = new Semaphore(`host ${host}`, this.maxPerHost);
      this.#byHost.set(host, semaphore);
    }
    const free = semaphore.tryAcquire();
    if (free !== undefined) return Promise.resolve(free);
    if (signal.aborted) return Promise.reject(signal.reason);
    const waiting = semaphore.acquire();
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        reject(signal.reason);
        void waiting.then((permit) => permit[Symbol.dispose]());
      };
      signal.addEventListener("abort", onAbort, { once: true });
      void waiting.then((permit) => {
        if (signal.aborted) return;
        signal.removeEventListener("abort", onAbort);
        resolve(permit);
      });
    });
  }

  /** Requests in flight to `host` now. */
  inFlight(host: string): number {
    const semaphore = this.#byHost.get(host);
    return semaphore === undefined ? 0 : semaphore.max - semaphore.available;
  }
}
