/** A counting semaphore whose permits are `Disposable`, so `using` releases them on every path. */
export class Semaphore {
  readonly name: string;
  readonly max: number;
  #available: number;
  #waiters: Array<() => void> = [];
  #releaseListeners = new Set<() => void>();

  constructor(name: string, max: number) {
    if (!Number.isInteger(max) || max < 1) {
      throw new RangeError(`semaphore ${name}: max must be a positive integer, got ${max}`);
    }
    this.name = name;
    this.max = max;
    this.#available = max;
  }

  /** Permits free right now. */
  get available(): number {
    return this.#available;
  }

  /** Takes a permit if one is free, without waiting. */
  tryAcquire(): Disposable | undefined {
    if (this.#available === 0) return undefined;
    this.#available--;
    return this.#permit();
  }

  /** Waits for a permit, first come first served. */
  acquire(): Promise<Disposable> {
    const permit = this.tryAcquire();
    if (permit) return Promise.resolve(permit);
    return new Promise((resolve) => this.#waiters.push(() => resolve(this.#permit())));
  }

  /**
   * Called after every release. Queues use it to wake tasks that were waiting
   * on this semaphore without holding a worker (no head-of-line blocking).
   */
  onRelease(listener: () => void): () => void {
    this.#releaseListeners.add(listener);
    return () => this.#releaseListeners.delete(listener);
  }

  #permit(): Disposable {
    let released = false;
    return {
      [Symbol.dispose]: () => {
        if (released) return;
        released = true;
        this.#release();
      },
    };
  }

  #release(): void {
    const next = this.#waiters.shift();
    // A waiter takes the permit over directly, so no one can overtake it.
    if (next) next();
    else this.#available++;
    for (const listener of this.#releaseListeners) listener();
  }
}
