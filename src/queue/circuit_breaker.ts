/**
 * A circuit breaker per key (per network): after `failures` consecutive
 * failed runs the key is open, refused for a back-off that doubles with each
 * further failure up to `maxMs`; once that passes one trial run goes through
 * (half-open), and the first success closes it again.
 */

/** When a key opens and how long it stays open. */
export interface BreakerSettings {
  /** Consecutive failures that open the breaker. */
  failures: number;
  /** Open time after the opening failure; doubles with each further one. */
  backoffMs: number;
  /** The longest open time. */
  maxMs: number;
}

/** Where one key stands. */
export interface BreakerState {
  key: string;
  state: "closed" | "open" | "half-open";
  /** Failed runs in a row. */
  consecutiveFailures: number;
  /** Epoch ms until which runs are refused (open only). */
  openUntil?: number;
}

interface Entry {
  failures: number;
  openUntil: number;
}

/** The defaults of `[[rules]] breaker`: 5 failures, 1 min, doubling up to 1 h. */
export const DEFAULT_BREAKER: Readonly<BreakerSettings> = {
  failures: 5,
  backoffMs: 60_000,
  maxMs: 3_600_000,
};

export class CircuitBreaker {
  readonly defaults: Readonly<BreakerSettings>;
  #entries = new Map<string, Entry>();
  #now: () => number;
  #onChange?: (state: BreakerState) => void;

  constructor(
    options: {
      defaults?: Partial<BreakerSettings>;
      now?: () => number;
      /** Called when a key opens or closes. */
      onChange?: (state: BreakerState) => void;
    } = {},
  ) {
    this.defaults = checkSettings({ ...DEFAULT_BREAKER, ...options.defaults });
    this.#now = options.now ?? Date.now;
    this.#onChange = options.onChange;
  }

  /** Whether a run of `key` may go now (closed, or open with its back-off over). */
  allow(key: string): boolean {
    const entry = this.#entries.get(key);
    return entry === undefined || entry.openUntil <= this.#now();
  }

  /** A run succeeded: the key closes. */
  success(key: string): void {
    const entry = this.#entries.get(key);
    if (!entry) return;
    this.#entries.delete(key);
    if (entry.openUntil > 0) this.#onChange?.(this.state(key));
  }

  /** A run failed (after its retries); returns where the key stands now. */
  failure(key: string, settings: Partial<BreakerSettings> = {}): BreakerState {
    const { failures, backoffMs, maxMs } = checkSettings({ ...this.defaults, ...settings });
    const entry = this.#entries.get(key) ?? { failures: 0, openUntil: 0 };
    entry.failures++;
    this.#entries.set(key, entry);
    if (entry.failures >= failures) {
      const beyond = entry.failures - failures;
      const openMs = Math.min(maxMs, backoffMs * 2 ** Math.min(beyond, 30));
      entry.openUntil = this.#now() + openMs;
      this.#onChange?.(this.state(key));
    }
    return this.state(key);
  }

  state(key: string): BreakerState {
    const entry = this.#entries.get(key);
    if (!entry) return { key, state: "closed", consecutiveFailures: 0 };
    if (entry.openUntil === 0) {
      return { key, state: "closed", consecutiveFailures: entry.failures };
    }
    const open = entry.openUntil > this.#now();
    return {
      key,
      state: open ? "open" : "half-open",
      consecutiveFailures: entry.failures,
      ...(open ? { openUntil: entry.openUntil } : {}),
    };
  }

  /** Every key that has failed since its last success. */
  states(): BreakerState[] {
    return [...this.#entries.keys()].map((key) => this.state(key));
  }

  /** Drops a key (its network left the plan). */
  forget(key: string): void {
    this.#entries.delete(key);
  }
}

function checkSettings(settings: BreakerSettings): BreakerSettings {
  const { failures, backoffMs, maxMs } = settings;
  if (!Number.isInteger(failures) || failures < 1) {
    throw new RangeError(`breaker: failures must be a positive integer, got ${failures}`);
  }
  if (!(backoffMs >= 0) || !Number.isFinite(backoffMs)) {
    throw new RangeError(`breaker: backoff must be a finite number >= 0, got ${backoffMs}`);
  }
  if (!(maxMs >= backoffMs)) {
    throw new RangeError(`breaker: max must be >= backoff (${backoffMs}), got ${maxMs}`);
  }
  return settings;
}
