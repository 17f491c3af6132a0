/**
 * How long before a due time the scheduler arms its timer: a low quantile of
 * how late its own timer has fired, learnt as it runs.
 *
 * Deno's timers fire about 1.2 ms after the delay asked for, whatever the
 * delay (whole milliseconds on a loop that ticks by the millisecond;
 * BENCHMARKS.md, "Scheduler and queue"), so a timer armed for the due time
 * makes every run that late. Armed this much earlier, most wake-ups land just
 * after the due time. A wake-up that still comes early fires nothing and arms
 * again: no run ever starts before its due time. The lead follows the 5th
 * percentile of the lateness (a stochastic quantile estimate: each
 * observation moves it by a small step), so wake-ups delayed by a busy loop
 * or a garbage collection do not pull it up, and only about one wake-up in
 * twenty comes early.
 */
export class TimerLead {
  #leadMs = 0;
  readonly #quantile: number;
  readonly #stepMs: number;
  readonly #maxMs: number;

  constructor({ quantile = 0.05, stepMs = 0.05, maxMs = 2 } = {}) {
    if (!(quantile > 0 && quantile < 1)) {
      throw new RangeError(`TimerLead: quantile must be between 0 and 1, got ${quantile}`);
    }
    if (!(stepMs > 0) || !Number.isFinite(stepMs)) {
      throw new RangeError(`TimerLead: stepMs must be a positive number, got ${stepMs}`);
    }
    if (!(maxMs >= 0) || !Number.isFinite(maxMs)) {
      throw new RangeError(`TimerLead: maxMs must be a number ≥ 0, got ${maxMs}`);
    }
    this.#quantile = quantile;
    this.#stepMs = stepMs;
    this.#maxMs = maxMs;
  }

  /** Milliseconds to arm ahead of a due time (0 until something was observed). */
  get ms(): number {
    return this.#leadMs;
  }

  /** One wake-up came `lateMs` after the delay it was armed for; ignored unless a finite number. */
  observe(lateMs: number): void {
    if (typeof lateMs !== "number" || !Number.isFinite(lateMs)) return;
    if (lateMs < this.#leadMs) {
      this.#leadMs = Math.max(0, this.#leadMs - this.#stepMs * (1 - this.#quantile));
    } else {
      this.#leadMs = Math.min(this.#maxMs, this.#leadMs + this.#stepMs * this.#quantile);
    }
  }
}
