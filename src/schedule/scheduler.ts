import { Cron } from "croner";

/** When one job fires. */
export interface JobPlan {
  /** Seconds between runs; used when `cron` is absent. */
  interval?: number;
  /** A croner pattern (5 or 6 fields). */
  cron?: string;
  timezone?: string;
  /** Each run (and the first) starts up to this many seconds late, at random. */
  jitter: number;
  /** Fire once right after start (after jitter), not only at the first due time. */
  runAtStart: boolean;
}

type Timer = ReturnType<typeof setTimeout>;

interface Job {
  cron: Cron;
  /** Pending jittered firings, cleared when the job is removed. */
  timers: Set<Timer>;
}

/**
 * One Croner job per key. The scheduler only says when a key is due; what runs
 * then (and whether a run that is still going makes this one a skip) is the
 * caller's `onDue`.
 */
export class Scheduler {
  #jobs = new Map<string, Job>();
  #onDue: (key: string) => void;
  #random: () => number;

  constructor(onDue: (key: string) => void, options: { random?: () => number } = {}) {
    this.#onDue = onDue;
    this.#random = options.random ?? Math.random;
  }

  /** Starts (or replaces) the job of a key. */
  add(key: string, plan: JobPlan): void {
    this.remove(key);
    const timers = new Set<Timer>();
    const fire = () => this.#fireWithJitter(key, plan.jitter, timers);
    const cron = plan.cron ? new Cron(plan.cron, { timezone: plan.timezone }, fire) : new Cron(
      "* * * * * *",
      { interval: plan.interval ?? 60, startAt: this.#firstDue(plan) },
      fire,
    );
    this.#jobs.set(key, { cron, timers });
    if (plan.runAtStart) fire();
  }

  /** Stops the job of a key and any jittered firing still pending. */
  remove(key: string): void {
    const job = this.#jobs.get(key);
    if (!job) return;
    job.cron.stop();
    for (const timer of job.timers) clearTimeout(timer);
    this.#jobs.delete(key);
  }

  has(key: string): boolean {
    return this.#jobs.has(key);
  }

  /** The next time Croner will fire the key (before jitter). */
  nextRun(key: string): Date | null {
    return this.#jobs.get(key)?.cron.nextRun() ?? null;
  }

  get size(): number {
    return this.#jobs.size;
  }

  /** Stops every job. */
  stop(): void {
    for (const key of [...this.#jobs.keys()]) this.remove(key);
  }

  // Interval jobs would otherwise all fire in the same second; a random phase spreads them.
  #firstDue(plan: JobPlan): Date {
    const intervalMs = (plan.interval ?? 60) * 1000;
    return new Date(Date.now() + intervalMs + this.#random() * plan.jitter * 1000);
  }

  #fireWithJitter(key: string, jitterS: number, timers: Set<Timer>): void {
    const delayMs = jitterS > 0 ? this.#random() * jitterS * 1000 : 0;
    if (delayMs === 0) {
      this.#onDue(key);
      return;
    }
    const timer = setTimeout(() => {
      timers.delete(timer);
      this.#onDue(key);
    }, delayMs);
    timers.add(timer);
  }
}
