import { Cron } from "croner";
import { IntervalTimer } from "./_interval_timer.ts";

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
  /** Croner for cron patterns; a plain timer for intervals (a Cron each costs ~85 KB). */
  cron: Cron | IntervalTimer;
  plan: JobPlan;
  paused: boolean;
  /** Pending jittered firings, cleared when the job is removed. */
  timers: Set<Timer>;
}

/**
 * One Croner job per key. The scheduler only says when a key is due; what runs
 * then (and whether a run that is still going makes this one a skip) is the
 * caller's `onDue`. Jobs can be paused and resumed by any selection of keys
 * (all, a class prefix, one network).
 */
export class Scheduler {
  #jobs = new Map<string, Job>();
  #onDue: (key: string) => void;
  #random: () => number;

  constructor(onDue: (key: string) => void, options: { random?: () => number } = {}) {
    this.#onDue = onDue;
    this.#random = options.random ?? Math.random;
  }

  /**
   * Starts (or replaces) the job of a key. A replaced job that was paused
   * stays paused: a config reload does not undo an operator's pause.
   */
  add(key: string, plan: JobPlan): void {
    const paused = this.#jobs.get(key)?.paused ?? false;
    this.remove(key);
    const timers = new Set<Timer>();
    const fire = () => this.#fireWithJitter(key, plan.jitter, timers);
    const cron = plan.cron
      ? new Cron(plan.cron, { timezone: plan.timezone }, fire)
      : new IntervalTimer((plan.interval ?? 60) * 1000, this.#firstDue(plan), fire);
    this.#jobs.set(key, { cron, plan, paused: false, timers });
    if (paused) this.#pauseJob(key);
    else if (plan.runAtStart) fire();
  }

  /** The plan a key runs on. */
  plan(key: string): JobPlan | undefined {
    return this.#jobs.get(key)?.plan;
  }

  /** Every key with a job. */
  keys(): string[] {
    return [...this.#jobs.keys()];
  }

  /**
   * Pauses the jobs whose key `match` accepts (all without one): no firing
   * until resumed, and jittered firings already pending are dropped. Returns
   * the keys that were running and are paused now.
   */
  pause(match: (key: string) => boolean = () => true): string[] {
    const paused: string[] = [];
    for (const [key, job] of this.#jobs) {
      if (job.paused || !match(key)) continue;
      this.#pauseJob(key);
      paused.push(key);
    }
    return paused;
  }

  /** Resumes the paused jobs `match` accepts; returns the keys resumed. */
  resume(match: (key: string) => boolean = () => true): string[] {
    const resumed: string[] = [];
    for (const [key, job] of this.#jobs) {
      if (!job.paused || !match(key)) continue;
      job.paused = false;
      job.cron.resume();
      resumed.push(key);
    }
    return resumed;
  }

  isPaused(key: string): boolean {
    return this.#jobs.get(key)?.paused ?? false;
  }

  /** Keys whose job is paused. */
  pausedKeys(): string[] {
    return [...this.#jobs].filter(([, job]) => job.paused).map(([key]) => key);
  }

  #pauseJob(key: string): void {
    const job = this.#jobs.get(key)!;
    job.paused = true;
    job.cron.pause();
    for (const timer of job.timers) clearTimeout(timer);
    job.timers.clear();
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
  #firstDue(plan: JobPlan): number {
    const intervalMs = (plan.interval ?? 60) * 1000;
    return Date.now() + intervalMs + this.#random() * plan.jitter * 1000;
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
