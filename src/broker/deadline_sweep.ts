/**
 * One timer for the deadlines of every connection (CONNECT timeout, keep-alive) instead of one
 * timer each: 1,000 pending Deno timers measured about 6 MB more RSS than the same objects without
 * timers, and a Pi holding a thousand idle subscribers would pay that for nothing.
 */

/** Something with a deadline that may move later on its own (keep-alive after a packet). */
export interface DeadlineHolder {
  /**
   * Acts when due (closes the connection) and returns `undefined`; otherwise returns the current
   * deadline, in `performance.now()` milliseconds, to be checked again then.
   */
  checkDeadline(nowMs: number): number | undefined;
}

/** The longest single timer (setTimeout takes at most 2^31-1 ms); longer waits re-arm. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Watches deadline holders with one timer, armed for the earliest deadline known. A holder's
 * deadline may move later without telling the sweep (a keep-alive refreshed by every packet):
 * when the timer fires each holder is asked again, as one timer per connection re-armed for the
 * remaining time would be. Sweeps are at least `minGapMs` apart, so a thousand deadlines spread
 * over a minute cost a few sweeps a second at most, each checking every holder.
 */
export class DeadlineSweep {
  readonly #holders: Set<DeadlineHolder> = new Set();
  readonly #minGapMs: number;
  #timer: ReturnType<typeof setTimeout> | undefined;
  /** When the armed timer fires (performance.now() ms); Infinity when none is armed. */
  #armedForMs = Infinity;

  constructor(minGapMs = 100) {
    if (!Number.isFinite(minGapMs) || minGapMs < 0) {
      throw new RangeError(`minGapMs must be a non-negative number, got ${minGapMs}`);
    }
    this.#minGapMs = minGapMs;
  }

  /** How many holders are watched. */
  get size(): number {
    return this.#holders.size;
  }

  /** Checks `holder` at `deadlineMs` (performance.now() milliseconds), then as it says. */
  watch(holder: DeadlineHolder, deadlineMs: number): void {
    this.#holders.add(holder);
    this.#arm(deadlineMs);
  }

  /** Stops checking `holder`; the timer stops with the last one. */
  unwatch(holder: DeadlineHolder): void {
    if (!this.#holders.delete(holder) || this.#holders.size > 0) return;
    this.#disarm();
  }

  /** Stops checking everything. */
  clear(): void {
    this.#holders.clear();
    this.#disarm();
  }

  #arm(deadlineMs: number): void {
    if (deadlineMs >= this.#armedForMs) return;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#armedForMs = deadlineMs;
    const delayMs = Math.min(Math.max(0, deadlineMs - performance.now()), MAX_TIMER_MS);
    this.#timer = setTimeout(() => this.#sweep(), delayMs);
  }

  #disarm(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#armedForMs = Infinity;
  }

  #sweep(): void {
    this.#timer = undefined;
    this.#armedForMs = Infinity;
    const nowMs = performance.now();
    let nextMs = Infinity;
    // A holder may unwatch itself (or others) while checked: deleting from a Set being iterated
    // is safe, and a deleted holder not yet visited is skipped.
    for (const holder of this.#holders) {
      const deadlineMs = holder.checkDeadline(nowMs);
      if (deadlineMs === undefined) {
        this.#holders.delete(holder);
      } else if (deadlineMs < nextMs) {
        nextMs = deadlineMs;
      }
    }
    if (this.#holders.size > 0 && nextMs < Infinity) {
      this.#arm(Math.max(nextMs, nowMs + this.#minGapMs));
    }
  }
}
