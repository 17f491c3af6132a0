/** A counting semaphore whose permits are `Disposable`, so `using` releases them on every path. */
export class Semaphore {
  readonly name: string;
  #max: number;
  #available: number;
  // Made on first use: most semaphores (one per network) never have a waiter or a listener.
  #waiters: Array<() => void> | undefined;
  #releaseListeners: Set<() => void> | undefined;

  constructor(name: string, max: number) {
    if (!Number.isInteger(max) || max < 1) {
      throw new RangeError(`semaphore ${name}: max must be a positive integer, got ${max}`);
    }
    this.name = name;
    this.#max = max;
    this.#available = max;
  }

  /** Most permits out at once. */
  get max(): number {
    return this.#max;
  }

  /**
   * Changes the number of permits (a reloaded config). Permits already out
   * stay valid; below the new max, no new one is given until enough return.
   */
  resize(max: number): void {
    if (!Number.isInteger(max) || max < 1) {
      throw new RangeError(`semaphore ${this.name}: max must be a positive integer, got ${max}`);
    }
    this.#available += max - this.#max;
    this.#max = max;
    while (this.#available > 0 && this.#waiters !== undefined && this.#waiters.length > 0) {
      this.#available--;
      this.#waiters.shift()!();
    }
    if (this.#available > 0) this.#notify();
  }

  /** Permits free right now. */
  get available(): number {
    return this.#available;
  }

  /** How many release listeners are registered (queues with tasks parked on this semaphore). */
  get listenerCount(): number {
    return this.#releaseListeners?.size ?? 0;
  }

  /** Takes a permit if one is free, without waiting. */
  tryAcquire(): Disposable | undefined {
    if (this.#available <= 0) return undefined;
    this.#available--;
    return this.#permit();
  }

  /** Waits for a permit, first come first served. */
  acquire(): Promise<Disposable> {
    const permit = this.tryAcquire();
    if (permit) return Promise.resolve(permit);
    return new Promise((resolve) => (this.#waiters ??= []).push(() => resolve(this.#permit())));
  }

  /**
   * Called after every release. Queues use it to wake tasks that were waiting
   * on this semaphore without holding a worker (no head-of-line blocking).
   */
  onRelease(listener: () => void): () => void {
    const listeners = this.#releaseListeners ??= new Set();
    listeners.add(listener);
    return () => {
      listeners.delete(listener);
      if (listeners.size === 0 && this.#releaseListeners === listeners) {
        this.#releaseListeners = undefined;
      }
    };
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
    // A waiter takes the permit over directly, so no one can overtake it;
    // after a shrinking resize the permit is simply not handed out again.
    const next = this.#available >= 0 ? this.#waiters?.shift() : undefined;
    if (next) next();
    else this.#available++;
    this.#notify();
  }

  #notify(): void {
    const listeners = this.#releaseListeners;
    if (listeners === undefined) return;
    for (const listener of listeners) listener();
  }
}
