/** The longest delay one setTimeout takes (about 24.8 days); longer waits re-arm. */
const MAX_DELAY_MS = 2 ** 31 - 1;

/**
 * Fires every `intervalMs` from a first due time, on one timer. Each next due
 * time is the last one plus the interval, never "now plus the interval", so a
 * late callback does not push the following runs later. Runs missed while the
 * process slept or the job was paused are not made up: the next due time is
 * the first one still ahead, on the same phase.
 *
 * Interval jobs used a Croner job each, and Croner parses a pattern per job
 * into tables of about 85 KB (its year table alone has 10,000 entries): 2,000
 * networks took some 240 MiB and their timers fired on shared second
 * boundaries. This keeps a job to a few numbers and one timer.
 */
export class IntervalTimer {
  #intervalMs: number;
  #next: number;
  #fire: () => void;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #state: "running" | "paused" | "stopped" = "running";

  /** `firstDue` is an epoch time in milliseconds; `fire` runs at it and every `intervalMs` after. */
  constructor(intervalMs: number, firstDue: number, fire: () => void) {
    if (!Number.isFinite(intervalMs) || intervalMs <= 0) {
      throw new RangeError(`interval must be a positive number of milliseconds, got ${intervalMs}`);
    }
    if (!Number.isFinite(firstDue)) {
      throw new RangeError(`first due time must be a finite epoch time, got ${firstDue}`);
    }
    this.#intervalMs = intervalMs;
    this.#next = firstDue;
    this.#fire = fire;
    this.#arm();
  }

  /** The next due time; null once stopped. */
  nextRun(): Date | null {
    return this.#state === "stopped" ? null : new Date(this.#next);
  }

  /** No firing until resumed; the phase is kept. */
  pause(): void {
    if (this.#state !== "running") return;
    this.#state = "paused";
    this.#disarm();
  }

  /** Fires again from the first due time still ahead, on the same phase. */
  resume(): void {
    if (this.#state !== "paused") return;
    this.#state = "running";
    this.#skipPast(Date.now());
    this.#arm();
  }

  stop(): void {
    this.#state = "stopped";
    this.#disarm();
  }

  #arm(): void {
    const delay = Math.min(Math.max(0, this.#next - Date.now()), MAX_DELAY_MS);
    this.#timer = setTimeout(() => this.#tick(), delay);
  }

  #disarm(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #tick(): void {
    this.#timer = undefined;
    const now = Date.now();
    // Woken before the due time (a wait longer than one timer, or clocks that disagree): wait on.
    if (now < this.#next) return this.#arm();
    this.#skipPast(now);
    // Armed before firing, so a callback that stops or pauses the job disarms this timer.
    this.#arm();
    this.#fire();
  }

  /** Moves the next due time past `now` by whole intervals. */
  #skipPast(now: number): void {
    if (this.#next > now) return;
    this.#next += Math.floor((now - this.#next) / this.#intervalMs + 1) * this.#intervalMs;
  }
}
